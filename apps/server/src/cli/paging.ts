// Lists print every match unless --limit is given (DESIGN "Command line"): page through the store.
import type { PageRequest, PageResult } from "@ctem/model";

const PAGE = 1000;

export async function collectAll<T>(
  fetch: (page: PageRequest) => Promise<PageResult<T>>,
  limit?: number,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const want = limit === undefined ? PAGE : Math.min(PAGE, limit - out.length);
    if (want <= 0) break;
    const page = await fetch(cursor === undefined ? { limit: want } : { cursor, limit: want });
    out.push(...page.items);
    if (!page.next) break;
    cursor = page.next;
  }
  return out;
}
