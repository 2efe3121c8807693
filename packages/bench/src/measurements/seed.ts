// The synthetic estate written into a store by a process of its own, for the measurements that
// time what runs after an ingest (derive, the whole analysis): the ingest's garbage, heap growth
// and V8 state stay in that process, as `ctem scan` and `ctem analyze` are separate processes.
// Run as `seed.ts SEED_FLAG <file> <assets> <run id>`, this module writes the estate and exits.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { paramsForAssets, syntheticEstate, syntheticKeys } from "@ctem/engine";
import { openSqliteStores } from "@ctem/store";

const SEED_FLAG = "--ctem-bench-seed-estate";

/** Writes the synthetic estate of `assets` assets into the store at `file` as one scan run. */
async function seedEstate(file: string, assets: number, runId: string): Promise<string> {
  const stores = openSqliteStores(file);
  try {
    const params = paramsForAssets(assets, 1);
    const run = {
      id: runId,
      trigger: { kind: "adhoc" as const },
      status: "running" as const,
      startedAt: new Date().toISOString(),
      collectors: syntheticKeys(params).map((k) => ({ ...k, status: "ok" as const, counts: {} })),
    };
    const t0 = performance.now();
    await stores.app.scanRuns.start(run);
    const applied = await stores.graph.applyScan(run, syntheticEstate(params));
    await stores.app.scanRuns.finish({ ...run, status: "complete", finishedAt: new Date().toISOString() });
    const w = applied.written;
    return `${w.nodes.toLocaleString("en-US")} nodes, ${w.edges.toLocaleString("en-US")} edges, ${w.findings.toLocaleString("en-US")} findings written in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  } finally {
    await stores.close();
  }
}

if (process.argv[2] === SEED_FLAG) {
  seedEstate(process.argv[3]!, Number(process.argv[4]), process.argv[5]!).then(
    (written) => process.stdout.write(written),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

/**
 * The synthetic estate of `assets` assets written into the store at `file` by a process of its
 * own (this one's node flags and loader), as scan run `runId`; what was written. Throws when it fails.
 */
export function seedInOwnProcess(file: string, assets: number, runId: string): string {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), SEED_FLAG, file, String(assets), runId],
    { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" },
  );
  if (r.status !== 0)
    throw new Error(`writing the synthetic estate of ${assets} assets failed (exit ${r.status ?? r.signal})`);
  return r.stdout;
}
