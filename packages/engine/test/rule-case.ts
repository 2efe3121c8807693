// Runs one rule (with the rules it reads from) on the hand-built estate, for the tests that sit
// in each rule's folder.
import { derive } from "../src/derive.js";
import type { DeriveResult } from "../src/derive.js";
import type { Estate } from "../src/graph.js";
import { loadActionCatalog } from "../src/iam/catalog.js";
import type { Rule } from "../src/rules/meta.js";
import { handBuilt } from "./estate.js";

export async function runRules(rules: Rule[], estate: Estate = handBuilt().estate()): Promise<DeriveResult> {
  return derive(estate, { rules, catalog: await loadActionCatalog() });
}

/** `from -> to` of the edges of a kind, sorted. */
export const pairsOf = (r: DeriveResult, kind: string) =>
  r.edges
    .filter((e) => e.kind === kind)
    .map((e) => `${e.from} -> ${e.to}`)
    .sort();
