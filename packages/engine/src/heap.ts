// The process' heap while an analysis runs (docs/server.md "Memory and large estates"). An analysis
// builds structures that live until it commits: at 100k assets the heap grows from about 75 MB to
// about 1 GB. V8 sets its next full collection at a multiple of what the last one left live, so one
// came during derive, marking about 350 MB on helper threads that took the two cores from the
// analysing thread, and freed little. So as an analysis starts, ctem runs one full collection (at
// 100k assets from the command line, 75 MB live: 45-65 ms, while the store's reader thread starts)
// with V8's heap growing factor raised so far that V8's own cap applies: the next full collection
// comes when the heap reaches halfway to its maximum (about 2 GB with Node's default maximum on a
// machine of 16 GB or more), past the analysis. After it, V8's own growing factor applies again
// from its next full collection. A long-running process (the server) calls collectAfterAnalysis()
// once the analysis' result is let go, so that the limit follows what is live at once rather than
// after the heap has grown to it. Where Node gives no gc() (it always has so far), only the factor
// is raised, from V8's next full collection on.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * V8's `--heap-growing-percent` while an analysis runs: a limit 1,001× what is live, which V8 caps
 * halfway between what is live and the heap's maximum.
 */
export const ANALYSIS_HEAP_GROWING_PERCENT = 100_000;

/** V8's gc() (null: this Node did not give one, and the policy only raises the factor). */
let gc: (() => void) | null | undefined;
/** Analyses running in this process (the policy is the process' own). */
let running = 0;
/** Whether an analysis has raised the limit since the last collectAfterAnalysis(). */
let raised = false;

/** One full collection (V8 recomputes its limits there), where this Node gives the means. */
function collect(): void {
  if (gc === undefined) {
    // gc() is made available to contexts created from now on; none is added to this one.
    setFlagsFromString("--expose-gc");
    const f: unknown = runInNewContext("typeof gc === 'function' ? gc : null");
    gc = typeof f === "function" ? (f as () => void) : null;
  }
  gc?.();
}

export interface AnalysisHeap {
  /**
   * The full collection that sets the limit (the first call of the first analysis running; any
   * other does nothing). Returns the milliseconds it took.
   */
  collect(): number;
  /** V8's own growing factor again (from its next full collection). Idempotent. */
  end(): void;
}

/**
 * Starts an analysis' heap policy: V8's growing factor raised now, the full collection that sets
 * the limit with it at collect() (analyze() runs it while the store starts reading the snapshot).
 */
export function beginAnalysisHeap(): AnalysisHeap {
  const first = running++ === 0;
  if (first) setFlagsFromString(`--heap-growing-percent=${ANALYSIS_HEAP_GROWING_PERCENT}`);
  let collected = !first;
  let ended = false;
  return {
    collect() {
      if (collected || ended) return 0;
      collected = true;
      const t = performance.now();
      collect();
      raised = true;
      return performance.now() - t;
    },
    end() {
      if (ended) return;
      ended = true;
      if (--running === 0) setFlagsFromString("--heap-growing-percent=0");
    },
  };
}

/**
 * In a long-running process, after an analysis (its result no longer held): one full collection
 * with V8's own growing factor, so that the heap's limit follows what is live again. Does nothing
 * while an analysis runs or when none has raised the limit since the last call.
 */
export function collectAfterAnalysis(): boolean {
  if (running > 0 || !raised) return false;
  raised = false;
  collect();
  return true;
}
