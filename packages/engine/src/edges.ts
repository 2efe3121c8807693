// Collects derived edges keyed by (from, kind, to): several reasons for one edge become several
// evidence entries on it (DESIGN "An edge is keyed by (from, kind, to)"). Props merge: arrays
// union, `level` keeps the highest, `rules` lists every rule that proved the edge.
//
// Sharing: a reason is often the same for many edges (every member admitted by one ingress rule,
// every principal given one access level). A rule may hand the sink frozen arrays and a frozen
// props object built once per distinct reason; the sink keeps frozen things as they are, shared
// between edges, and copies one only when a later reason for the same edge must change it (copy
// on write). Anything not frozen is copied, so a rule may go on using its own arrays. The edges'
// props, evidence and assumptions are read-only to everyone after derive.
import type { Assumption, DerivedEdgeFact, EdgeKind, Evidence } from "@ctem/model";

export const LEVELS = ["read", "write", "admin"] as const;
export type AccessLevel = (typeof LEVELS)[number];

export interface EdgeInput {
  rule: string;
  props?: Readonly<Record<string, unknown>>;
  evidence: readonly Evidence[];
  assumptions?: readonly Assumption[];
}

export interface DerivedEdge {
  from: string;
  kind: EdgeKind;
  to: string;
  props: Record<string, unknown> & { rules: string[] };
  evidence: Evidence[];
  assumptions: Assumption[];
}

type Props = DerivedEdge["props"];

const json = (x: unknown) => JSON.stringify(x);
const NO_ASSUMPTIONS = Object.freeze([]) as unknown as Assumption[];
/** The key of "no props" among a reason's props (merging frozen props). */
const NO_PROPS = Object.freeze({});

/** The array as the sink may hold it: frozen ones are shared, others copied. */
function held<T>(a: readonly T[]): T[] {
  return (Object.isFrozen(a) ? a : a.slice()) as T[];
}

export class EdgeSink {
  // kind → from → to → edge: lookups on the ids themselves, no key string built per reason.
  private readonly byKind = new Map<EdgeKind, Map<string, Map<string, DerivedEdge>>>();
  /** Edges in the order their first reason came. */
  private readonly list: DerivedEdge[] = [];
  /** Per rule: the frozen `[rule]` and the frozen props of a reason without props. */
  private readonly ruleOnly = new Map<string, { rules: string[]; props: Props }>();
  /** Frozen input props → rule → the frozen props an edge holds (input props plus `rules`). */
  private readonly sharedProps = new WeakMap<object, Map<string, Props>>();
  /**
   * What a list already holds, as keys (JSON), once an edge holding it gets a further reason:
   * evidence, assumptions and each array prop, keyed by the list. Kept so merging one more reason
   * costs that reason's size, not the edge's (a group reached through many rules would be
   * quadratic). A frozen list's set never changes; a list the sink owns has its set grow with it.
   */
  private readonly listSeen = new Map<readonly unknown[], Set<string>>();
  private readonly arraySeen = new WeakMap<unknown[], Set<string>>();
  /**
   * Merges of one frozen thing with another, kept: a reason met by many edges holding the same
   * frozen parts (every member a second ingress rule admits) gives them all one frozen result,
   * shared like the parts it was made from, instead of a copy each.
   */
  private readonly mergedLists = new Map<readonly unknown[], Map<readonly unknown[], readonly unknown[]>>();
  private readonly mergedProps = new Map<Props, Map<object, Map<string, Props>>>();
  /** JSON of the objects merging compared, once each (shared evidence meets many edges). */
  private readonly jsonOf = new Map<unknown, string>();
  private readonly json = (x: unknown): string => {
    if (typeof x !== "object" || x === null) return JSON.stringify(x);
    let s = this.jsonOf.get(x);
    if (s === undefined) this.jsonOf.set(x, (s = JSON.stringify(x)));
    return s;
  };

