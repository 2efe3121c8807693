// The analysis the server and the CLI run on what is stored: threat intel from the data
// directory's feeds (else the snapshot carried in the repository), and the scopes' include/exclude
// filters as the engine's asset filter (DESIGN "Claims": applied at analysis, never to what is
// stored). The intel files are read for each analysis, so `ctem intel refresh` takes effect at the
// next scan without a restart.
import { analyze } from "@ctem/engine";
import type { AnalyzeOptions, AnalyzeResult, AnalyzeStores } from "@ctem/engine";
import { createIntel } from "@ctem/intel";
import type { Intel } from "@ctem/intel";
import type { Node } from "@ctem/model";
import { scopeAssetFilter } from "../scopes/filters.js";

export interface StoredAnalysisOptions {
  dataDir: string;
  now?: () => Date;
  /** Threat intel; default: createIntel over `dataDir`. */
  intel?: Pick<Intel, "load">;
  progress?: (msg: string) => void;
}

export async function analyzeStored(
  stores: AnalyzeStores,
  o: StoredAnalysisOptions,
): Promise<AnalyzeResult & { filtered: boolean }> {
  const intel = await (
    o.intel ?? createIntel({ dataDir: o.dataDir, ...(o.now ? { now: o.now } : {}) })
  ).load();
  const assetFilter = scopeAssetFilter(await stores.app.scopes.list());
  const opts: AnalyzeOptions & { assetFilter?: (node: Node) => boolean } = {
    lookup: (id, reported) => intel.lookup(id, reported),
    ...(o.now ? { now: o.now } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
    ...(assetFilter ? { assetFilter } : {}),
  };
  return { ...(await analyze(stores, opts)), filtered: assetFilter !== undefined };
}
