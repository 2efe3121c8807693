// The analysis compiler policy (src/compiler.ts) changes a V8 flag of the process, so it runs in a
// process of its own (test/compiler/child.ts) that reads TurboFan's inlining trace.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./compiler/child.cjs", import.meta.url));
// One V8 isolate compiling on one thread, so trace lines never interleave: no module-hooks thread
// (child.cjs says why), and TurboFan's background jobs (normal and on-stack replacement) run in place.
const ONE_THREAD = ["--no-concurrent-recompilation", "--no-concurrent-osr", "--require", "tsx/cjs"];

/** Whether V8 inlined add() into the caller optimised at each moment (sum_<moment>). */
async function run(flags: string[] = []): Promise<Record<string, boolean>> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--allow-natives-syntax", "--trace-opt", "--trace-turbo-inlining", ...ONE_THREAD, ...flags, CHILD],
    { maxBuffer: 1 << 22 },
  );
  const out: Record<string, boolean> = {};
  for (const moment of ["before", "during", "second", "after"]) {
    // Each caller is optimised, whether or not add() is inlined into it.
    expect(stdout).toMatch(new RegExp(`completed compiling \\S+ <JSFunction sum_${moment} `));
    out[moment] = new RegExp(
      `Inlining \\S+ \\{\\S+ <SharedFunctionInfo add>\\} into \\S+ \\{\\S+ <SharedFunctionInfo sum_${moment}>\\}`,
    ).test(stdout);
  }
  return out;
}

describe("the analysis compiler policy", () => {
  it("turns TurboFan's inlining off while an analysis runs, and on when none does", async () => {
    expect(await run()).toEqual({ before: true, during: false, second: false, after: true });
  });

  it("leaves a process started with a choice of its own alone", async () => {
    expect(await run(["--turbo-inlining"])).toEqual({
      before: true,
      during: true,
      second: true,
      after: true,
    });
    expect(await run(["--no-turbo-inlining"])).toEqual({
      before: false,
      during: false,
      second: false,
      after: false,
    });
  });
});