  add(from: string, kind: EdgeKind, to: string, input: EdgeInput): void {
    if (input.evidence.length === 0) throw new Error(`derived edge ${from} ${kind} ${to} has no evidence`);
    let byFrom = this.byKind.get(kind);
    if (!byFrom) this.byKind.set(kind, (byFrom = new Map<string, Map<string, DerivedEdge>>()));
    let byTo = byFrom.get(from);
    if (!byTo) byFrom.set(from, (byTo = new Map<string, DerivedEdge>()));
    const e = byTo.get(to);
    if (!e) {
      // First reason for this edge: taken as it is (most edges have one).
      const edge: DerivedEdge = {
        from,
        kind,
        to,
        props: this.firstProps(input),
        evidence: held(input.evidence),
        assumptions: input.assumptions ? dedupeAssumptions(input.assumptions) : NO_ASSUMPTIONS,
      };
      byTo.set(to, edge);
      this.list.push(edge);
      return;
    }
    this.merge(e, input);
  }

  private rulesOf(rule: string): { rules: string[]; props: Props } {
    let r = this.ruleOnly.get(rule);
    if (!r) {
      const rules = Object.freeze([rule]) as unknown as string[];
      r = { rules, props: Object.freeze({ rules }) };
      this.ruleOnly.set(rule, r);
    }
    return r;
  }

  private firstProps(input: EdgeInput): Props {
    const r = this.rulesOf(input.rule);
    const p = input.props;
    if (!p) return r.props;
    if (!Object.isFrozen(p)) return withRules(p, r.rules, false);
    let byRule = this.sharedProps.get(p);
    if (!byRule) this.sharedProps.set(p, (byRule = new Map<string, Props>()));
    let out = byRule.get(input.rule);
    if (!out) byRule.set(input.rule, (out = Object.freeze(withRules(p, r.rules, true))));
    return out;
  }

  private merge(e: DerivedEdge, input: EdgeInput): void {
    const p = input.props;
    if (Object.isFrozen(e.props) && (p === undefined || Object.isFrozen(p)))
      e.props = this.sharedMerge(e.props, input);
    else this.mergeProps(e, input);
    e.evidence = this.mergeList(e.evidence, input.evidence, this.json);
    const more = input.assumptions ?? NO_ASSUMPTIONS;
    if (more.length > 0) e.assumptions = this.mergeList(e.assumptions, more, assumptionKey);
  }

  private mergeProps(e: DerivedEdge, input: EdgeInput): void {
    if (!e.props.rules.includes(input.rule)) {
      const props = mutableProps(e);
      if (Object.isFrozen(props.rules)) props.rules = [...props.rules];
      props.rules.push(input.rule);
    }
    if (input.props) for (const name of Object.keys(input.props)) this.mergeProp(e, name, input.props[name]);
  }

  /** Frozen props merged with a reason's frozen (or no) props: one frozen result per distinct pair. */
  private sharedMerge(cur: Props, input: EdgeInput): Props {
    const key = input.props ?? NO_PROPS;
    let byInput = this.mergedProps.get(cur);
    if (!byInput) this.mergedProps.set(cur, (byInput = new Map<object, Map<string, Props>>()));
    let byRule = byInput.get(key);
    if (!byRule) byInput.set(key, (byRule = new Map<string, Props>()));
    let out = byRule.get(input.rule);
    if (out) return out;
    const scratch = { props: cur } as DerivedEdge;
    this.mergeProps(scratch, input);
    out = scratch.props;
    if (out !== cur) {
      // What the merge copied is frozen now: shared, so a later reason copies it again.
      for (const v of Object.values(out))
        if (Array.isArray(v) && !Object.isFrozen(v)) {
          this.arraySeen.delete(v);
          Object.freeze(v);
        }
      Object.freeze(out);
    }
    byRule.set(input.rule, out);
    return out;
  }

