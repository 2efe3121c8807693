// The demo (DESIGN "Demo estate"): the synthetic estate written under the source `demo` as one
// scan run (trigger `demo`), then analysed, so a fresh install shows real-looking issues. The
// first real scan or import calls removeDemo() before it writes: the demo's graph claims go, and
// the analysis that follows that scan resolves whatever issues the demo left.
import type { ScanRun } from "@ctem/model";
import { analyze } from "../analyze.js";
import type { AnalyzeOptions, AnalyzeResult, AnalyzeStores } from "../analyze.js";
import { paramsForAssets, syntheticEstate, syntheticKeys } from "../synthetic/estate.js";
import { showcaseFacts } from "./showcase.js";

export const DEMO_SOURCE = "demo";
export const DEMO_DEFAULTS = { assets: 500, seed: 1 } as const;

export interface DemoOptions extends Omit<AnalyzeOptions, "demo"> {
  assets?: number;
  seed?: number;
}

export interface DemoResult {
  scanRunId: string;
  written: { nodes: number; edges: number; findings: number };
  analysis: AnalyzeResult;
}

/** Writes the synthetic estate as source `demo` (replacing an earlier demo) and analyses it. */
export async function loadDemo(stores: AnalyzeStores, opts: DemoOptions = {}): Promise<DemoResult> {
  const assets = opts.assets ?? DEMO_DEFAULTS.assets;
  const seed = opts.seed ?? DEMO_DEFAULTS.seed;
  const now = opts.now ?? (() => new Date());
  const p = paramsForAssets(assets, seed, DEMO_SOURCE);
  const startedAt = now().toISOString();
  const run: ScanRun = {
    id: `demo-${startedAt.replace(/[:.]/g, "").slice(0, 15)}-s${seed}-n${assets}`,
    trigger: { kind: "demo" },
    status: "running",
    startedAt,
    collectors: syntheticKeys(p).map((k) => ({ ...k, status: "ok" as const, counts: {} })),
  };
  // An earlier demo of another size or seed must not leave nodes behind: its claims go first.
  await stores.graph.removeSource(DEMO_SOURCE);
  await stores.app.scanRuns.start(run);
  const summary = await stores.graph.applyScan(
    run,
    (function* () {
      yield* syntheticEstate(p);
      yield showcaseFacts(DEMO_SOURCE);
    })(),
  );
  await stores.app.scanRuns.finish({ ...run, status: "complete", finishedAt: now().toISOString() });
  opts.progress?.(
    `demo: wrote ${summary.written.nodes} nodes, ${summary.written.edges} edges, ${summary.written.findings} findings (seed ${seed})`,
  );
  const analysis = await analyze(stores, { ...opts, demo: true });
  return { scanRunId: run.id, written: summary.written, analysis };
}

/** Whether the graph holds demo data. */
export async function hasDemo(stores: Pick<AnalyzeStores, "graph">): Promise<boolean> {
  const page = await stores.graph.listNodes({ source: DEMO_SOURCE, includeStubs: false }, { limit: 1 });
  return page.items.length > 0;
}

/**
 * Removes the demo's graph data (every claim of source `demo`). Returns false when there was none.
 * Scan and import commands call it before writing real data and say so on stderr; the analysis
 * they run afterwards resolves the demo's issues.
 */
export async function removeDemo(stores: Pick<AnalyzeStores, "graph">): Promise<boolean> {
  if (!(await hasDemo(stores))) return false;
  await stores.graph.removeSource(DEMO_SOURCE);
  return true;
}
