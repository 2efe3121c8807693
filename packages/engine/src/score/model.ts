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

export function createScoreModel(input: ScoreModelInput) {
  const assessed = new Map<string, VulnAssessment>();
  const assess = (f: Finding): VulnAssessment => {
    let a = assessed.get(f.key);
    if (!a) {
      a = assessFinding(f, input.lookup);
      assessed.set(f.key, a);
    }
    return a;
  };
  const vulnsOf = (nodeId: string) =>
    (input.findingsByAsset.get(nodeId) ?? []).filter((f) => f.kind === "vulnerability");

  const compromiseCache = new Map<string, Likelihood>();
  // Hops are scored once per edge object (the search weights, then every path through it).
  const hopCache = new WeakMap<DerivedEdge, HopScore>();
  /** How likely an attacker who can reach `nodeId` inside the network compromises it. */
  function compromise(nodeId: string, drop?: ReadonlySet<string>): Likelihood {
    let c = drop ? undefined : compromiseCache.get(nodeId);
    if (c) return c;
    const factors: Factor[] = [
      {
        name: "lateral_service",
        value: PRIORS.lateral_service.value,
        source: priorSource("lateral_service"),
      },
    ];
    const ps = [PRIORS.lateral_service.value];
    const assumptions: Assumption[] = [];
    for (const f of vulnsOf(nodeId)) {
      if (drop?.has(f.key)) continue;
      const a = assess(f);
      if (a.attackVector === "local" || a.attackVector === "physical") continue;
      if (a.attackVector === "unknown")
        assumptions.push({ code: "attack_vector_unknown", detail: { finding: f.ruleId } });
      ps.push(a.p);
      factors.push(...a.factors);
    }
    c = { p: combine(ps), factors, assumptions };
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
      h = hopUncached(e);
      hopCache.set(e, h);
    }
    return h;
  }

  function hopUncached(e: DerivedEdge): HopScore {
    let prior: PriorName;
    const factors: Factor[] = [];
    let p: number;
    let levelWeight = 1;
    let level: string | undefined;
    switch (e.kind) {
      case "CAN_REACH": {
        const to = input.nodes.get(e.to);
        if (to?.kind === "compute") {
          const c = compromise(e.to);
          p = c.p;
          factors.push({
            name: `compromise:${to.name}`,
            value: round2(p),
            source: "1 − Π(1 − p) of lateral_service and the host's CVEs",
          });
        } else {
          prior = "firewall_hop";
          p = PRIORS[prior].value;
          factors.push({ name: "reach", value: p, source: priorSource(prior) });
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
        factors.push({ name: "runs_as", value: p, source: priorSource(prior) });
        break;
      }
      case "CAN_ASSUME":
        p = PRIORS.can_assume.value;
        factors.push({ name: "assume", value: p, source: priorSource("can_assume") });
        break;
      case "CAN_ESCALATE":
        p = PRIORS.can_escalate.value;
        factors.push({ name: "escalate", value: p, source: priorSource("can_escalate") });
        break;
      case "CAN_ACCESS":
      case "EXPOSES": {
        p = e.kind === "CAN_ACCESS" ? PRIORS.can_access.value : 1;
        if (e.kind === "CAN_ACCESS")
          factors.push({ name: "access", value: p, source: priorSource("can_access") });
        level = typeof e.props.level === "string" ? e.props.level : undefined;
        const lp = levelPrior(level);
        if (lp) levelWeight = PRIORS[lp].value;
        else if (input.nodes.get(e.to)?.kind === "data_store") levelWeight = PRIORS.access_read.value;
        break;
      }
      default:
        p = 1;
    }
    if (e.assumptions.length && e.kind !== "EXPOSES") {
      p *= PRIORS.assumption_discount.value;
      factors.push({
        name: "hop_assumptions",
        value: PRIORS.assumption_discount.value,
        source: priorSource("assumption_discount"),
      });
    }
    return { p, levelWeight, level, factors };
  }

  function tierWeight(nodeId: string): { value: number; tier: number | undefined; factor: Factor } {
    const tier = input.tiers.get(nodeId);
    if (tier === undefined)
      return {
        value: PRIORS.unreached_impact.value,
        tier,
        factor: { name: "target_tier", value: "none", source: priorSource("unreached_impact") },
      };
    const name = `tier_${tier}` as PriorName;
    return {
      value: PRIORS[name].value,
      tier,
      factor: { name: "target_tier", value: tier, source: priorSource(name) },
    };
  }

  /** Scores a path: entry likelihood, then each hop (EXPOSES first for internet entries). */
  function scorePath(entry: Likelihood, hops: readonly DerivedEdge[], targetId: string): PathScore {
    const factors: Factor[] = [...entry.factors];
    let likelihood = entry.p;
    let confident = entry.assumptions.length === 0;
    let levelWeight = 1;
    let level: string | undefined;
    hops.forEach((e, i) => {
      if (e.assumptions.length) confident = false;
      if (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID) {
        const h = hop(e);
        levelWeight = h.levelWeight;
        level = h.level;
        return;
      }
      const h = hop(e);
      likelihood *= h.p;
      for (const f of h.factors) factors.push({ ...f, name: `hop[${i}]:${e.kind}:${f.name}` });
      if (i === hops.length - 1) {
        levelWeight = h.levelWeight;
        level = h.level;
      }
    });
    const last = hops[hops.length - 1];
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
    factors.push({
      name: "likelihood",
      value: round2(likelihood),
      source: "entry likelihood × Π hop probabilities",
    });
    factors.push(t.factor);
    const lp = levelPrior(level);
    factors.push({ name: "access_level", value: level ?? "reach", source: lp ? priorSource(lp) : "engine" });
    factors.push({ name: "impact", value: round2(impact), source: "tier weight × access-level weight" });
    const score = round2(Math.min(10, 10 * likelihood * impact));
    return { likelihood, impact, score, confidence: confident ? "config_confirmed" : "theoretical", factors };
  }

  return { assess, compromise, exposedEntry, keyEntry, hop, tierWeight, scorePath };
}

export type ScoreModel = ReturnType<typeof createScoreModel>;
