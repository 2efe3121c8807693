// @ctem/engine: derive attack edges from the stored inventory (part 1); search, score and
// reconcile come with part 2.
export { derive, derivedFacts } from "./derive.js";
export type { DeriveOptions, DeriveResult } from "./derive.js";
export { Estate, estateFromFacts, loadEstate } from "./graph.js";
export type { EstateEdge, EstateNode } from "./graph.js";
export type { AdminEquivalent, Entry } from "./context.js";
export type { AccessLevel, DerivedEdge } from "./edges.js";
export { loadActionCatalog } from "./iam/catalog.js";
export type { ActionCatalog } from "./iam/catalog.js";
export { RULES } from "./rules/index.js";
export type { Rule, RuleMeta } from "./rules/meta.js";
export { failedCollectorsOf } from "./failed.js";
export { accountId, paramsForAssets, syntheticEstate, syntheticKeys } from "./synthetic/estate.js";
export type { SyntheticParams } from "./synthetic/estate.js";
export { cvePackages } from "./synthetic/cves.js";
export type { CvePackage } from "./synthetic/cves.js";
