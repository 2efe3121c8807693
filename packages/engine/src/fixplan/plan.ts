// The fix plan: every remediation option found on the kept paths' hops, ranked by the total risk it
// removes across all issues (choke points first). Risk removed = Σ over issues of (score now −
// score with the option applied), computed on each issue's kept paths: a cut path scores 0, a
// weakened one is rescaled. That is an estimate when an issue has more paths than were kept;
// what-if (whatif.ts) answers exactly by searching again.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { FixPlanItem, Remediation } from "@ctem/model";
import type { CoreState, PairResult } from "../pipeline/core.js";
import { PRIORS, round2 } from "../score/priors.js";
import { isCut, keyEntryOption, optionsForEdge, upgradeOptions } from "./options.js";
import type { CutSpec, FixOption } from "./options.js";

export interface Cut {
  issueKey: string;
  pathIndex: number;
  hopIndex: number;
}

export interface FixPlan {
  items: FixPlanItem[];
  byIssue: Map<string, Remediation[]>;
  options: Map<string, FixOption>;
  /** Per derived edge: what removes it. */
  specs: Map<number, CutSpec>;
}

/** How many remediation entries an issue carries (the plan itself keeps them all). */
const PER_ISSUE = 4;

export function buildFixPlan(st: CoreState, pairs: ReadonlyMap<string, PairResult>): FixPlan {
  const { edges, input } = st;
  const nodes = input.estate.nodes;
  const options = new Map<string, FixOption>();
  const specs = new Map<number, CutSpec>();
  const edgeOptions = new Map<number, FixOption[]>();
  const occurrences = new Map<string, Cut[]>();
  const upgradesOf = new Map<string, FixOption[]>();
  const note = (o: FixOption, c: Cut) => {
    if (!options.has(o.id)) options.set(o.id, o);
    const list = occurrences.get(o.id);
    if (list) list.push(c);
    else occurrences.set(o.id, [c]);
  };
  const upgrades = (asset: string) => {
    let u = upgradesOf.get(asset);
    if (!u) {
      const n = nodes.get(asset);
      u = n ? upgradeOptions(n, st.findingsByAsset.get(asset) ?? []) : [];
      upgradesOf.set(asset, u);
    }
    return u;
  };

  for (const pr of pairs.values())
    pr.paths.forEach((p, pathIndex) => {
      p.edges.forEach((ei, hopIndex) => {
        let opts = edgeOptions.get(ei);
        if (!opts) {
          const r = optionsForEdge(edges[ei]!, (id) => nodes.get(id));
          opts = r.options;
          edgeOptions.set(ei, opts);
          specs.set(ei, r.spec);
        }
        for (const o of opts) note(o, { issueKey: pr.key, pathIndex, hopIndex });
        const e = edges[ei]!;
        if (
          (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID) ||
          (e.kind === "CAN_REACH" && nodes.get(e.to)?.kind === "compute")
        )
          for (const o of upgrades(e.to)) note(o, { issueKey: pr.key, pathIndex, hopIndex });
      });
      if (pr.source.via === "access_key") {
        const user = nodes.get(pr.source.entryId);
        if (user)
          note(keyEntryOption(user, pr.source.entry.evidence), { issueKey: pr.key, pathIndex, hopIndex: 0 });
      }
    });

  // Risk removed by each option alone, over the kept paths.
  const items: FixPlanItem[] = [];
  for (const [id, o] of options) {
    const cuts = occurrences.get(id) ?? [];
    const applied = new Set([id]);
    let removed = 0;
    for (const key of new Set(cuts.map((c) => c.issueKey))) {
      const pr = pairs.get(key)!;
      const before = pr.paths[0]!.score.score;
      let after = 0;
      for (const p of pr.paths) {
        if (o.change.type === "deactivate-key" && pr.source.entryId === o.change.user) continue;
        if (p.edges.some((ei) => isCut(specs.get(ei) ?? { killers: [], groups: [] }, applied))) continue;
        after = Math.max(after, p.score.score * ratio(st, pr, p.edges, o));
      }
      removed += Math.max(0, before - after);
    }
    items.push({
      id,
      title: o.title,
      cli: o.cli,
      terraform: o.terraform,
      riskRemoved: round2(removed),
      cuts,
    });
  }
  items.sort(
    (a, b) => b.riskRemoved - a.riskRemoved || b.cuts.length - a.cuts.length || a.id.localeCompare(b.id),
  );

  const byIssue = new Map<string, Remediation[]>();
  for (const it of items)
    for (const c of it.cuts) {
      const list = byIssue.get(c.issueKey) ?? [];
      if (list.length >= PER_ISSUE || list.some((r) => r.title === it.title)) continue;
      list.push({
        pathIndex: c.pathIndex,
        hopIndex: c.hopIndex,
        title: it.title,
        cli: it.cli,
        terraform: it.terraform,
        riskRemoved: it.riskRemoved,
      });
      byIssue.set(c.issueKey, list);
    }
  return { items, byIssue, options, specs };
}

/** How much a path's score is scaled by an option that weakens rather than cuts. */
function ratio(st: CoreState, pr: PairResult, pathEdges: readonly number[], o: FixOption): number {
  const ch = o.change;
  if (ch.type === "require-imdsv2") {
    let r = 1;
    for (const ei of pathEdges) {
      const e = st.edges[ei]!;
      if (e.kind === "RUNS_AS" && e.from === ch.instance)
        r *= PRIORS.runs_as_imdsv2.value / st.model.hop(e).p;
    }
    return Math.min(1, r);
  }
  if (ch.type === "upgrade-package") {
    const drop = new Set(ch.findings);
    let r = 1;
    for (const ei of pathEdges) {
      const e = st.edges[ei]!;
      if (e.to !== ch.asset) continue;
      if (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID)
        r *= st.model.exposedEntry(e, drop).p / pr.source.likelihood.p;
      else if (e.kind === "CAN_REACH") r *= st.model.compromise(e.to, drop).p / st.model.compromise(e.to).p;
    }
    return Math.min(1, r);
  }
  return 1;
}
