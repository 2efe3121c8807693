// Run by compiler.test.ts in a process of its own (V8's flags are the process'), with
// --allow-natives-syntax and --trace-turbo-inlining: optimises a function calling a small one before,
// during and after an analysis' compiler policy. V8 prints its trace through its own buffered output,
// so each caller is named after its moment (sum_before, ...) rather than printed between markers.
// Natives (and so the callers) are compiled with vm, as TypeScript cannot spell them.
import { runInThisContext } from "node:vm";
import { beginAnalysisCompiler } from "../../src/compiler.js";

const prepare = runInThisContext("(f) => %PrepareFunctionForOptimization(f)") as (f: unknown) => void;
const optimiseOnNextCall = runInThisContext("(f) => %OptimizeFunctionOnNextCall(f)") as (f: unknown) => void;

/** A new function sum_<label> calling a small add(). */
function caller(label: string): (n: number) => number {
  return runInThisContext(
    `(() => { const add = (a, b) => a + b; return function sum_${label}(n) { let s = 0; for (let i = 0; i < n; i++) s = add(s, i); return s; }; })()`,
  ) as (n: number) => number;
}
/** Optimises a new caller with TurboFan, synchronously; V8 traces its inlining decisions. */
function optimise(label: string): void {
  const f = caller(label);
  prepare(f);
  f(1000);
  f(1000);
  optimiseOnNextCall(f);
  f(4);
}

optimise("before");
const endA = beginAnalysisCompiler();
optimise("during");
const endB = beginAnalysisCompiler();
endA();
endA();
optimise("second");
endB();
optimise("after");
