// What-if: apply a set of remediation options to an overlay of the analysed graph and search
// again. Cut edges are masked in the same compact graph (no copy); options that weaken rather than
// cut (IMDSv2, package upgrades) rescore the hops; a deactivated key removes its entry. Answers
// which issues would close and how the others' scores would move.
import { NotFoundError } from "@ctem/model";
import { prepare, searchPairs } from "../pipeline/core.js";
import type { CoreState, PairResult } from "../pipeline/core.js";
import { round2 } from "../score/priors.js";
import { isCut, optionsForEdge } from "./options.js";
import type { CutSpec, FixOption, OptionMemo } from "./options.js";

export interface WhatIfResult {
  /** Issue keys whose every path is gone. */
  closes: string[];
  /** Issue keys that remain, with their score before and after. */
  remaining: Array<{ key: string; before: number; after: number }>;
  riskRemoved: number;
}

export function whatIf(
  st: CoreState,
  pairs: ReadonlyMap<string, PairResult>,
  options: ReadonlyMap<string, FixOption>,
  optionIds: readonly string[],
): WhatIfResult {
  const applied = new Set<string>();
  const dropFindings = new Set<string>();
  const imdsv2 = new Set<string>();
  const removedEntries = new Set<string>();
  for (const id of optionIds) {
    const o = options.get(id);
    if (!o) throw new NotFoundError(`no remediation option '${id}' in this analysis`);
    applied.add(id);
    const ch = o.change;
    if (ch.type === "upgrade-package") for (const f of ch.findings) dropFindings.add(f);
    else if (ch.type === "require-imdsv2") imdsv2.add(ch.instance);
    else if (ch.type === "deactivate-key") removedEntries.add(ch.user);
  }
  const st2 =
    dropFindings.size || imdsv2.size || removedEntries.size
      ? prepare(st.input, { dropFindings, imdsv2, removedEntries })
      : st;
  // Every derived edge, not only those on kept paths: an alternative path may rest on the same rule.
  const memo: OptionMemo = new Map();
  const specs: CutSpec[] = st2.edges.map(
    (e) => optionsForEdge(e, (id) => st2.input.estate.nodes.get(id), memo).spec,
  );
  const mask = new Uint8Array(st2.g.slotCount);
  for (let s = 0; s < mask.length; s++) if (isCut(specs[st2.gEdges[st2.g.eid[s]!]!]!, applied)) mask[s] = 1;
  const skip = new Set<number>();
  st2.sources.forEach((src, i) => {
    if (src.exposes !== undefined && isCut(specs[src.exposes]!, applied)) skip.add(i);
  });
  // Today's issues stay visible whatever the per-entry cap does: only a cut closes one.
  const keepPairs = new Map<string, Set<string>>();
  for (const pr of pairs.values()) {
    const targets = keepPairs.get(pr.source.entryId);
    if (targets) targets.add(pr.targetId);
    else keepPairs.set(pr.source.entryId, new Set([pr.targetId]));
  }
  const after = searchPairs(st2, { mask, skipSources: skip, keepPairs, factors: false });
  const closes: string[] = [];
  const remaining: WhatIfResult["remaining"] = [];
  let removed = 0;
  for (const [key, pr] of pairs) {
    const before = pr.paths[0]!.score.score;
    const a = after.get(key);
    if (!a) {
      closes.push(key);
      removed += before;
    } else {
      const now = a.paths[0]!.score.score;
      remaining.push({ key, before, after: now });
      removed += Math.max(0, before - now);
    }
  }
  return { closes: closes.sort(), remaining, riskRemoved: round2(removed) };
}
