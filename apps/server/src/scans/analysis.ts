// The analysis the server and the CLI run on what is stored: threat intel from the data
// directory's feeds (else the snapshot carried in the repository), and the scopes' include/exclude
// filters as the engine's asset filter (DESIGN "Claims": applied at analysis, never to what is
// stored). Loaded intel is kept while the feed files stay as they are, so `ctem intel refresh` (in
// any process) takes effect at the next analysis without a restart. What-if uses the same inputs,
// so its scores match the issues'.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { analyze } from "@ctem/engine";
import type { AnalyzeOptions, AnalyzeResult, AnalyzeStores } from "@ctem/engine";
import { FEEDS_DIR, createIntel } from "@ctem/intel";
import type { Intel } from "@ctem/intel";
import type { AppStore } from "@ctem/model";
import { scopeAssetFilter } from "../scopes/filters.js";

export interface StoredAnalysisOptions {
  dataDir: string;
  now?: () => Date;
  /** Threat intel; default: createIntel over `dataDir`. */
  intel?: Pick<Intel, "load">;
  progress?: (msg: string) => void;
}

/** The feed files' names, sizes and times: what changes when a refresh replaces one. */
function feedsSignature(dataDir: string): string {
  const dir = path.join(dataDir, FEEDS_DIR);
  try {
    return readdirSync(dir)
      .sort()
      .map((f) => {
        const st = statSync(path.join(dir, f));
        return `${f}:${st.size}:${st.mtimeMs}`;
      })
      .join("|");
  } catch {
    return "";
  }
}

/** Intel over the data directory, loaded once and again whenever the feed files change. */
export function cachedIntel(o: { dataDir: string; now?: () => Date }): Pick<Intel, "load"> {
  let current: { sig: string; intel: Intel } | undefined;
  return {
    load() {
      const sig = feedsSignature(o.dataDir);
      if (!current || current.sig !== sig)
        current = { sig, intel: createIntel({ dataDir: o.dataDir, ...(o.now ? { now: o.now } : {}) }) };
      return current.intel.load();
    },
  };
}

/** Threat-intel lookup and the scopes' asset filter, for analyze() and whatIfStored(). */
export async function analysisInputs(
  app: Pick<AppStore, "scopes">,
  o: StoredAnalysisOptions,
): Promise<Pick<AnalyzeOptions, "lookup" | "assetFilter">> {
  const intel = await (
    o.intel ?? createIntel({ dataDir: o.dataDir, ...(o.now ? { now: o.now } : {}) })
  ).load();
  const assetFilter = scopeAssetFilter(await app.scopes.list());
  return {
    lookup: (id, reported) => intel.lookup(id, reported),
    ...(assetFilter ? { assetFilter } : {}),
  };
}

export async function analyzeStored(
  stores: AnalyzeStores,
  o: StoredAnalysisOptions,
): Promise<AnalyzeResult & { filtered: boolean }> {
  const inputs = await analysisInputs(stores.app, o);
  const r = await analyze(stores, {
    ...inputs,
    ...(o.now ? { now: o.now } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  return { ...r, filtered: inputs.assetFilter !== undefined };
}