  /**
   * `cur` with what of `more` it lacks (by key) appended: `cur` itself when nothing is new. Two
   * frozen lists give a frozen one, kept for the next edge with the same pair; otherwise `cur`
   * is copied once (when frozen) and grows.
   */
  private mergeList<T>(cur: T[], more: readonly T[], key: (x: T) => string): T[] {
    let byMore: Map<readonly unknown[], readonly unknown[]> | undefined;
    if (Object.isFrozen(cur) && Object.isFrozen(more)) {
      byMore = this.mergedLists.get(cur);
      if (!byMore) this.mergedLists.set(cur, (byMore = new Map<readonly unknown[], readonly unknown[]>()));
      const hit = byMore.get(more);
      if (hit) return hit as T[];
    }
    let seen = this.listSeen.get(cur);
    if (!seen) this.listSeen.set(cur, (seen = new Set(cur.map(key))));
    let out = cur;
    for (const x of more) {
      const s = key(x);
      if (seen.has(s)) continue;
      if (Object.isFrozen(out)) {
        out = [...out];
        this.listSeen.set(out, (seen = new Set(seen)));
      }
      seen.add(s);
      out.push(x);
    }
    if (byMore) {
      if (out !== cur) Object.freeze(out);
      byMore.set(more, out);
    }
    return out;
  }

  private mergeProp(e: DerivedEdge, name: string, v: unknown): void {
    const prev = e.props[name];
    if (name === "level" && typeof v === "string" && typeof prev === "string") {
      const next = LEVELS.indexOf(v as AccessLevel) > LEVELS.indexOf(prev as AccessLevel) ? v : prev;
      if (next !== prev) mutableProps(e)[name] = next;
      return;
    }
    if (Array.isArray(prev) && Array.isArray(v)) {
      let arr: unknown[] = prev;
      // A shared (frozen) array's JSON is never kept: the set would go on to describe one edge's copy.
      const seen = this.arraySeen.get(arr) ?? new Set(arr.map(this.json));
      for (const x of v) {
        const s = this.json(x);
        if (seen.has(s)) continue;
        seen.add(s);
        if (Object.isFrozen(arr)) mutableProps(e)[name] = arr = [...arr];
        arr.push(x);
      }
      if (!Object.isFrozen(arr)) this.arraySeen.set(arr, seen);
      return;
    }
    mutableProps(e)[name] = Array.isArray(v) ? held(v) : v;
  }

  /** Lets go of the indexes (the edges stay with whoever took them from all()); the sink is empty after. */
  release(): void {
    this.byKind.clear();
    this.list.length = 0;
    this.ruleOnly.clear();
    this.listSeen.clear();
    this.mergedLists.clear();
    this.mergedProps.clear();
    this.jsonOf.clear();
  }

  get(from: string, kind: EdgeKind, to: string): DerivedEdge | undefined {
    return this.byKind.get(kind)?.get(from)?.get(to);
  }

  has(from: string, kind: EdgeKind, to: string): boolean {
    return this.get(from, kind, to) !== undefined;
  }

  get size(): number {
    return this.list.length;
  }

  all(): DerivedEdge[] {
    return this.list.slice();
  }

  *facts(): Generator<DerivedEdgeFact> {
    for (const e of this.list)
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

/** The input props with `rules` (in the input's key order; `rules` last unless the input had it). */
function withRules(p: Readonly<Record<string, unknown>>, rules: string[], share: boolean): Props {
  const out: Record<string, unknown> = {};
  for (const n of Object.keys(p)) {
    const v = p[n];
    out[n] = Array.isArray(v) ? (share ? Object.freeze(held(v)) : held(v)) : v;
  }
  out.rules = rules;
  return out as Props;
}

/** The edge's props, copied first when they are shared. */
function mutableProps(e: DerivedEdge): Props {
  if (Object.isFrozen(e.props)) e.props = { ...e.props };
  return e.props;
}

const assumptionKey = (a: Assumption) => `${a.code}\u0000${json(a.detail)}`;

function dedupeAssumptions(as: readonly Assumption[]): Assumption[] {
  if (as.length === 0) return NO_ASSUMPTIONS;
  if (as.length < 2) return held(as);
  const seen = new Set<string>();
  const out: Assumption[] = [];
  for (const a of as) {
    const s = assumptionKey(a);
    if (seen.has(s)) continue;
    seen.add(s);
    out.push(a);
  }
  return out.length === as.length ? held(as) : out;
}
