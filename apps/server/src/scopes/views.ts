// The scope filters in the API's views (DESIGN "Claims"): assets a scope's filters leave out are
// not listed, nor issues whose entry or target is one of them. Pages are filled from the store's
// own cursor pages, asking each time for just the number still missing, so every item fetched is
// either listed or skipped and the store's cursor stays exact.
import type { AppStore, GraphStore, Issue, Node, PageResult } from "@ctem/model";
import { scopeAssetFilter } from "./filters.js";

/** At most this many store pages per answer; a page may then hold fewer items, with `next`. */
const MAX_ROUNDS = 20;

/** The view's asset filter, or undefined when no scope has filters. */
export async function viewFilter(app: Pick<AppStore, "scopes">): Promise<((n: Node) => boolean) | undefined> {
  return scopeAssetFilter(await app.scopes.list());
}

/** A page of `limit` kept items, fetched through the store's pages. */
export async function filledPage<T>(
  fetch: (limit: number, cursor: string | undefined) => Promise<PageResult<T>>,
  keep: (items: T[]) => Promise<T[]>,
  limit: number,
  cursor: string | undefined,
): Promise<PageResult<T>> {
  const items: T[] = [];
  let next = cursor;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const page = await fetch(limit - items.length, next);
    items.push(...(await keep(page.items)));
    next = page.next;
    if (!next || items.length >= limit) break;
  }
  return next ? { items, next } : { items };
}

/** The issues whose entry and target the filter keeps (an asset no longer stored counts as kept). */
export async function keptIssues<I extends Pick<Issue, "entry" | "target">>(
  graph: Pick<GraphStore, "listNodes">,
  keep: (n: Node) => boolean,
  issues: I[],
): Promise<I[]> {
  if (issues.length === 0) return issues;
  const ids = [...new Set(issues.flatMap((i) => [i.entry.id, i.target.id]))];
  const nodes = new Map<string, Node>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const page = await graph.listNodes({ ids: chunk }, { limit: chunk.length });
    for (const n of page.items) nodes.set(n.id, n);
  }
  const ok = (id: string) => {
    const n = nodes.get(id);
    return !n || keep(n);
  };
  return issues.filter((i) => ok(i.entry.id) && ok(i.target.id));
}
