// thread-priority.mjs: a worker thread whose work has slack lowers its own scheduling priority, and
// only its own (Linux gives each thread its priority; elsewhere the helper does nothing).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { getPriority, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { openSqliteStores } from "../src/index.js";
import { BACKGROUND_NICE } from "../src/sqlite/thread-priority.mjs";

const MODULE = JSON.stringify(new URL("../src/sqlite/thread-priority.mjs", import.meta.url).href);

interface Seen {
  result: { tid: number; nice: number } | null;
  tid: number;
  nice: number;
}

/** What lowerThreadPriority returns on a new worker thread, and the thread's priority after. */
function onWorker(): Promise<Seen> {
  const code = `
    const { parentPort } = require("node:worker_threads");
    const { readFileSync } = require("node:fs");
    const { getPriority } = require("node:os");
    import(${MODULE}).then(({ lowerThreadPriority }) => {
      const result = lowerThreadPriority() ?? null;
      const tid = Number(readFileSync("/proc/thread-self/stat", "utf8").split(" ", 1)[0]);
      parentPort.postMessage({ result, tid, nice: getPriority(tid) });
    });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true });
    w.once("message", (m: Seen) => {
      resolve(m);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

describe.runIf(process.platform === "linux")("lowerThreadPriority (Linux)", () => {
  it("lowers a worker thread's priority to the background nice value, and no other thread's", async () => {
    const here = getPriority();
    const main = getPriority(process.pid);
    const w = await onWorker();
    expect(w.tid).not.toBe(process.pid);
    expect(w.result).toEqual({ tid: w.tid, nice: BACKGROUND_NICE });
    expect(w.nice).toBe(BACKGROUND_NICE);
    expect(getPriority()).toBe(here);
    expect(getPriority(process.pid)).toBe(main);
  });

  it("leaves a process' main thread as it is", () => {
    // In a process of its own: this file may run on a worker thread.
    const out = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { getPriority } from "node:os";
         const { lowerThreadPriority } = await import(${MODULE});
         process.stdout.write(JSON.stringify([lowerThreadPriority() ?? null, getPriority()]));`,
      ],
      { encoding: "utf8" },
    );
    expect(JSON.parse(out)).toEqual([null, getPriority(process.pid)]);
  });

  it("the derived edges' writer thread runs at the background priority", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ctem-priority-"));
    const stores = openSqliteStores(path.join(dir, "ctem.db"));
    const nices = () =>
      readdirSync("/proc/self/task").map((t) => {
        try {
          return Number(readFileSync(`/proc/self/task/${t}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
        } catch {
          return undefined; // the thread has exited
        }
      });
    const before = nices().filter((n) => n === BACKGROUND_NICE).length;
    // The thread as replaceDerived starts it: it begins its transaction and waits for rows.
    const w = new Worker(new URL("../src/sqlite/derived-writer.mjs", import.meta.url), {
      workerData: {
        ctemDerivedWriter: {
          file: stores.handle.file,
          analysisId: "a1",
          previous: "",
          now: new Date().toISOString(),
        },
      },
    });
    const exited = new Promise((res) => w.once("exit", res));
    try {
      let added = 0;
      for (let i = 0; i < 500 && added === 0; i++) {
        await sleep(10);
        added = nices().filter((n) => n === BACKGROUND_NICE).length - before;
      }
      expect(added).toBe(1);
    } finally {
      w.postMessage({ abort: true });
      await exited;
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
