// V8's optimising compiler while an analysis runs (docs/server.md "Memory and large estates").
// An analysis runs much code for the first time: at 100k assets V8 compiled about 590 functions
// with TurboFan during one, many of them several times (a function optimised on early feedback is
// deoptimised when later data takes another shape, then compiled again), which took its helper
// threads 2.5-3.7 s of CPU. On two cores that CPU comes from the analysing thread and the store's
// writer threads. With TurboFan's inlining off, each compilation is smaller and a deoptimisation in
// a small function no longer throws away the large one it was inlined into: the analysis took
// 0.3-1.0 s less CPU for about 1% more on the analysing thread. So inlining is off while an
// analysis runs and back on when none does (functions compiled meanwhile keep their code until V8
// compiles them again). A process started with `--turbo-inlining` or `--no-turbo-inlining` on its
// command line keeps what it was given.
import { setFlagsFromString } from "node:v8";

/** Analyses running in this process (the flag is the process'). */
let running = 0;

/** Whether the process was started with a choice of its own about TurboFan's inlining. */
function givenByUser(): boolean {
  return process.execArgv.some((f) => /^--(no-)?turbo[-_]inlining(=|$)/.test(f));
}

/**
 * Turns TurboFan's inlining off for an analysis (the first one running). Returns the function that
 * ends it (idempotent): inlining is on again once no analysis runs.
 */
export function beginAnalysisCompiler(): () => void {
  if (running++ === 0 && !givenByUser()) setFlagsFromString("--no-turbo-inlining");
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--running === 0 && !givenByUser()) setFlagsFromString("--turbo-inlining");
  };
}
