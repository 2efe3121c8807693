// The analysis heap policy (src/heap.ts) changes the process' V8 flags, so each case runs in a
// process of its own (test/heap/child.ts) and reads V8's full collections off perf_hooks.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./heap/child.ts", import.meta.url));

async function run(mode: "policy" | "default"): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", CHILD, mode], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe("the analysis heap policy", () => {
  it("without it, V8 runs full collections while live data grows by 400 MB", async () => {
    const r = await run("default");
    expect(r.kept).toBe(4_000_000);
    expect(r.during).toBeGreaterThan(0);
    // Nothing raised the limit: nothing to bring back.
    expect(r.collected).toBe(false);
  });

  it("with it: one full collection at the start, none while the data grows, one after when asked", async () => {
    const r = await run("policy");
    // Raising the factor collects nothing by itself; collect() runs one, once.
    expect(r.beforeCollect).toBe(0);
    expect(r.collectMs).toBe(true);
    expect(r.collectAgain).toBe(0);
    expect(r.atBegin).toBe(1);
    expect(r.kept).toBe(4_000_000);
    expect(r.during).toBe(0);
    expect(r.collected).toBe(true);
    expect(r.after).toBe(1);
    // Once per analysis.
    expect(r.again).toBe(false);
  });
});
