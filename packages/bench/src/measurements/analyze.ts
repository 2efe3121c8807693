// The whole analysis (engine part 2) on the synthetic estate at 10k and 100k assets: the estate
// is written into SQLite first by a process of its own (not timed), then `analyze()` runs in this
// one as `ctem analyze` does — a process that opens the store and analyses it: snapshot → derive →
// search → score → reconcile → fix plan → commit — and its stages, total time and peak RSS (high-
// water mark reset before the analysis) are reported. Beside it, the reachability phase (which
// nodes each entry reaches) on the engine's compact graph, a bare typed-array BFS and a graphology
// BFS over the same edges, from the same entries, as ratios.
//
// Why the ingest runs elsewhere: what a 100k ingest leaves in this process' heap moves V8's
// old-generation limit, so the one mark-compact the analysis needs came later, with 540 MB to mark
// instead of 355 (three interleaved pairs, ingest in the same process against a fresh one on the
// same file: 9.41/9.22/8.97 s against 8.57/8.75/8.79 s). That is the ingest's cost, not the
// analysis', and `ctem scan` and `ctem analyze` are separate processes.
import { loadavg } from "node:os";
import path from "node:path";
import { DirectedGraph } from "graphology";
import { bfsFromNode } from "graphology-traversal";
import { analyze, loadActionCatalog, reachability } from "@ctem/engine";
import type { CompactGraph } from "@ctem/engine";
import { createIntel } from "@ctem/intel";
import { openSqliteStores } from "@ctem/store";
import type { BenchFigure, Measurement } from "../harness.js";
import { peakRssMiB, resetPeakRss } from "../harness.js";
import { seedInOwnProcess } from "./seed.js";

/**
 * The young-generation flag ctem runs with (docs/server.md "Memory and large estates"): `pnpm bench`
 * passes it; a figure measured without it is not what `ctem analyze` does, and says so.
 */
function youngGeneration(): string {
  const flag = process.execArgv.find((a) => a.startsWith("--max-semi-space-size"));
  return flag
    ? `node ${flag}, as ctem runs`
    : "node's default young generation (ctem runs with --max-semi-space-size=64)";
}

/** Entries the reachability comparison starts from (the same for all three). */
const REACH_SOURCES = 300;

/** The plain baseline: adjacency as two Int32Arrays built from the edge list, one BFS per source. */
function bareBfs(n: number, from: Int32Array, to: Int32Array, sources: readonly number[]): number {
  const off = new Int32Array(n + 1);
  for (let i = 0; i < from.length; i++) off[from[i]! + 1]!++;
  for (let i = 0; i < n; i++) off[i + 1]! += off[i]!;
  const adj = new Int32Array(from.length);
  const fill = off.slice(0, n);
  for (let i = 0; i < from.length; i++) adj[fill[from[i]!]!++] = to[i]!;
  const seen = new Int32Array(n);
  const queue = new Int32Array(n);
  let total = 0;
  sources.forEach((s, k) => {
    const stamp = k + 1;
    let head = 0;
    let tail = 0;
    seen[s] = stamp;
    queue[tail++] = s;
    while (head < tail) {
      const u = queue[head++]!;
      for (let j = off[u]!; j < off[u + 1]!; j++) {
        const v = adj[j]!;
        if (seen[v] !== stamp) {
          seen[v] = stamp;
          queue[tail++] = v;
        }
      }
    }
    total += tail;
  });
  return total;
}

/** Times of one reachability run this many times; the median is reported. */
const REACH_RUNS = 5;

/**
 * The median of REACH_RUNS runs of `f` (each a few to a few hundred ms: one run alone can take a
 * garbage-collection pause of the analysis' heap, once 84 ms against 13 ms), and its value.
 */
function time<T>(f: () => T): { ms: number; value: T } {
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < REACH_RUNS; i++) {
    const t0 = performance.now();
    value = f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[REACH_RUNS >> 1]!, value };
}

function reachabilityFigures(g: CompactGraph, sources: number[]): BenchFigure[] {
  const from = new Int32Array(g.slotCount);
  const to = new Int32Array(g.slotCount);
  for (let u = 0; u < g.nodeCount; u++)
    for (let s = g.off[u]!; s < g.off[u + 1]!; s++) {
      from[s] = u;
      to[s] = g.dst[s]!;
    }
  const graph = new DirectedGraph();
  for (let i = 0; i < g.nodeCount; i++) graph.addNode(g.ids[i]!);
  for (let s = 0; s < from.length; s++) graph.mergeEdge(g.ids[from[s]!]!, g.ids[to[s]!]!);

  const engine = time(() => reachability(g, sources).reduce((a, b) => a + b, 0));
  const bare = time(() => bareBfs(g.nodeCount, from, to, sources));
  const gl = time(() => {
    let total = 0;
    for (const s of sources)
      bfsFromNode(graph, g.ids[s]!, () => {
        total++;
      });
    return total;
  });
  if (engine.value !== bare.value || gl.value !== bare.value)
    throw new Error(
      `reachability disagrees: engine ${engine.value}, bare ${bare.value}, graphology ${gl.value}`,
    );
  const note = `median of ${REACH_RUNS} runs each; ${sources.length} entries, ${bare.value.toLocaleString("en-US")} nodes reached in all; ${g.nodeCount.toLocaleString("en-US")} nodes, ${g.slotCount.toLocaleString("en-US")} attack edges`;
  return [
    {
      metric: "reachability: engine vs bare typed-array BFS",
      value: engine.ms,
      unit: "ms",
      baseline: { name: "bare BFS", value: bare.ms, unit: "ms" },
      ratioTarget: { op: "<=", value: 3 },
      note,
    },
    {
      metric: "reachability: graphology BFS vs bare typed-array BFS",
      value: gl.ms,
      unit: "ms",
      baseline: { name: "bare BFS", value: bare.ms, unit: "ms" },
    },
  ];
}

