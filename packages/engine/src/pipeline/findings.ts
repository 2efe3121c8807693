// A priority for every finding from the same model as the paths (DESIGN "Prioritization"): on a
// path, 10 × p(exploit) × the path's probability of reaching the asset × the probability of going
// on from it × the target's impact (the best over all paths through the asset); off every path,
// reachability is 0 and only a documented residual remains, so a CVSS 9.8 on an unreachable host
// ranks below a CVSS 5 on an exposed path to customer data.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Factor, Finding, FindingPriority } from "@ctem/model";
import { PRIORS, band, priorSource, round2 } from "../score/priors.js";
import type { VulnAssessment } from "../score/vuln.js";
import type { CoreState, PairResult } from "./core.js";

const NO_PATH: Factor = { name: "reachability", value: 0, source: "no path from any entry" };
const UNMATCHED: Factor = { name: "reachability", value: 0, source: "asset not matched to the inventory" };
const RESIDUAL: Factor = {
  name: "unreached_residual",
  value: PRIORS.unreached_residual.value,
  source: priorSource("unreached_residual"),
};
const NO_TIER: Factor = { name: "asset_tier", value: "none", source: priorSource("unreached_impact") };

interface Through {
  weight: number;
  reach: number;
  onward: number;
  impact: number;
  issue: string;
  /** The three path factors, made once per asset and shared by its findings. */
  factors?: Factor[];
}

export function findingPriorities(st: CoreState, pairs: ReadonlyMap<string, PairResult>): FindingPriority[] {
  const { edges, model, findingsByAsset } = st;
  // Per asset with findings: the best (reach × onward × impact) over every kept path through it.
  const through = new Map<string, Through>();
  // A path's hops after the internet's, in buffers reused for every path (an array emptied by
  // length = 0 gives its storage back and grows again): each hop's probability, the asset it
  // enters and whether that asset has findings.
  let hp = new Float64Array(64);
  let has = new Uint8Array(64);
  const to: string[] = [];
  // Per derived edge: whether the asset it enters has findings (0: not looked up yet, 1: no, 2: yes).
  const entersFindings = new Uint8Array(edges.length);
  const notePath = (pr: PairResult, p: PairResult["paths"][number], entryHas: boolean): void => {
    let n = 0;
    for (const i of p.edges) {
      const e = edges[i]!;
      if (e.from === INTERNET_NODE_ID) continue;
      if (n === hp.length) {
        const h = new Float64Array(n * 2);
        h.set(hp);
        hp = h;
        const b = new Uint8Array(n * 2);
        b.set(has);
        has = b;
      }
      let f = entersFindings[i]!;
      if (f === 0) entersFindings[i] = f = findingsByAsset.has(e.to) ? 2 : 1;
      hp[n] = model.hopPAt(i);
      has[n] = f;
      to[n++] = e.to;
    }
    let reach = 1;
    for (let j = 0; j <= n; j++) {
      if (j > 0) reach *= hp[j - 1]!;
      if (j === 0 ? !entryHas : has[j - 1] !== 2) continue;
      const id = j === 0 ? pr.source.entryId : to[j - 1]!;
      let onward = 1;
      for (let i = j; i < n; i++) onward *= hp[i]!;
      const weight = reach * onward * p.score.impact;
      const prev = through.get(id);
      // Updated in place (nothing reads these before every path is noted).
      if (!prev) through.set(id, { weight, reach, onward, impact: p.score.impact, issue: pr.key });
      else if (weight > prev.weight) {
        prev.weight = weight;
        prev.reach = reach;
        prev.onward = onward;
        prev.impact = p.score.impact;
        prev.issue = pr.key;
      }
    }
  };
  const notePair = (pr: PairResult): void => {
    const entryHas = findingsByAsset.has(pr.source.entryId);
    for (const p of pr.paths) notePath(pr, p, entryHas);
  };
  for (const pr of pairs.values()) notePair(pr);
  // A finding's factors are its assessment's, then three of the path (or of no path). Findings
  // with the same assessment (one per content: one CVE reported the same way on many hosts) and
  // the same three share one list: factors are never changed once made.
  const onPath = new Map<Through, Map<VulnAssessment, Factor[]>>();
  const offPath = new Map<Factor, Map<VulnAssessment, Factor[]>>();
  const assetTier = new Map<Factor, Factor>();
  const listOf = <K>(
    m: Map<K, Map<VulnAssessment, Factor[]>>,
    k: K,
    a: VulnAssessment,
    tail: () => Factor[],
  ) => {
    let byA = m.get(k);
    if (!byA) m.set(k, (byA = new Map<VulnAssessment, Factor[]>()));
    let list = byA.get(a);
    if (!list) byA.set(a, (list = a.factors.concat(tail())));
    return list;
  };
  const one = (f: Finding): FindingPriority => {
    const a = model.assess(f);
    const t = f.matched ? through.get(f.assetRef) : undefined;
    let factors: Factor[];
    let best: number;
    if (t) {
      factors = listOf(
        onPath,
        t,
        a,
        () =>
          (t.factors ??= [
            {
              name: "reachability",
              value: round2(t.reach),
              source: `issue ${t.issue}: Π hop probabilities from the entry to the asset`,
            },
            {
              name: "onward",
              value: round2(t.onward),
              source: "Π hop probabilities from the asset to the target",
            },
            {
              name: "impact",
              value: round2(t.impact),
              source: "tier weight × access-level weight of the target",
            },
          ]),
      );
      best = 10 * a.p * t.weight;
    } else {
      const own = f.matched ? model.tierWeight(f.assetRef) : undefined;
      const impact = own?.value ?? PRIORS.unreached_impact.value;
      // The tier factor, one per tier weight's factor (tierWeight gives one per tier).
      let tier = NO_TIER;
      if (own) {
        const o = assetTier.get(own.factor);
        if (o) tier = o;
        else
          assetTier.set(own.factor, (tier = model.factor("asset_tier", own.factor.value, own.factor.source)));
      }
      const reach = f.matched ? NO_PATH : UNMATCHED;
      // Keyed by the tier factor and whether the finding is matched (NO_TIER stands for unmatched).
      factors = listOf(offPath, f.matched ? tier : UNMATCHED, a, () => [reach, RESIDUAL, tier]);
      best = 10 * a.p * PRIORS.unreached_residual.value * impact;
    }
    const score = round2(Math.min(10, best));
    return { findingKey: f.key, score, severity: band(score), onPath: Boolean(t), factors };
  };
  const findings = st.input.findings;
  const out = new Array<FindingPriority>(findings.length);
  for (let i = 0; i < findings.length; i++) out[i] = one(findings[i]!);
  return out.sort((x, y) => y.score - x.score || x.findingKey.localeCompare(y.findingKey));
}
