// The score model (DESIGN "Prioritization" step 3; docs/scoring.md): a path's score is
// 10 × likelihood × impact. Likelihood = the entry's likelihood × each hop's probability; impact =
// the target's tier weight × the access level reached. Every number becomes a factor
// {name, value, source}: intel feeds, the estate's evidence, or a named prior from priors.ts.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Assumption, Confidence, Factor, Finding } from "@ctem/model";
import type { DerivedEdge } from "../edges.js";
import type { EstateNode } from "../graph.js";
import { ADMIN_PORTS, DATABASE_PORTS, PRIORS, priorSource, round2 } from "./priors.js";
import type { PriorName } from "./priors.js";
import { assessFinding } from "./vuln.js";
import type { IntelLookup, VulnAssessment } from "./vuln.js";

export interface PortRange {
  protocol?: string;
  from: number;
  to: number;
  label?: string;
}

export interface Likelihood {
  p: number;
  factors: Factor[];
  assumptions: Assumption[];
}

export interface HopScore {
  /** Probability the hop succeeds. */
  p: number;
  /** Access-level weight when the hop ends on data (CAN_ACCESS, a public data store), else 1. */
  levelWeight: number;
  level?: string | undefined;
  factors: Factor[];
  /** The factors as a path shows them with this hop at position i (made on first use). */
  at?: Array<Factor[] | undefined> | undefined;
}

export interface PathScore {
  likelihood: number;
  impact: number;
  score: number;
  confidence: Confidence;
  factors: Factor[];
}

export interface ScoreModelInput {
  nodes: ReadonlyMap<string, EstateNode>;
  findingsByAsset: ReadonlyMap<string, readonly Finding[]>;
  tiers: ReadonlyMap<string, number>;
  lookup?: IntelLookup | undefined;
}

/** A path score's factors when they are not made (never changed: frozen). */
const NO_FACTORS = Object.freeze([]) as unknown as Factor[];

const combine = (ps: number[]): number => 1 - ps.reduce((acc, p) => acc * (1 - p), 1);

export const portsOf = (e: { props: Record<string, unknown> }): PortRange[] =>
  Array.isArray(e.props.ports) ? (e.props.ports as PortRange[]) : [];

const covers = (ranges: readonly PortRange[], set: ReadonlySet<number>): number | undefined => {
  for (const r of ranges) for (const p of set) if (p >= r.from && p <= r.to) return p;
  return undefined;
};

const levelPrior = (level: string | undefined): PriorName | undefined =>
  level === "admin"
    ? "access_admin"
    : level === "write"
      ? "access_write"
      : level === "read"
        ? "access_read"
        : undefined;

/**
 * Whether two findings' reports are the same for assessFinding (which reads the rule id, then each
 * report's tool, severity and vector): findings equal on these get one (shared) assessment.
 */
const sameReports = (x: Finding["sources"], y: Finding["sources"]): boolean => {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (a.tool !== b.tool || a.severity !== b.severity || (a.vector ?? "") !== (b.vector ?? "")) return false;
  }
  return true;
};

