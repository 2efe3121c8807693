// Derive (engine part 1) on the synthetic estate at 10k and 100k assets: the estate is written
// into SQLite by a process of its own first (not timed; seed.ts), then the analysis' first stage is
// timed as it runs in `ctem analyze` — snapshot into memory, derive, write the derived generation.
// Peak RSS is measured from after opening the store (the kernel's high-water mark is reset), so it
// is the analysis' own.
import path from "node:path";
import { derive, derivedFacts, loadActionCatalog, loadEstate } from "@ctem/engine";
import { openSqliteStores } from "@ctem/store";
import type { BenchFigure, Measurement } from "../harness.js";
import { peakRssMiB, resetPeakRss } from "../harness.js";
import { seedInOwnProcess } from "./seed.js";

function deriveMeasurement(assets: number, targets: { seconds: number; rssMiB: number }): Measurement {
  const label = `${assets / 1000}k`;
  return {
    name: `derive-${label}`,
    description: `derive attack edges on the synthetic estate of ${assets.toLocaleString("en-US")} assets (snapshot → derive → replaceDerived)`,
    async run(ctx): Promise<BenchFigure[]> {
      const file = path.join(ctx.tmpDir, `derive-${label}.db`);
      const runId = `bench-derive-${label}`;
      ctx.log(`estate (written by a process of its own): ${seedInOwnProcess(file, assets, runId)}`);
      const stores = openSqliteStores(file);
      try {
        const catalog = await loadActionCatalog();
        const reset = await resetPeakRss();

        const t1 = performance.now();
        const estate = await loadEstate(stores.graph.snapshot({ derived: false, edgeDetail: false }));
        const t2 = performance.now();
        const result = await derive(estate, { catalog });
        const t3 = performance.now();
        await stores.graph.replaceDerived(runId, derivedFacts(result.edges));
        await stores.graph.promoteDerived(runId);
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
              ? "high-water mark reset after opening the store"
              : "includes opening the store (peak RSS could not be reset)",
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
