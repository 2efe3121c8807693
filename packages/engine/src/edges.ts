// Collects derived edges keyed by (from, kind, to): several reasons for one edge become several
// evidence entries on it (DESIGN "An edge is keyed by (from, kind, to)"). Props merge: arrays
// union, `level` keeps the highest, `rules` lists every rule that proved the edge.
import type { Assumption, DerivedEdgeFact, EdgeKind, Evidence } from "@ctem/model";

export const LEVELS = ["read", "write", "admin"] as const;
export type AccessLevel = (typeof LEVELS)[number];

export interface EdgeInput {
  rule: string;
  props?: Record<string, unknown>;
  evidence: Evidence[];
  assumptions?: Assumption[];
}

export interface DerivedEdge {
  from: string;
  kind: EdgeKind;
  to: string;
  props: Record<string, unknown> & { rules: string[] };
  evidence: Evidence[];
  assumptions: Assumption[];
}

const key = (from: string, kind: string, to: string) => `${from}\u0000${kind}\u0000${to}`;
const json = (x: unknown) => JSON.stringify(x);

export class EdgeSink {
  private readonly edges = new Map<string, DerivedEdge>();
  /**
   * What an edge already holds, as JSON, once it gets a second reason: evidence, assumptions and
   * each array prop (keyed by the array, which the sink owns). Kept so merging one more reason costs
   * that reason's size, not the edge's (a group reached through many rules would be quadratic).
   */
  private readonly evidenceSeen = new Map<string, Set<string>>();
  private readonly assumptionsSeen = new Map<string, Set<string>>();
  private readonly arraySeen = new WeakMap<unknown[], Set<string>>();

  add(from: string, kind: EdgeKind, to: string, input: EdgeInput): void {
    if (input.evidence.length === 0) throw new Error(`derived edge ${from} ${kind} ${to} has no evidence`);
    const k = key(from, kind, to);
    const e = this.edges.get(k);
    if (!e) {
      // First reason for this edge: taken as it is (most edges have one).
      this.edges.set(k, {
        from,
        kind,
        to,
        props: {
          ...Object.fromEntries(
            Object.entries(input.props ?? {}).map(([n, v]) => [
              n,
              Array.isArray(v) ? [...(v as unknown[])] : v,
            ]),
          ),
          rules: [input.rule],
        },
        evidence: [...input.evidence],
        assumptions: dedupeAssumptions(input.assumptions ?? []),
      });
      return;
    }
    if (!e.props.rules.includes(input.rule)) e.props.rules.push(input.rule);
    for (const [name, v] of Object.entries(input.props ?? {})) this.mergeProp(e.props, name, v);
    let seen = this.evidenceSeen.get(k);
    if (!seen) {
      seen = new Set(e.evidence.map(json));
      this.evidenceSeen.set(k, seen);
    }
    for (const ev of input.evidence) {
      const s = json(ev);
      if (seen.has(s)) continue;
      seen.add(s);
      e.evidence.push(ev);
    }
    const more = input.assumptions ?? [];
    if (more.length === 0) return;
    let aSeen = this.assumptionsSeen.get(k);
    if (!aSeen) {
      aSeen = new Set(e.assumptions.map(assumptionKey));
      this.assumptionsSeen.set(k, aSeen);
    }
    for (const a of more) {
      const s = assumptionKey(a);
      if (aSeen.has(s)) continue;
      aSeen.add(s);
      e.assumptions.push(a);
    }
  }

  private mergeProp(props: Record<string, unknown>, name: string, v: unknown): void {
    const prev = props[name];
    if (name === "level" && typeof v === "string" && typeof prev === "string") {
      props[name] = LEVELS.indexOf(v as AccessLevel) > LEVELS.indexOf(prev as AccessLevel) ? v : prev;
      return;
    }
    if (Array.isArray(prev) && Array.isArray(v)) {
      let seen = this.arraySeen.get(prev);
      if (!seen) {
        seen = new Set(prev.map(json));
        this.arraySeen.set(prev, seen);
      }
      for (const x of v) {
        const s = json(x);
        if (seen.has(s)) continue;
        seen.add(s);
        prev.push(x);
      }
      return;
    }
    props[name] = v;
  }

  get(from: string, kind: EdgeKind, to: string): DerivedEdge | undefined {
    return this.edges.get(key(from, kind, to));
  }

  has(from: string, kind: EdgeKind, to: string): boolean {
    return this.edges.has(key(from, kind, to));
  }

  get size(): number {
    return this.edges.size;
  }

  all(): DerivedEdge[] {
    return [...this.edges.values()];
  }

  *facts(): Generator<DerivedEdgeFact> {
    for (const e of this.edges.values())
      yield {
        from: e.from,
        kind: e.kind,
        to: e.to,
        props: e.props,
        evidence: e.evidence,
        assumptions: e.assumptions,
      };
  }
}

const assumptionKey = (a: Assumption) => `${a.code}\u0000${json(a.detail)}`;

function dedupeAssumptions(as: Assumption[]): Assumption[] {
  if (as.length < 2) return [...as];
  const seen = new Set<string>();
  const out: Assumption[] = [];
  for (const a of as) {
    const s = assumptionKey(a);
    if (seen.has(s)) continue;
    seen.add(s);
    out.push(a);
  }
  return out;
}
