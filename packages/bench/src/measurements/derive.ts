// Derive (engine part 1) on the synthetic estate at 10k and 100k assets: the estate is written
// into SQLite with applyScan first (not timed), then the analysis' first stage is timed as it
// runs in `ctem analyze` — snapshot into memory, derive, write the derived generation. Peak RSS
// is measured from after the ingest (the kernel's high-water mark is reset), so it is the
// analysis' own.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  derive,
  derivedFacts,
  loadActionCatalog,
  loadEstate,
  paramsForAssets,
  syntheticEstate,
  syntheticKeys,
} from "@ctem/engine";
import { openSqliteStores } from "@ctem/store";
import type { BenchFigure, Measurement } from "../harness.js";
import { peakRssMiB } from "../harness.js";

/** Resets VmHWM (Linux: `5` in clear_refs); false where that is not possible. */
async function resetPeakRss(): Promise<boolean> {
  try {
    await writeFile("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function deriveMeasurement(assets: number, targets: { seconds: number; rssMiB: number }): Measurement {
  const label = `${assets / 1000}k`;
  return {
    name: `derive-${label}`,
    description: `derive attack edges on the synthetic estate of ${assets.toLocaleString("en-US")} assets (snapshot → derive → replaceDerived)`,
    async run(ctx): Promise<BenchFigure[]> {
      const stores = openSqliteStores(path.join(ctx.tmpDir, `derive-${label}.db`));
      try {
        const params = paramsForAssets(assets, 1);
        const run = {
          id: `bench-derive-${label}`,
          trigger: { kind: "adhoc" as const },
          status: "complete" as const,
          startedAt: new Date().toISOString(),
          collectors: syntheticKeys(params).map((k) => ({ ...k, status: "ok" as const, counts: {} })),
        };
        const t0 = performance.now();
        const applied = await stores.graph.applyScan(run, syntheticEstate(params));
        ctx.log(
          `estate: ${applied.written.nodes.toLocaleString("en-US")} nodes, ${applied.written.edges.toLocaleString("en-US")} edges, ${applied.written.findings.toLocaleString("en-US")} findings written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
        const catalog = await loadActionCatalog();
        const reset = await resetPeakRss();

        const t1 = performance.now();
        const estate = await loadEstate(stores.graph.snapshot({ derived: false, edgeDetail: false }));
        const t2 = performance.now();
        const result = await derive(estate, { catalog });
        const t3 = performance.now();
        await stores.graph.replaceDerived(run.id, derivedFacts(result.edges));
        await stores.graph.promoteDerived(run.id);
        const t4 = performance.now();
        const rss = await peakRssMiB();
        const counts = Object.entries(result.stats.edges)
          .map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`)
          .join(", ");
        ctx.log(`derived ${result.edges.length.toLocaleString("en-US")} edges (${counts})`);
        const slowest = Object.entries(result.stats.ms)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([k, v]) => `${k} ${v} ms`)
          .join(", ");
        return [
          {
            metric: "analysis derive stage",
            value: (t4 - t1) / 1000,
            unit: "s",
            target: { op: "<=", value: targets.seconds },
            note: `snapshot ${((t2 - t1) / 1000).toFixed(1)} s, derive ${((t3 - t2) / 1000).toFixed(1)} s (${slowest}), write ${((t4 - t3) / 1000).toFixed(1)} s; ${estate.nodes.size.toLocaleString("en-US")} assets, ${result.edges.length.toLocaleString("en-US")} attack edges`,
          },
          {
            metric: "derive",
            value: (t3 - t2) / 1000,
            unit: "s",
          },
          {
            metric: "peak RSS",
            value: rss,
            unit: "MiB",
            target: { op: "<=", value: targets.rssMiB },
            note: reset
              ? "high-water mark reset after ingest"
              : "includes the ingest (peak RSS could not be reset)",
          },
        ];
      } finally {
        await stores.close();
      }
    },
  };
}

export const derive10k = deriveMeasurement(10_000, { seconds: 10, rssMiB: 512 });
export const derive100k = deriveMeasurement(100_000, { seconds: 60, rssMiB: 1536 });
