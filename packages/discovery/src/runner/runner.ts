// The scan runner: runs collectors with bounded concurrency, streams each one's facts into
// GraphStore.applyScan as it finishes, and records the ScanRun. A collector counts as `ok` only
// once its listing succeeded and its facts were handed over; until then it is `failed`, so a
// crash or an error anywhere deletes nothing (DESIGN "Claims, not owners"). Provider-neutral:
// the AWS connector builds its tasks from modules; Azure and GCP will do the same.
import { randomUUID } from "node:crypto";
import { sourceKeyString } from "@ctem/model";
import type {
  ApplySummary,
  CollectorRun,
  GraphFacts,
  GraphStore,
  ScanRun,
  ScanRunStore,
  SourceKey,
} from "@ctem/model";

export interface ScanTask<Raw = unknown> {
  key: SourceKey;
  /** Tasks (by sourceKeyString) whose collected data `transform` reads; a failed one fails this task. */
  dependsOn?: string[];
  collect(): Promise<Raw>;
  transform(raw: Raw, deps: Record<string, unknown>): GraphFacts;
}

/** A failure the runner records as the collector's errorCode (e.g. the AWS error code). */
export interface CodedError {
  code: string;
  message: string;
}

export type ScanEvent =
  | { t: "start"; key: SourceKey }
  | { t: "ok"; key: SourceKey; counts: { nodes: number; edges: number; findings: number }; ms: number }
  | { t: "failed"; key: SourceKey; errorCode: string; message: string; ms: number };

export interface RunScanOptions {
  graph: Pick<GraphStore, "applyScan">;
  scanRuns: Pick<ScanRunStore, "start" | "finish">;
  trigger: ScanRun["trigger"];
  tasks: ScanTask[];
  /** Collectors running at once (default 4). */
  concurrency?: number;
  onEvent?: (e: ScanEvent) => void;
  /** Maps a collect/transform error to its code; default: `code` or `name` of the error. */
  classify?: (e: unknown) => CodedError;
  now?: () => Date;
}

export interface ScanResult {
  run: ScanRun & { collectors: CollectorRun[] };
  apply: ApplySummary;
  elapsedMs: number;
}

function defaultClassify(e: unknown): CodedError {
  const o = (e ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  return {
    code: typeof o.code === "string" ? o.code : typeof o.name === "string" ? o.name : "error",
    message: typeof o.message === "string" ? o.message : String(e),
  };
}

const count = (f: GraphFacts) => ({
  nodes: f.nodes?.length ?? 0,
  edges: f.edges?.length ?? 0,
  findings: f.findings?.length ?? 0,
});

/** A tiny async queue: producers push chunks, the store pulls them. */
function chunkQueue() {
  const items: GraphFacts[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  return {
    push(c: GraphFacts) {
      items.push(c);
      wake?.();
    },
    close() {
      closed = true;
      wake?.();
    },
    async *drain(): AsyncGenerator<GraphFacts> {
      for (;;) {
        if (items.length) yield items.shift()!;
        else if (closed) return;
        else await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
  };
}

export async function runScan(opts: RunScanOptions): Promise<ScanResult> {
  const now = opts.now ?? (() => new Date());
  const classify = opts.classify ?? defaultClassify;
  const started = now();
  const t0 = Date.now();
  const keys = opts.tasks.map((t) => sourceKeyString(t.key));
  if (new Set(keys).size !== keys.length) throw new Error("runScan: two tasks share a source key");
  const collectors: CollectorRun[] = opts.tasks.map((t) => ({
    ...t.key,
    status: "failed",
    errorCode: "not_finished",
    message: "the collector did not finish",
    counts: {},
  }));
  const run: ScanRun & { collectors: CollectorRun[] } = {
    id: `scan-${started.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 8)}`,
    trigger: opts.trigger,
    status: "running",
    startedAt: started.toISOString(),
    collectors,
  };
  await opts.scanRuns.start(run);

  const queue = chunkQueue();
  const raws = new Map<string, Promise<unknown>>();
  const byKey = new Map(opts.tasks.map((t, i) => [keys[i]!, i]));
  const limit = Math.max(1, opts.concurrency ?? 4);
  let active = 0;
  const waiting: Array<() => void> = [];
  const slot = async () => {
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
  };
  const release = () => {
    active--;
    waiting.shift()?.();
  };

  const fail = (i: number, err: CodedError, ms: number) => {
    collectors[i] = {
      ...opts.tasks[i]!.key,
      status: "failed",
      errorCode: err.code,
      message: err.message,
      counts: {},
    };
    opts.onEvent?.({ t: "failed", key: opts.tasks[i]!.key, errorCode: err.code, message: err.message, ms });
  };

  const runTask = async (task: ScanTask, i: number) => {
    const t = Date.now();
    const collected = (async () => {
      await slot();
      try {
        opts.onEvent?.({ t: "start", key: task.key });
        return await task.collect();
      } finally {
        release();
      }
    })();
    raws.set(keys[i]!, collected);
    collected.catch(() => undefined); // observed below and by dependants
    let raw: unknown;
    try {
      raw = await collected;
    } catch (e) {
      fail(i, classify(e), Date.now() - t);
      return;
    }
    const deps: Record<string, unknown> = {};
    for (const d of task.dependsOn ?? []) {
      const dep = raws.get(d) ?? (byKey.has(d) ? undefined : Promise.reject(new Error(`no task ${d}`)));
      try {
        deps[d.split("|")[2]!] = await dep;
      } catch {
        fail(i, { code: "dependency_failed", message: `depends on ${d}, which failed` }, Date.now() - t);
        return;
      }
    }
    let facts: GraphFacts;
    try {
      facts = task.transform(raw, deps);
    } catch (e) {
      fail(i, { code: "transform_failed", message: classify(e).message }, Date.now() - t);
      return;
    }
    const counts = count(facts);
    queue.push(facts);
    collectors[i] = { ...task.key, status: "ok", counts };
    opts.onEvent?.({ t: "ok", key: task.key, counts, ms: Date.now() - t });
  };

  // Register every task's collect promise before any dependant looks for it.
  const all = opts.tasks.map((task, i) => runTask(task, i));
  const done = Promise.allSettled(all).then(() => queue.close());
  let apply: ApplySummary;
  try {
    apply = await opts.graph.applyScan(run, queue.drain());
    await done;
  } catch (e) {
    await done;
    await opts.scanRuns.finish({ ...run, status: "failed", finishedAt: now().toISOString() });
    throw e;
  }
  const failed = collectors.filter((c) => c.status === "failed").length;
  run.status = failed === 0 ? "complete" : failed === collectors.length ? "failed" : "partial";
  run.finishedAt = now().toISOString();
  await opts.scanRuns.finish(run);
  return { run, apply, elapsedMs: Date.now() - t0 };
}
