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
  private readonly evidenceSeen = new Map<string, Set<string>>();

  add(from: string, kind: EdgeKind, to: string, input: EdgeInput): void {
    if (input.evidence.length === 0) throw new Error(`derived edge ${from} ${kind} ${to} has no evidence`);
    const k = key(from, kind, to);
    let e = this.edges.get(k);
    if (!e) {
      e = { from, kind, to, props: { rules: [] }, evidence: [], assumptions: [] };
      this.edges.set(k, e);
      this.evidenceSeen.set(k, new Set());
    }
    if (!e.props.rules.includes(input.rule)) e.props.rules.push(input.rule);
    for (const [name, v] of Object.entries(input.props ?? {})) mergeProp(e.props, name, v);
    const seen = this.evidenceSeen.get(k)!;
    for (const ev of input.evidence) {
      const s = json(ev);
      if (seen.has(s)) continue;
      seen.add(s);
      e.evidence.push(ev);
    }
    for (const a of input.assumptions ?? [])
      if (!e.assumptions.some((x) => x.code === a.code && json(x.detail) === json(a.detail)))
        e.assumptions.push(a);
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

function mergeProp(props: Record<string, unknown>, name: string, v: unknown): void {
  const prev = props[name];
  if (name === "level" && typeof v === "string" && typeof prev === "string") {
    props[name] = LEVELS.indexOf(v as AccessLevel) > LEVELS.indexOf(prev as AccessLevel) ? v : prev;
    return;
  }
  if (Array.isArray(prev) && Array.isArray(v)) {
    const seen = new Set(prev.map(json));
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
