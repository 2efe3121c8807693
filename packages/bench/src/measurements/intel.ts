// Intel load: the full EPSS file (313,089 rows) read, gunzipped and indexed, measured in a child
// process so the memory figure is this load's own — the RSS growth over a baseline taken after the
// module code is loaded and the heap collected — not whatever the benchmark run held before.
import { fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createIntel, parseEpss, SNAPSHOT } from "@ctem/intel";
import type { BenchFigure, Measurement } from "../harness.js";

interface ChildResult {
  rows: number;
  loadMs: number;
  peakExtraMiB: number;
  retainedExtraMiB: number;
  lookupNs: number;
  allFeedsMs: number;
}

const CHILD_FLAG = "--ctem-bench-epss-child";
const MiB = 1024 * 1024;

async function vmHwmMiB(): Promise<number> {
  const status = await readFile("/proc/self/status", "utf8").catch(() => "");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m?.[1] ? Number(m[1]) / 1024 : process.memoryUsage().rss / MiB;
}

async function runChild(): Promise<ChildResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const file = path.join(SNAPSHOT.dir, SNAPSHOT.epss);
  gc?.();
  const baseRss = process.memoryUsage().rss / MiB;
  // Peak RSS so far must not hide the load's own peak: the baseline process is small, and the load
  // pushes well past it, so VmHWM after the load is the load's peak.
  const t0 = performance.now();
  const table = parseEpss(await readFile(file), file);
  const loadMs = performance.now() - t0;
  const peakExtraMiB = (await vmHwmMiB()) - baseRss;
  gc?.();
  const retainedExtraMiB = process.memoryUsage().rss / MiB - baseRss;

  // 200k lookups over ids present and absent: the cost per lookup, which must not grow with the table.
  const ids = Array.from({ length: 1000 }, (_, i) => `CVE-${2015 + (i % 11)}-${String(1000 + i * 37)}`);
  let found = 0;
  const t1 = performance.now();
  for (let r = 0; r < 200; r++) for (const id of ids) if (table.get(id)) found++;
  const lookupNs = ((performance.now() - t1) * 1e6) / (200 * ids.length);
  if (found < 0) throw new Error("unreachable"); // keeps the loop from being optimised away

  // Everything a lookup needs: KEV (schema-validated), EPSS, both CVSS tables.
  const t2 = performance.now();
  await createIntel({ dataDir: path.join(SNAPSHOT.dir, "no-such-data-dir") }).load();
  const allFeedsMs = performance.now() - t2;
  return { rows: table.rows, loadMs, peakExtraMiB, retainedExtraMiB, lookupNs, allFeedsMs };
}

if (process.argv.includes(CHILD_FLAG)) {
  // This module doubles as the child's entry point (forked below with the flag).
  runChild().then(
    (r) => process.send?.(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

export const intelLoadMeasurement: Measurement = {
  name: "intel-load",
  description:
    "load the full FIRST EPSS file (313,089 rows) in a fresh process: time, extra memory, lookup cost",
  async run(ctx) {
    const result = await new Promise<ChildResult>((resolve, reject) => {
      const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG], {
        execArgv: [...process.execArgv, "--expose-gc"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      let got: ChildResult | undefined;
      child.on("message", (m) => (got = m as ChildResult));
      child.on("error", reject);
      child.on("exit", (code) =>
        got ? resolve(got) : reject(new Error(`EPSS load child exited with ${code}`)),
      );
    });
    ctx.log(`intel-load: ${result.rows} EPSS rows`);
    const figures: BenchFigure[] = [
      {
        metric: "EPSS load time",
        value: result.loadMs,
        unit: "ms",
        target: { op: "<=", value: 2000 },
        note: `${result.rows.toLocaleString("en-US")} rows: read, gunzip, parse, index`,
      },
      {
        metric: "EPSS load extra memory (peak RSS over baseline)",
        value: result.peakExtraMiB,
        unit: "MiB",
        target: { op: "<=", value: 150 },
        note: `retained after GC: ${result.retainedExtraMiB.toFixed(1)} MiB`,
      },
      { metric: "EPSS lookup", value: result.lookupNs, unit: "ns/lookup" },
      { metric: "all intel feeds load (KEV, EPSS, CVSS tables)", value: result.allFeedsMs, unit: "ms" },
    ];
    return figures;
  },
};
