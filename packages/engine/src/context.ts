// What every rule gets: the estate, the sink for derived edges, the marked entries, and what is
// known about failed collectors. A failed collector keeps its earlier claims in the store, so the
// engine may read data one scan old: hops resting on it carry `collector_failed`; data that is
// missing altogether because its listing failed makes the hop unknown, never safe.
import type { Assumption, Evidence, SourceKey } from "@ctem/model";
import type { Estate, EstateNode } from "./graph.js";
import { EdgeSink } from "./edges.js";
import type { ActionCatalog } from "./iam/catalog.js";

/** No assumptions: one shared, frozen array (nothing may push into what stale() returns). */
const NONE = Object.freeze([]) as unknown as Assumption[];

export interface Entry {
  id: string;
  /** `internet`, `access_key`, … */
  reason: string;
  evidence: Evidence[];
  assumptions: Assumption[];
}

export interface AdminEquivalent {
  id: string;
  evidence: Evidence[];
  assumptions: Assumption[];
}

export interface DeriveContext {
  g: Estate;
  catalog: ActionCatalog;
  sink: EdgeSink;
  entries: Map<string, Entry>;
  admins: Map<string, AdminEquivalent>;
  /** Assumptions for data on `node` that came from a collector which failed in the latest scan. */
  stale(node: EstateNode | undefined): Assumption[];
  /** Whether `collector` failed for the node's account (and region, unless the collector is global). */
  failed(collector: string, node: EstateNode): SourceKey | undefined;
  /** Lets go of the sink's indexes and the caches once derive has taken the edges out. */
  release(): void;
}

export function createContext(
  g: Estate,
  catalog: ActionCatalog,
  failedCollectors: readonly SourceKey[] = [],
): DeriveContext {
  const failedKeys = new Set(failedCollectors.map((k) => `${k.source}|${k.region}|${k.collector}`));
  const staleCache = new Map<string, Assumption[]>();
  const sink = new EdgeSink();
  const entries = new Map<string, Entry>();
  const admins = new Map<string, AdminEquivalent>();
  return {
    g,
    catalog,
    sink,
    entries,
    admins,
    stale(node) {
      if (!node || failedKeys.size === 0) return NONE;
      const hit = staleCache.get(node.id);
      if (hit) return hit;
      const out: Assumption[] = node.sources
        .filter((k) => failedKeys.has(`${k.source}|${k.region}|${k.collector}`))
        .map((k) => ({
          code: "collector_failed",
          detail: { collector: k.collector, source: k.source, region: k.region, node: node.id },
        }));
      staleCache.set(node.id, out);
      return out;
    },
    release() {
      sink.release();
      entries.clear();
      admins.clear();
      staleCache.clear();
    },
    failed(collector, node) {
      if (failedKeys.size === 0) return undefined;
      return failedCollectors.find(
        (k) =>
          k.collector === collector &&
          (!node.accountId || k.source.endsWith(`:${node.accountId}`)) &&
          (k.region === "global" || !node.region || k.region === node.region),
      );
    },
  };
}
