// A priority for every finding from the same model as the paths (DESIGN "Prioritization"): on a
// path, 10 × p(exploit) × the path's probability of reaching the asset × the probability of going
// on from it × the target's impact (the best over all paths through the asset); off every path,
// reachability is 0 and only a documented residual remains, so a CVSS 9.8 on an unreachable host
// ranks below a CVSS 5 on an exposed path to customer data.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Factor, FindingPriority } from "@ctem/model";
import { PRIORS, band, priorSource, round2 } from "../score/priors.js";
import type { CoreState, PairResult } from "./core.js";

interface Best {
  score: number;
  factors: Factor[];
}

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
  const hp: number[] = [];
  const to: string[] = [];
  for (const pr of pairs.values())
    for (const p of pr.paths) {
      hp.length = 0;
      to.length = 0;
      for (const i of p.edges) {
        const e = edges[i]!;
        if (e.from === INTERNET_NODE_ID) continue;
        hp.push(model.hopP(e));
        to.push(e.to);
      }
      let reach = 1;
      for (let j = 0; j <= hp.length; j++) {
        if (j > 0) reach *= hp[j - 1]!;
        const id = j === 0 ? pr.source.entryId : to[j - 1]!;
        if (!findingsByAsset.has(id)) continue;
        let onward = 1;
        for (let i = j; i < hp.length; i++) onward *= hp[i]!;
        const weight = reach * onward * p.score.impact;
        const prev = through.get(id);
        if (!prev || weight > prev.weight)
          through.set(id, { weight, reach, onward, impact: p.score.impact, issue: pr.key });
      }
    }
  const out: FindingPriority[] = [];
  for (const f of st.input.findings) {
    const a = model.assess(f);
    const t = f.matched ? through.get(f.assetRef) : undefined;
    let factors: Factor[];
    let best: Best;
    if (t) {
      factors = a.factors.concat(
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
      best = { score: 10 * a.p * t.weight, factors };
    } else {
      const own = f.matched ? model.tierWeight(f.assetRef) : undefined;
      const impact = own?.value ?? PRIORS.unreached_impact.value;
      factors = a.factors.concat([
        f.matched ? NO_PATH : UNMATCHED,
        RESIDUAL,
        own ? model.factor("asset_tier", own.factor.value, own.factor.source) : NO_TIER,
      ]);
      best = { score: 10 * a.p * PRIORS.unreached_residual.value * impact, factors };
    }
    const score = round2(Math.min(10, best.score));
    out.push({ findingKey: f.key, score, severity: band(score), onPath: Boolean(t), factors: best.factors });
  }
  return out.sort((x, y) => y.score - x.score || x.findingKey.localeCompare(y.findingKey));
}
