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

export function findingPriorities(st: CoreState, pairs: ReadonlyMap<string, PairResult>): FindingPriority[] {
  const { edges, model, findingsByAsset } = st;
  // Per asset with findings: the best (reach × onward × impact) over every kept path through it.
  const through = new Map<
    string,
    { weight: number; reach: number; onward: number; impact: number; issue: string }
  >();
  for (const pr of pairs.values())
    for (const p of pr.paths) {
      const hops = p.edges.map((i) => edges[i]!).filter((e) => e.from !== INTERNET_NODE_ID);
      const hp = hops.map((e) => model.hop(e).p);
      const nodes = [pr.source.entryId, ...hops.map((e) => e.to)];
      let reach = 1;
      nodes.forEach((id, j) => {
        if (j > 0) reach *= hp[j - 1]!;
        if (!findingsByAsset.has(id)) return;
        let onward = 1;
        for (let i = j; i < hp.length; i++) onward *= hp[i]!;
        const weight = reach * onward * p.score.impact;
        const prev = through.get(id);
        if (!prev || weight > prev.weight)
          through.set(id, { weight, reach, onward, impact: p.score.impact, issue: pr.key });
      });
    }
  const out: FindingPriority[] = [];
  for (const f of st.input.findings) {
    const a = model.assess(f);
    const t = f.matched ? through.get(f.assetRef) : undefined;
    const factors: Factor[] = [...a.factors];
    let best: Best;
    if (t) {
      factors.push(
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
      );
      best = { score: 10 * a.p * t.weight, factors };
    } else {
      const own = f.matched ? model.tierWeight(f.assetRef) : undefined;
      const impact = own?.value ?? PRIORS.unreached_impact.value;
      factors.push(
        {
          name: "reachability",
          value: 0,
          source: f.matched ? "no path from any entry" : "asset not matched to the inventory",
        },
        {
          name: "unreached_residual",
          value: PRIORS.unreached_residual.value,
          source: priorSource("unreached_residual"),
        },
        own
          ? { ...own.factor, name: "asset_tier" }
          : { name: "asset_tier", value: "none", source: priorSource("unreached_impact") },
      );
      best = { score: 10 * a.p * PRIORS.unreached_residual.value * impact, factors };
    }
    const score = round2(Math.min(10, best.score));
    out.push({ findingKey: f.key, score, severity: band(score), onPath: Boolean(t), factors: best.factors });
  }
  return out.sort((x, y) => y.score - x.score || x.findingKey.localeCompare(y.findingKey));
}
