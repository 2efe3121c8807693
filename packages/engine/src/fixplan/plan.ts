// The fix plan: every remediation option found on the kept paths' hops, ranked by the total risk it
// removes across all issues (choke points first). Risk removed = Σ over issues of (score now −
// score with the option applied), computed on each issue's kept paths: a cut path scores 0, a
// weakened one is rescaled. That is an estimate when an issue has more paths than were kept;
// what-if (whatif.ts) answers exactly by searching again.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { FixPlanItem, Remediation } from "@ctem/model";
import type { CoreState, PairResult } from "../pipeline/core.js";
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
const NO_CUTS: Cut[] = [];

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
  /**
   * One per option id, numbered in the order options are first met (the first object made for
   * an id is the option). Its cuts are noted in flat typed arrays as the paths are walked, then
   * gathered per option: `cuts` (exactly sized) and, at `from` … `from + cuts.length` in `notePairs`,
   * the number of each cut's pair (pairList).
   */
  interface Occurrences {
    o: FixOption;
    index: number;
    count: number;
    from: number;
    cuts: Cut[];
    riskRemoved: number;
  }
  const byId = new Map<string, Occurrences>();
  const occurrencesOf = (o: FixOption): Occurrences => {
    let r = byId.get(o.id);
    if (!r) byId.set(o.id, (r = { o, index: byId.size, count: 0, from: 0, cuts: NO_CUTS, riskRemoved: 0 }));
    return r;
  };
  // The notes: option number, cut (index into allCuts) and pair number, in walking order.
  let noteCount = 0;
  let noteOption = new Int32Array(1 << 16);
  let noteCut = new Int32Array(1 << 16);
  let notePairOf = new Int32Array(1 << 16);
  const allCuts: Cut[] = [];
  const note = (r: Occurrences, cut: number, pi: number): void => {
    if (noteCount === noteOption.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      noteOption = grow(noteOption);
      noteCut = grow(noteCut);
      notePairOf = grow(notePairOf);
    }
    noteOption[noteCount] = r.index;
    noteCut[noteCount] = cut;
    notePairOf[noteCount++] = pi;
    r.count++;
  };
  /**
   * Per derived edge on a kept path: what a hop over it notes (its own options, then the package
   * upgrades of the asset it enters when that is an exposed or reached host), and the option ids
   * that cut it alone. Made at the edge's first hop, in the order the hop notes them.
   */
  type EdgeInfo = { notes: Occurrences[]; cutters: readonly string[] };
  // By derived-edge index: 1 + the edge's place in `infos` (0: not made yet).
  const infoAt = new Int32Array(edges.length);
  const infos: EdgeInfo[] = [];
  const upgradesOf = new Map<string, FixOption[]>();
  const keyOptions = new Map<object, Occurrences>();
  const memo: OptionMemo = new Map();
  const upgrades = (asset: string) => {
    let u = upgradesOf.get(asset);
    if (!u) {
      const n = nodes.get(asset);
      u = n ? upgradeOptions(n, st.findingsByAsset.get(asset) ?? []) : [];
      upgradesOf.set(asset, u);
    }
    return u;
  };
  const nodeOf = (id: string) => nodes.get(id);
  // By derived-edge index, for the edges on kept paths: the compact-graph number of the node it
  // enters (-1: none), so the upgrade ratio finds a path's hops into an asset by number.
  const hopTo = new Int32Array(edges.length).fill(-1);
  const infoOf = (ei: number): EdgeInfo => {
    const at = infoAt[ei]!;
    if (at > 0) return infos[at - 1]!;
    const e = edges[ei]!;
    hopTo[ei] = st.g.index.get(e.to) ?? -1;
    const r = optionsForEdge(e, nodeOf, memo);
    const notes: Occurrences[] = [];
    for (const o of r.options) notes.push(occurrencesOf(o));
    if (
      (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID) ||
      (e.kind === "CAN_REACH" && nodes.get(e.to)?.kind === "compute")
    )
      for (const o of upgrades(e.to)) notes.push(occurrencesOf(o));
    const info = { notes, cutters: soloCutters(r.spec) };
    infoAt[ei] = infos.push(info);
    return info;
  };

  /** The deactivate-key option of a keyed entry (made once per entry: its first making is kept). */
  const keyOptionOf = (pr: PairResult): Occurrences | undefined => {
    const user = nodes.get(pr.source.entryId);
    if (!user) return undefined;
    let r = keyOptions.get(pr.source.entry);
    if (!r)
      keyOptions.set(pr.source.entry, (r = occurrencesOf(keyEntryOption(user, pr.source.entry.evidence))));
    return r;
  };

  // Per pair (numbered in the pairs' order) and path: the option ids that cut it alone (the
  // union over its hops; mostly none).
  const pairList: PairResult[] = [];
  const pathCutters: Array<ReadonlyArray<readonly string[]>> = [];
  // The loops' bodies are functions of their own: called per pair, option and item, they are
  // optimised early (a loop in one long function runs unoptimised for a while, boxing numbers).
  const notePair = (pr: PairResult): void => {
    const pi = pairList.length;
    pairList.push(pr);
    // A keyed entry's option, noted on each path: looked up once per pair, after the first path's
    // hops (where it was first made before, so options are numbered in the same order).
    let keyOption: Occurrences | undefined | null = pr.source.via === "access_key" ? null : undefined;
    const cuttersOfPaths = new Array<readonly string[]>(pr.paths.length);
    for (let pathIndex = 0; pathIndex < pr.paths.length; pathIndex++) {
      const pathEdges = pr.paths[pathIndex]!.edges;
      let first: number | undefined;
      let cutters: string[] | undefined;
      for (let hopIndex = 0; hopIndex < pathEdges.length; hopIndex++) {
        const info = infoOf(pathEdges[hopIndex]!);
        // One cut object per hop that has options, shared by every option acting on it.
        if (info.notes.length) {
          const cut = allCuts.push({ issueKey: pr.key, pathIndex, hopIndex }) - 1;
          for (const r of info.notes) note(r, cut, pi);
          if (hopIndex === 0) first = cut;
        }
        for (const id of info.cutters) if (!cutters?.includes(id)) (cutters ??= []).push(id);
      }
      cuttersOfPaths[pathIndex] = cutters ?? NO_IDS;
      if (keyOption === null) keyOption = keyOptionOf(pr);
      if (keyOption)
        note(keyOption, first ?? allCuts.push({ issueKey: pr.key, pathIndex, hopIndex: 0 }) - 1, pi);
    }
    pathCutters.push(cuttersOfPaths);
  };
  for (const pr of pairs.values()) notePair(pr);

  // Gathered per option, in walking order (a counting sort by option number).
  const all = [...byId.values()];
  let at = 0;
  for (const r of all) {
    r.from = at;
    at += r.count;
    r.cuts = new Array<Cut>(r.count);
    r.count = 0;
  }
  const notePairs = new Int32Array(noteCount);
  for (let n = 0; n < noteCount; n++) {
    const r = all[noteOption[n]!]!;
    notePairs[r.from + r.count] = notePairOf[n]!;
    r.cuts[r.count++] = allCuts[noteCut[n]!]!;
  }

  // Risk removed by each option alone, over the kept paths.
  const riskOf = (r: Occurrences): void => {
    const { o, cuts } = r;
    const id = o.id;
    const scale = ratioOf(st, o, hopTo);
    const deactivates = o.change.type === "deactivate-key" ? o.change.user : undefined;
    let removed = 0;
    // Cuts are noted pair by pair, so one issue's cuts are adjacent.
    let last = -1;
    for (let j = 0; j < cuts.length; j++) {
      const pi = notePairs[r.from + j]!;
      if (pi === last) continue;
      last = pi;
      const pr = pairList[pi]!;
      const cutters = pathCutters[pi]!;
      const before = pr.paths[0]!.score.score;
      let after = 0;
      if (deactivates === undefined || pr.source.entryId !== deactivates)
        for (let k = 0; k < pr.paths.length; k++) {
          const p = pr.paths[k]!;
          if (cutters[k]!.includes(id)) continue;
          const now = scale ? p.score.score * scale(pr, p.edges) : p.score.score;
          if (now > after) after = now; // Math.max on finite scores, without a builtin call
        }
      if (before > after) removed += before - after;
    }
    r.riskRemoved = round2(removed);
  };
  for (const r of all) riskOf(r);
  all.sort(
    (a, b) => b.riskRemoved - a.riskRemoved || b.cuts.length - a.cuts.length || a.o.id.localeCompare(b.o.id),
  );
  const items: FixPlanItem[] = new Array<FixPlanItem>(all.length);
  const options = new Map<string, FixOption>();
  for (const r of byId.values()) options.set(r.o.id, r.o);

  // Each issue's first PER_ISSUE options (most risk removed first), one per title.
  const lists: Array<Remediation[] | undefined> = new Array<Remediation[] | undefined>(pairList.length);
  const order: number[] = [];
  const remediate = (r: Occurrences): FixPlanItem => {
    const { o } = r;
    const it: FixPlanItem = {
      id: o.id,
      title: o.title,
      cli: o.cli,
      terraform: o.terraform,
      riskRemoved: r.riskRemoved,
      cuts: r.cuts, // exactly sized: held until the commit
    };
    for (let j = 0; j < r.cuts.length; j++) {
      const pi = notePairs[r.from + j]!;
      let list = lists[pi];
      if (!list) {
        lists[pi] = list = [];
        order.push(pi);
      } else {
        if (list.length >= PER_ISSUE) continue;
        let dup = false;
        for (const x of list) if (x.title === it.title) dup = true;
        if (dup) continue;
      }
      const c = r.cuts[j]!;
      list.push({
        pathIndex: c.pathIndex,
        hopIndex: c.hopIndex,
        title: it.title,
        cli: it.cli,
        terraform: it.terraform,
        riskRemoved: it.riskRemoved,
      });
    }
    return it;
  };
  for (let i = 0; i < all.length; i++) items[i] = remediate(all[i]!);
  const byIssue = new Map<string, Remediation[]>();
  for (const pi of order) byIssue.set(pairList[pi]!.key, lists[pi]!.slice());
  return { items, byIssue, options };
}