function analyzeMeasurement(assets: number, targets: { seconds: number; rssMiB: number }): Measurement {
  const label = `${assets / 1000}k`;
  return {
    name: `analyze-${label}`,
    description: `whole analysis of the synthetic estate of ${assets.toLocaleString("en-US")} assets (derive → search → score → reconcile → fix plan → commit), and reachability beside a bare BFS and graphology`,
    async run(ctx): Promise<BenchFigure[]> {
      const file = path.join(ctx.tmpDir, `analyze-${label}.db`);
      ctx.log(
        `estate (written by a process of its own): ${seedInOwnProcess(file, assets, `bench-analyze-${label}`)}`,
      );
      const stores = openSqliteStores(file);
      try {
        const catalog = await loadActionCatalog();
        const intel = await createIntel({ dataDir: ctx.tmpDir }).load();
        const reset = await resetPeakRss();
        // The first analysis, in its own scope so its memory is free before the re-analysis.
        const first = async () => {
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          const r = await analyze(stores, { catalog, lookup: (id, rep) => intel.lookup(id, rep) });
          const total = (performance.now() - t0) / 1000;
          const cpu = process.cpuUsage(cpu0);
          const load = loadavg()[0]!;
          const rss = await peakRssMiB();
          const stage = (name: string) => (r.run.stages ?? []).find((s) => s.name === name)?.ms ?? 0;
          const c = r.run.counts ?? {};
          ctx.log(
            `stages: ${(r.run.stages ?? []).map((s) => `${s.name} ${s.ms} ms`).join(", ")}; ${c.issues ?? 0} issues, ${c.paths ?? 0} paths, ${c.entries ?? 0} entries, ${c.targets ?? 0} targets`,
          );
          const st = r.analysis.state;
          const sources = [...new Set(st.sources.map((s) => s.node))].slice(0, REACH_SOURCES);
          const figures: BenchFigure[] = [
            {
              metric: "whole analysis",
              value: total,
              unit: "s",
              target: { op: "<=", value: targets.seconds },
              note: `snapshot ${stage("snapshot")} ms, derive ${stage("derive")} ms (the findings read meanwhile, ${stage("snapshot-findings")} ms to take them after), prepare ${stage("prepare")} ms, fix plan ${stage("fixplan")} ms, finding priorities ${stage("finding-priorities")} ms, commit ${stage("commit")} ms (AppStore ${stage("app-commit")} ms; derived edges written in ${stage("derived-write")} ms beside the search, ${stage("derived-wait")} ms waited for); ${c.issues ?? 0} issues; load average ${load.toFixed(1)} at the end; ${youngGeneration()}`,
            },
            {
              metric: "whole analysis: CPU time (user + system)",
              value: (cpu.user + cpu.system) / 1e6,
              unit: "s",
              note: "the process' own CPU time: less sensitive than wall time to others sharing the cores",
            },
            { metric: "search", value: stage("search") / 1000, unit: "s" },
            { metric: "score", value: stage("score") / 1000, unit: "s" },
            { metric: "reconcile", value: stage("reconcile") / 1000, unit: "s" },
            {
              metric: "peak RSS",
              value: rss,
              unit: "MiB",
              target: { op: "<=", value: targets.rssMiB },
              note: reset
                ? "high-water mark reset after opening the store and loading intel"
                : "includes opening the store and loading intel (could not reset)",
            },
          ];
          return { figures, reach: reachabilityFigures(st.g, sources), appCommit: stage("app-commit") };
        };
        const one = await first();
        // Re-analysis of the same estate: every issue is unchanged, so the AppStore rewrites none.
        const t1 = performance.now();
        const again = await analyze(stores, { catalog, lookup: (id, rep) => intel.lookup(id, rep) });
        const againS = (performance.now() - t1) / 1000;
        const againCommit = (again.run.stages ?? []).find((s) => s.name === "app-commit")?.ms ?? 0;
        return [
          ...one.figures,
          {
            metric: "re-analysis, nothing changed",
            value: againS,
            unit: "s",
            note: `AppStore commit ${againCommit} ms (first analysis ${one.appCommit} ms); load average ${loadavg()[0]!.toFixed(1)}`,
          },
          ...one.reach,
        ];
      } finally {
        await stores.close();
      }
    },
  };
}

export const analyze10k = analyzeMeasurement(10_000, { seconds: 10, rssMiB: 2048 });
export const analyze100k = analyzeMeasurement(100_000, { seconds: 10, rssMiB: 2048 });