export function createScoreModel(input: ScoreModelInput) {
  // One image on many hosts: the same CVE reported the same way is assessed (and held) once. By
  // rule id, then the reports compared field by field (no key string per finding: a few dozen
  // contents among 89k findings at 100k assets).
  const byRule = new Map<string, Array<{ sources: Finding["sources"]; a: VulnAssessment }>>();
  const assess = (f: Finding): VulnAssessment => {
    let list = byRule.get(f.ruleId);
    if (!list) byRule.set(f.ruleId, (list = []));
    for (const c of list) if (sameReports(c.sources, f.sources)) return c.a;
    const a = assessFinding(f, input.lookup);
    list.push({ sources: f.sources, a });
    return a;
  };
  // Factors are plain data, never changed once made: equal ones are one object shared by every
  // hop, path and issue showing them (50k issues hold mostly the same few hundred).
  const shared = new Map<string, Factor>();
  const factor = (name: string, value: Factor["value"], source: string): Factor => {
    const k = `${name}\u0000${typeof value}\u0000${String(value)}\u0000${source}`;
    let f = shared.get(k);
    if (!f) shared.set(k, (f = { name, value, source }));
    return f;
  };
  const vulnsOf = (nodeId: string) =>
    (input.findingsByAsset.get(nodeId) ?? []).filter((f) => f.kind === "vulnerability");
  const NONE: readonly Finding[] = [];

  const compromiseCache = new Map<string, number>();
  // The hops of best paths, with their factors, once per edge object (the edges live as long as
  // the model: a Map, not a WeakMap, spares the collector its ephemerons). Weights and the
  // probabilities of other paths are recomputed (cheap: compromise is cached per node).
  const hopCache = new Map<DerivedEdge, HopScore>();
  /**
   * How likely an attacker who can reach `nodeId` inside the network compromises it: lateral_service
   * and the host's network-reachable CVEs (a hop shows it as one factor, so only the number is kept).
   */
  function compromise(nodeId: string, drop?: ReadonlySet<string>): { p: number } {
    return { p: compromiseP(nodeId, drop) };
  }

  function compromiseP(nodeId: string, drop?: ReadonlySet<string>): number {
    let c = drop ? undefined : compromiseCache.get(nodeId);
    if (c !== undefined) return c;
    // combine() of lateral_service and the host's network-reachable CVEs, in that order, without
    // the list.
    let miss = 1 - PRIORS.lateral_service.value;
    for (const f of input.findingsByAsset.get(nodeId) ?? NONE) {
      if (f.kind !== "vulnerability" || drop?.has(f.key)) continue;
      const a = assess(f);
      if (a.attackVector === "local" || a.attackVector === "physical") continue;
      miss *= 1 - a.p;
    }
    c = 1 - miss;
    if (!drop) compromiseCache.set(nodeId, c);
    return c;
  }

  /** Entry likelihood of an asset the internet reaches through `e` (EXPOSES). */
  function exposedEntry(e: DerivedEdge, drop?: ReadonlySet<string>): Likelihood {
    const node = input.nodes.get(e.to);
    const factors: Factor[] = [];
    const assumptions: Assumption[] = [];
    const terms: number[] = [];
    const ports = portsOf(e);
    const add = (name: string, prior: PriorName) => {
      terms.push(PRIORS[prior].value);
      factors.push({ name, value: PRIORS[prior].value, source: priorSource(prior) });
    };
    if (node?.kind === "data_store" && typeof e.props.level === "string")
      add(`public_access:${e.props.level}`, "public_data_store");
    const admin = covers(ports, ADMIN_PORTS);
    if (admin !== undefined) add(`exposed_port:${admin}`, "exposed_admin_port");
    const db = covers(ports, DATABASE_PORTS);
    if (db !== undefined) add(`exposed_port:${db}`, "exposed_database_port");
    if (node?.kind !== "data_store" || typeof e.props.level !== "string")
      add(
        `exposed_service:${ports.map((p) => p.label ?? `${p.from}-${p.to}`).join(",") || "unknown"}`,
        "exposed_service",
      );
    for (const f of vulnsOf(e.to)) {
      if (drop?.has(f.key)) continue;
      const a = assess(f);
      if (a.attackVector === "local" || a.attackVector === "physical" || a.attackVector === "adjacent")
        continue;
      if (a.attackVector === "unknown")
        assumptions.push({
          code: "attack_vector_unknown",
          detail: { finding: f.ruleId, package: f.package },
        });
      if (f.port !== undefined) {
        if (!ports.some((r) => f.port! >= r.from && f.port! <= r.to)) continue;
      } else
        assumptions.push({
          code: "service_on_exposed_port",
          detail: {
            finding: f.ruleId,
            note: "the vulnerable service is assumed to listen on an exposed port",
          },
        });
      terms.push(a.p);
      factors.push(...a.factors);
    }
    let p = combine(terms);
    if (e.assumptions.length) {
      p *= PRIORS.assumption_discount.value;
      factors.push({
        name: "exposure_assumptions",
        value: PRIORS.assumption_discount.value,
        source: priorSource("assumption_discount"),
      });
    }
    factors.push({ name: "entry_likelihood", value: round2(p), source: "1 − Π(1 − p) over the terms above" });
    return { p, factors, assumptions: [...e.assumptions, ...assumptions] };
  }

  /** Entry likelihood of an identity with an active access key. */
  function keyEntry(id: string, assumptions: Assumption[]): Likelihood {
    return {
      p: PRIORS.access_key.value,
      factors: [
        { name: "entry_identity", value: id, source: "aws-iam-access-keys" },
        { name: "entry_likelihood", value: PRIORS.access_key.value, source: priorSource("access_key") },
      ],
      assumptions,
    };
  }

  /** The probability one attack edge is walked successfully (EXPOSES is scored as the entry). */
  function hop(e: DerivedEdge): HopScore {
    let h = hopCache.get(e);
    if (!h) {
      const factors: Factor[] = [];
      const p = hopValue(e, factors);
      // Spelled out (a spread-and-extend literal gets a hidden class of its own per object) and
      // with `at` from the start; the factors copied to their exact length (a pushed array keeps
      // room for 17).
      h = { p, levelWeight: hopLevelWeight, level: hopLevel, factors: factors.slice(), at: undefined };
      hopCache.set(e, h);
    }
    return h;
  }

  /**
   * The hop's search weight (probability × access-level weight) without its factors: the search
   * weighs every derived edge, only the hops of kept paths need factors (hop()).
   */
  function hopWeight(e: DerivedEdge): number {
    const p = hopValue(e, undefined);
    return p * hopLevelWeight;
  }

  /** The hop's probability (hop(e).p) without making or keeping its factors. */
  function hopP(e: DerivedEdge): number {
    return hopCache.get(e)?.p ?? hopValue(e, undefined);
  }

  // Per derived edge of the list weighEdges was given (by index): its hop's probability (NaN
  // when it was not weighed), access-level weight and level, so a hop on a path is read, not
  // worked out again for every path crossing it (the same numbers: hopValue's).
  // Levels are numbered (few distinct ones; an array of 400k would be made in dictionary mode).
  let weighed: readonly DerivedEdge[] | undefined;
  let edgeP = new Float64Array(0);
  let edgeLevelWeight = new Float64Array(0);
  let edgeLevel = new Int32Array(0);
  const levels: Array<string | undefined> = [undefined];
  const levelNumbers = new Map<string | undefined, number>([[undefined, 0]]);
  const levelNumber = (level: string | undefined): number => {
    let n = levelNumbers.get(level);
    if (n === undefined) levelNumbers.set(level, (n = levels.push(level) - 1));
    return n;
  };

  /**
   * The search weights (hopWeight) of `edges[which[k]]` for each k, keeping each one's numbers
   * for scorePath (with `order` over these edges) and hopPAt. `toAt[k]`: the number of the edge's
   * `to` node in `nodeAt` (the node with id e.to, or undefined when the estate lacks it), so no
   * node or compromise is looked up by id per edge.
   */
  function weighEdges(
    edges: readonly DerivedEdge[],
    which: Int32Array,
    toAt: Uint32Array,
    nodeAt: ReadonlyArray<EstateNode | undefined>,
  ): Float64Array {
    weighed = edges;
    edgeP = new Float64Array(edges.length).fill(NaN);
    edgeLevelWeight = new Float64Array(edges.length);
    edgeLevel = new Int32Array(edges.length);
    const compromised = new Float64Array(nodeAt.length).fill(NaN);
    const out = new Float64Array(which.length);
    for (let k = 0; k < which.length; k++) {
      const i = which[k]!;
      const e = edges[i]!;
      const t = toAt[k]!;
      const to = nodeAt[t];
      let c = NaN;
      if (e.kind === "CAN_REACH" && to?.kind === "compute") {
        c = compromised[t]!;
        if (c !== c) c = compromised[t] = compromiseP(e.to);
      }
      const p = hopValueTo(e, undefined, to, c);
      edgeP[i] = p;
      edgeLevelWeight[i] = hopLevelWeight;
      if (hopLevel !== undefined) edgeLevel[i] = levelNumber(hopLevel);
      out[k] = p * hopLevelWeight;
    }
    return out;
  }

  /** hopP of edges[i], edges being the list weighEdges was given. */
  function hopPAt(i: number): number {
    const p = i < edgeP.length ? edgeP[i]! : NaN;
    return p === p ? p : hopP(weighed![i]!);
  }

  // hopValue's access-level weight and level, beside the probability it returns (no result
  // object per call: the search weighs every derived edge).
  let hopLevelWeight = 1;
  let hopLevel: string | undefined;

  /** The hop's probability; its access-level weight and level are left in hopLevelWeight/hopLevel. */
  function hopValue(e: DerivedEdge, factors: Factor[] | undefined): number {
    return hopValueTo(
      e,
      factors,
      e.kind === "CAN_REACH" || e.kind === "CAN_ACCESS" || e.kind === "EXPOSES"
        ? input.nodes.get(e.to)
        : undefined,
      NaN,
    );
  }

  /**
   * hopValue with the node `e.to` names (read only for CAN_REACH, CAN_ACCESS and EXPOSES) and, when
   * not NaN, its compromise probability (else compromiseP works it out).
   */
  function hopValueTo(
    e: DerivedEdge,
    factors: Factor[] | undefined,
    to: EstateNode | undefined,
    compromised: number,
  ): number {
    let prior: PriorName;
    let p: number;
    let levelWeight = 1;
    let level: string | undefined;
    switch (e.kind) {
      case "CAN_REACH": {
        if (to?.kind === "compute") {
          p = compromised === compromised ? compromised : compromiseP(e.to);
          factors?.push(
            factor(`compromise:${to.name}`, round2(p), "1 − Π(1 − p) of lateral_service and the host's CVEs"),
          );
        } else {
          prior = "firewall_hop";
          p = PRIORS[prior].value;
          factors?.push(factor("reach", p, priorSource(prior)));
        }
        break;
      }
      case "RUNS_AS": {
        const tokens = e.props.httpTokens;
        prior =
          tokens === "required"
            ? "runs_as_imdsv2"
            : tokens === "optional"
              ? "runs_as_imdsv1"
              : "runs_as_unknown";
        p = PRIORS[prior].value;
        factors?.push(factor("runs_as", p, priorSource(prior)));
        break;
      }
      case "CAN_ASSUME":
        p = PRIORS.can_assume.value;
        factors?.push(factor("assume", p, priorSource("can_assume")));
        break;
      case "CAN_ESCALATE":
        p = PRIORS.can_escalate.value;
        factors?.push(factor("escalate", p, priorSource("can_escalate")));
        break;
      case "CAN_ACCESS":
      case "EXPOSES": {
        p = e.kind === "CAN_ACCESS" ? PRIORS.can_access.value : 1;
        if (e.kind === "CAN_ACCESS") factors?.push(factor("access", p, priorSource("can_access")));
        level = typeof e.props.level === "string" ? e.props.level : undefined;
        const lp = levelPrior(level);
        if (lp) levelWeight = PRIORS[lp].value;
        else if (to?.kind === "data_store") levelWeight = PRIORS.access_read.value;
        break;
      }
      default:
        p = 1;
    }
    if (e.assumptions.length && e.kind !== "EXPOSES") {
      p *= PRIORS.assumption_discount.value;
      factors?.push(
        factor("hop_assumptions", PRIORS.assumption_discount.value, priorSource("assumption_discount")),
      );
    }
    hopLevelWeight = levelWeight;
    hopLevel = level;
    return p;
  }

  type TierWeight = { value: number; tier: number | undefined; factor: Factor };
  // One (unchanging) answer per tier: scoring asks for every path's target and every finding's asset.
  const tierWeights = new Map<number | undefined, TierWeight>();
  function tierWeight(nodeId: string): TierWeight {
    const tier = input.tiers.get(nodeId);
    let t = tierWeights.get(tier);
    if (t) return t;
    if (tier === undefined)
      t = {
        value: PRIORS.unreached_impact.value,
        tier,
        factor: factor("target_tier", "none", priorSource("unreached_impact")),
      };
    else {
      const name = `tier_${tier}` as PriorName;
      t = { value: PRIORS[name].value, tier, factor: factor("target_tier", tier, priorSource(name)) };
    }
    tierWeights.set(tier, t);
    return t;
  }

  // The last factors of a path, by value (few distinct ones): made and looked up without a key string.
  const likelihoodFactors = new Map<number, Factor>();
  const impactFactors = new Map<number, Factor>();
  const levelFactors = new Map<string | undefined, Factor>();
  const byNumber = (m: Map<number, Factor>, name: string, value: number, source: string): Factor => {
    let f = m.get(value);
    if (!f) m.set(value, (f = factor(name, value, source)));
    return f;
  };

  /** A hop's factors as a path shows them at position `i` ("hop[i]:KIND:name"), made once. */
  function hopFactorsAt(h: HopScore, e: DerivedEdge, i: number): Factor[] {
    let at = h.at;
    if (!at || at.length <= i) {
      const grown = new Array<Factor[] | undefined>(i + 1);
      for (let j = 0; at && j < at.length; j++) grown[j] = at[j];
      h.at = at = grown;
    }
    return (at[i] ??= h.factors.map((f) => factor(`hop[${i}]:${e.kind}:${f.name}`, f.value, f.source)));
  }

  /**
   * Scores a path: entry likelihood, then each hop (EXPOSES first for internet entries). Without
   * `withFactors` the numbers are the same and `factors` is empty: a pair's candidate paths are
   * ranked on numbers, and only its best path's factors are shown.
   */
  function scorePath(
    entry: Likelihood,
    hops: readonly DerivedEdge[],
    targetId: string,
    withFactors = true,
    /** When given, the path's hops are hops[order[0]], hops[order[1]], … (derived-edge indices). */
    order?: readonly number[],
  ): PathScore {
    const n = order ? order.length : hops.length;
    let factors: Factor[] = NO_FACTORS;
    if (withFactors) {
      let size = entry.factors.length + 4;
      for (let i = 0; i < n; i++) {
        const e = order ? hops[order[i]!]! : hops[i]!;
        if (!(e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID)) size += hopFactorsAt(hop(e), e, i).length;
      }
      factors = new Array<Factor>(size);
      size = 0;
      for (const f of entry.factors) factors[size++] = f;
      for (let i = 0; i < n; i++) {
        const e = order ? hops[order[i]!]! : hops[i]!;
        if (!(e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID))
          for (const f of hopFactorsAt(hop(e), e, i)) factors[size++] = f;
      }
    }
    let likelihood = entry.p;
    let confident = entry.assumptions.length === 0;
    let levelWeight = 1;
    let level: string | undefined;
    // Hops of the weighed edges are read by index (`at`), others from the cache or worked out.
    const byIndex = order !== undefined && hops === weighed;
    for (let i = 0; i < n; i++) {
      const ei = order ? order[i]! : i;
      const e = hops[ei]!;
      if (e.assumptions.length) confident = false;
      const at = byIndex && ei < edgeP.length ? edgeP[ei]! : NaN;
      const h = at === at ? undefined : hopCache.get(e);
      let p: number;
      let hw: number;
      let hl: string | undefined;
      if (at === at) {
        p = at;
        hw = edgeLevelWeight[ei]!;
        hl = levels[edgeLevel[ei]!];
      } else if (h) {
        p = h.p;
        hw = h.levelWeight;
        hl = h.level;
      } else {
        p = hopValue(e, undefined);
        hw = hopLevelWeight;
        hl = hopLevel;
      }
      if (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID) {
        levelWeight = hw;
        level = hl;
        continue;
      }
      likelihood *= p;
      if (i === n - 1) {
        levelWeight = hw;
        level = hl;
      }
    }
    const last = n > 0 ? (order ? hops[order[n - 1]!] : hops[n - 1]) : undefined;
    if (
      last &&
      last.kind !== "CAN_ACCESS" &&
      !(last.kind === "EXPOSES" && input.nodes.get(last.to)?.kind === "data_store")
    ) {
      // Reaching an identity means acting as it; the tier says how much that is worth.
      levelWeight = 1;
      level = input.nodes.get(targetId)?.kind === "identity" ? "acts_as" : undefined;
    }
    const t = tierWeight(targetId);
    const impact = t.value * levelWeight;
    if (withFactors) {
      let i = factors.length - 4;
      factors[i++] = byNumber(
        likelihoodFactors,
        "likelihood",
        round2(likelihood),
        "entry likelihood × Π hop probabilities",
      );
      factors[i++] = t.factor;
      let lf = levelFactors.get(level);
      if (!lf) {
        const lp = levelPrior(level);
        levelFactors.set(
          level,
          (lf = factor("access_level", level ?? "reach", lp ? priorSource(lp) : "engine")),
        );
      }
      factors[i++] = lf;
      factors[i++] = byNumber(impactFactors, "impact", round2(impact), "tier weight × access-level weight");
    }
    const score = round2(Math.min(10, 10 * likelihood * impact));
    return {
      likelihood,
      impact,
      score,
      confidence: confident ? "config_confirmed" : "theoretical",
      factors,
    };
  }

  return {
    assess,
    compromise,
    exposedEntry,
    keyEntry,
    hop,
    hopWeight,
    hopP,
    weighEdges,
    hopPAt,
    tierWeight,
    scorePath,
    factor,
  };
}

export type ScoreModel = ReturnType<typeof createScoreModel>;
