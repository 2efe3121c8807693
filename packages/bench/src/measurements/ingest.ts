// Ingest rate: nodes + edges per second written by GraphStore.applyScan into the embedded store.
import path from "node:path";
import { paramsForAssets, syntheticEstate, syntheticKeys } from "@ctem/engine";
import { openSqliteStores } from "@ctem/store";
import type { BenchFigure, Measurement } from "../harness.js";
import { peakRssMiB } from "../harness.js";
import { BENCH_KEY, generateGraph } from "../generate.js";

export const NODES = 100_000;
export const FANOUT = 10;

export const ingest: Measurement = {
  name: "ingest",
  description: `applyScan of a generated ${NODES.toLocaleString("en-US")}-node, ${(NODES * FANOUT).toLocaleString("en-US")}-edge graph into SQLite`,
  async run(ctx): Promise<BenchFigure[]> {
    const stores = openSqliteStores(path.join(ctx.tmpDir, "ingest.db"));
    try {
      const run = (id: string) => ({
        id,
        trigger: { kind: "adhoc" as const },
        status: "complete" as const,
        startedAt: new Date().toISOString(),
        collectors: [{ ...BENCH_KEY, status: "ok" as const, counts: {} }],
      });
      const t0 = performance.now();
      const first = await stores.graph.applyScan(run("bench-1"), generateGraph(NODES, FANOUT));
      const firstS = (performance.now() - t0) / 1000;
      const items = first.written.nodes + first.written.edges;
      ctx.log(`first scan: ${items.toLocaleString("en-US")} items in ${firstS.toFixed(1)} s`);
      // A rescan of the same estate: every claim renewed, nothing deleted.
      const t1 = performance.now();
      await stores.graph.applyScan(run("bench-2"), generateGraph(NODES, FANOUT));
      const rescanS = (performance.now() - t1) / 1000;
      // The synthetic estate (engine part 1): realistic node and edge mixes, many collectors.
      const params = paramsForAssets(NODES, 1);
      const t2 = performance.now();
      const est = await stores.graph.applyScan(
        {
          id: "bench-estate",
          trigger: { kind: "adhoc" as const },
          status: "complete" as const,
          startedAt: new Date().toISOString(),
          collectors: syntheticKeys(params).map((k) => ({ ...k, status: "ok" as const, counts: {} })),
        },
        syntheticEstate(params),
      );
      const estS = (performance.now() - t2) / 1000;
      const estItems = est.written.nodes + est.written.edges + est.written.findings;
      return [
        {
          metric: "first scan",
          value: items / firstS,
          unit: "items/s",
          target: { op: ">=", value: 50_000 },
          note: `${items.toLocaleString("en-US")} items in ${firstS.toFixed(1)} s`,
        },
        {
          metric: "rescan",
          value: items / rescanS,
          unit: "items/s",
          target: { op: ">=", value: 50_000 },
          note: `${rescanS.toFixed(1)} s`,
        },
        {
          metric: "synthetic estate",
          value: estItems / estS,
          unit: "items/s",
          target: { op: ">=", value: 30_000 },
          note: `${NODES.toLocaleString("en-US")}-asset estate: ${est.written.nodes.toLocaleString("en-US")} nodes, ${est.written.edges.toLocaleString("en-US")} edges, ${est.written.findings.toLocaleString("en-US")} findings in ${estS.toFixed(1)} s`,
        },
        { metric: "peak RSS", value: await peakRssMiB(), unit: "MiB", target: { op: "<=", value: 1024 } },
      ];
    } finally {
      await stores.close();
    }
  },
};
