// Run by compiler.test.ts in a process of its own (V8's flags are the process'), with
// --allow-natives-syntax and --trace-turbo-inlining: optimises a function calling a small one before,
// during and after an analysis' compiler policy. V8 prints its trace through its own buffered output,
// so each caller is named after its moment (sum_before, ...) rather than printed between markers.
//
// Plain CommonJS loading src/compiler.ts through tsx's in-thread require hook (--require tsx/cjs):
// `--import tsx` would start Node's module-hooks thread, a second V8 isolate whose own trace lines
// interleave with this one's mid-line (seen in CI). Natives are compiled with vm, as the linters
// cannot parse them.
"use strict";
const { runInThisContext } = require("node:vm");
const { beginAnalysisCompiler } = require("../../src/compiler.ts");

/** @type {(f: unknown) => void} */
const prepare = runInThisContext("(f) => %PrepareFunctionForOptimization(f)");
/** @type {(f: unknown) => void} */
const optimiseOnNextCall = runInThisContext("(f) => %OptimizeFunctionOnNextCall(f)");

/** A new function sum_<label> calling a small add(). @type {(label: string) => (n: number) => number} */
function caller(label) {
  return runInThisContext(
    `(() => { const add = (a, b) => a + b; return function sum_${label}(n) { let s = 0; for (let i = 0; i < n; i++) s = add(s, i); return s; }; })()`,
  );
}
/** Optimises a new caller with TurboFan, synchronously; V8 traces its inlining decisions. @param {string} label */
function optimise(label) {
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