/**
 * How much a path's score is scaled by an option that weakens rather than cuts (undefined: it does
 * not). Each hop's factor is computed once per option, not once per path crossing it.
 */
function ratioOf(
  st: CoreState,
  o: FixOption,
  /** Per derived edge on a kept path: the compact-graph number of the node it enters (-1: none). */
  hopTo: Int32Array,
): ((pr: PairResult, pathEdges: readonly number[]) => number) | undefined {
  const ch = o.change;
  if (ch.type === "require-imdsv2")
    return (_pr, pathEdges) => {
      let r = 1;
      for (const ei of pathEdges) {
        const e = st.edges[ei]!;
        if (e.kind === "RUNS_AS" && e.from === ch.instance)
          r *= PRIORS.runs_as_imdsv2.value / st.model.hopPAt(ei);
      }
      return Math.min(1, r);
    };
  if (ch.type === "upgrade-package") {
    const drop = new Set(ch.findings);
    const entryP = new Map<number, number>();
    let compromiseRatio: number | undefined;
    // The asset is an estate node, so it has a number; an edge entering it has the same one.
    const asset = st.g.index.get(ch.asset) ?? -2;
    return (pr, pathEdges) => {
      let r = 1;
      for (const ei of pathEdges) {
        if (hopTo[ei] !== asset) continue;
        const e = st.edges[ei]!;
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
