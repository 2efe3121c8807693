// Run by heap.test.ts in a process of its own (V8's flags are the process'): counts V8's full
// collections while live data grows by about 400 MB, with or without the analysis heap policy.
import { PerformanceObserver, constants } from "node:perf_hooks";
import { beginAnalysisHeap, collectAfterAnalysis } from "../../src/heap.js";

const mode = process.argv[2];
let majors = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
});
obs.observe({ entryTypes: ["gc"] });
const tick = () => new Promise((r) => setTimeout(r, 20));

/** About 400 MB of small objects that stay live, as an analysis' structures do. */
function grow(): unknown[] {
  const keep: unknown[] = [];
  for (let i = 0; i < 4_000_000; i++) keep.push({ id: `node-${i}`, n: i, props: { port: i % 65536 } });
  return keep;
}

const out: Record<string, unknown> = {};
await tick();
if (mode === "policy") {
  const heap = beginAnalysisHeap();
  await tick();
  out.beforeCollect = majors;
  out.collectMs = heap.collect() > 0;
  out.collectAgain = heap.collect();
  await tick();
  out.atBegin = majors;
  majors = 0;
  let data: unknown[] | undefined = grow();
  await tick();
  out.during = majors;
  out.kept = data.length;
  heap.end();
  heap.end();
  data = undefined;
  majors = 0;
  out.collected = collectAfterAnalysis();
  await tick();
  out.after = majors;
  out.again = collectAfterAnalysis();
} else {
  majors = 0;
  const data = grow();
  await tick();
  out.during = majors;
  out.kept = data.length;
  out.collected = collectAfterAnalysis();
}
obs.disconnect();
process.stdout.write(JSON.stringify(out));
