// The fix plan: every remediation option found on the kept paths' hops, ranked by the total risk it
// removes across all issues (choke points first). Risk removed = Σ over issues of (score now −
// score with the option applied), computed on each issue's kept paths: a cut path scores 0, a
// weakened one is rescaled. That is an estimate when an issue has more paths than were kept;
// what-if (whatif.ts) answers exactly by searching again.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { FixPlanItem, Remediation } from "@ctem/model";
import type { CoreState, FoundIssuePath, PairResult } from "../pipeline/core.js";
import { PRIORS, round2 } from "../score/priors.js";
import { keyEntryOption, optionsForEdge, upgradeOptions } from "./options.js";
import type { CutSpec, FixOption, OptionMemo } from "./options.js";

export interface Cut {
  issueKey: string;
  pathIndex: number;
  hopIndex: number;
}

export interface FixPlan {
  items: FixPlanItem[];
  byIssue: Map<string, Remediation[]>;
  options: Map<string, FixOption>;
}

/** How many remediation entries an issue carries (the plan itself keeps them all). */
const PER_ISSUE = 4;

const NO_IDS: readonly string[] = [];

/** The option ids that remove the edge when applied alone (isCut with one id). */
function soloCutters(spec: CutSpec): readonly string[] {
  let out: string[] | undefined;
  for (const k of spec.killers) if (!out?.includes(k)) (out ??= []).push(k);
  for (const g of spec.groups) {
    const id = g[0];
    if (id === undefined || !g.every((x) => x === id) || out?.includes(id)) continue;
    (out ??= []).push(id);
  }
  return out ?? NO_IDS;
}

export function buildFixPlan(st: CoreState, pairs: ReadonlyMap<string, PairResult>): FixPlan {
  const { edges, input } = st;
  const nodes = input.estate.nodes;
  const options = new Map<string, FixOption>();
  /** Per derived edge on a kept path: its options, and the ids that cut it alone. */
  const edgeOptions = new Map<number, { options: FixOption[]; cutters: readonly string[] }>();
  const occurrences = new Map<string, Cut[]>();
  const upgradesOf = new Map<string, FixOption[]>();
  const memo: OptionMemo = new Map();
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

  // Per kept path: the option ids that cut it alone (the union over its hops; mostly none).
  const pathCutters = new Map<FoundIssuePath, readonly string[]>();
  for (const pr of pairs.values())
    pr.paths.forEach((p, pathIndex) => {
      let first: Cut | undefined;
      let cutters: string[] | undefined;
      p.edges.forEach((ei, hopIndex) => {
        let eo = edgeOptions.get(ei);
        if (!eo) {
          const r = optionsForEdge(edges[ei]!, (id) => nodes.get(id), memo);
          eo = { options: r.options, cutters: soloCutters(r.spec) };
          edgeOptions.set(ei, eo);
        }
        // One cut object per hop that has options, shared by every option acting on it.
        let cut: Cut | undefined;
        for (const o of eo.options) note(o, (cut ??= { issueKey: pr.key, pathIndex, hopIndex }));
        const e = edges[ei]!;
        if (
          (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID) ||
          (e.kind === "CAN_REACH" && nodes.get(e.to)?.kind === "compute")
        )
          for (const o of upgrades(e.to)) note(o, (cut ??= { issueKey: pr.key, pathIndex, hopIndex }));
        if (hopIndex === 0) first = cut;
        for (const id of eo.cutters) if (!cutters?.includes(id)) (cutters ??= []).push(id);
      });
      pathCutters.set(p, cutters ?? NO_IDS);
      if (pr.source.via === "access_key") {
        const user = nodes.get(pr.source.entryId);
        if (user)
          note(
            keyEntryOption(user, pr.source.entry.evidence),
            first ?? { issueKey: pr.key, pathIndex, hopIndex: 0 },
          );
      }
    });

  // Risk removed by each option alone, over the kept paths.
  const items: FixPlanItem[] = [];
  for (const [id, o] of options) {
    const cuts = occurrences.get(id) ?? [];
    const scale = ratioOf(st, o);
    let removed = 0;
    // Cuts are noted pair by pair, so one issue's cuts are adjacent.
    let lastKey: string | undefined;
    for (const c of cuts) {
      if (c.issueKey === lastKey) continue;
      lastKey = c.issueKey;
      const pr = pairs.get(c.issueKey)!;
      const before = pr.paths[0]!.score.score;
      let after = 0;
      for (const p of pr.paths) {
        if (o.change.type === "deactivate-key" && pr.source.entryId === o.change.user) continue;
        if (pathCutters.get(p)!.includes(id)) continue;
        after = Math.max(after, p.score.score * (scale ? scale(pr, p.edges) : 1));
      }
      removed += Math.max(0, before - after);
    }
    items.push({
      id,
      title: o.title,
      cli: o.cli,
      terraform: o.terraform,
      riskRemoved: round2(removed),
      cuts: cuts.slice(), // exactly sized: held until the commit
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
  for (const [key, list] of byIssue) byIssue.set(key, list.slice());
  return { items, byIssue, options };
}

/**
 * How much a path's score is scaled by an option that weakens rather than cuts (undefined: it does
 * not). Each hop's factor is computed once per option, not once per path crossing it.
 */
function ratioOf(
  st: CoreState,
  o: FixOption,
): ((pr: PairResult, pathEdges: readonly number[]) => number) | undefined {
  const ch = o.change;
  if (ch.type === "require-imdsv2")
    return (_pr, pathEdges) => {
      let r = 1;
      for (const ei of pathEdges) {
        const e = st.edges[ei]!;
        if (e.kind === "RUNS_AS" && e.from === ch.instance)
          r *= PRIORS.runs_as_imdsv2.value / st.model.hopP(e);
      }
      return Math.min(1, r);
    };
  if (ch.type === "upgrade-package") {
    const drop = new Set(ch.findings);
    const entryP = new Map<number, number>();
    let compromiseRatio: number | undefined;
    return (pr, pathEdges) => {
      let r = 1;
      for (const ei of pathEdges) {
        const e = st.edges[ei]!;
        if (e.to !== ch.asset) continue;
        if (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID) {
          let p = entryP.get(ei);
          if (p === undefined) entryP.set(ei, (p = st.model.exposedEntry(e, drop).p));
          r *= p / pr.source.likelihood.p;
        } else if (e.kind === "CAN_REACH")
          r *= compromiseRatio ??= st.model.compromise(e.to, drop).p / st.model.compromise(e.to).p;
      }
      return Math.min(1, r);
    };
  }
  return undefined;
}
