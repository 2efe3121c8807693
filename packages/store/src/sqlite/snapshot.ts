// GraphStore.snapshot() on SQLite: every node, edge (derived ones of the current generation when
// asked; their structure alone when asked) and finding, streamed from one read transaction. SQLite
// writes the rows as JSON text in chunks (snapshot-reader.mjs), read on a worker thread for a large
// estate (this thread only parses and builds objects while the worker reads the next chunk) or on
// this thread for a small one.
import { Worker } from "node:worker_threads";
import { sourceKeyString } from "@ctem/model";
import type {
  Edge,
  EdgeStructure,
  Finding,
  SnapshotItem,
  SourceKey,
  StructureSnapshotItem,
} from "@ctem/model";
import type { SqliteHandle } from "./db.js";
import { completeFinding, findingSources, makeNode } from "./rows.js";
import type { FindingDoc } from "./rows.js";
import { snapshotChunks } from "./snapshot-reader.mjs";
import type { SnapshotChunk } from "./snapshot-reader.mjs";

/** Where the snapshot is read: "inline" on the calling thread, "worker" on a worker thread, "auto". */
export type SnapshotRead = "auto" | "inline" | "worker";

/**
 * From this many inventory edges (the largest edge id: one b-tree seek) "auto" reads on a worker
 * thread. Starting it (a new isolate, better-sqlite3, a connection) takes about 100 ms; at 10k
 * assets (33,790 edges) the engine's whole load took the same time either way (430-470 ms) and
 * this thread's CPU 130-140 ms through the worker vs 260 ms inline.
 */
const WORKER_MIN_EDGES = 20_000;
/**
 * Rows a chunk: at 100k assets 2,000 took the same CPU as 10,000 and 100-150 MiB less peak RSS (each
 * chunk's parsed rows live until its items are made).
 */
const CHUNK_ROWS = 2_000;
/**
 * Chunks the worker reads ahead of the consumer (at most about 90 MB of text). With 4, on the
 * shared 2-core machine, the two threads took turns waiting for each other (100k: 3.0-3.4 s wall
 * vs 2.0-2.3 s with 16-64). The engine derives before it takes the findings (the last 45 chunks
 * at 100k): with 64 the worker reads them all meanwhile.
 */
const AHEAD = 64;

/** JSON texts up to this length are parsed once per snapshot and their value shared (snapshot-reader.mjs). */
const SHARED_MAX_LENGTH = 64;
const SHARED_MAX_ENTRIES = 50_000;

const READER_URL = new URL("./snapshot-reader.mjs", import.meta.url);

type NodeTuple = [
  id: string,
  kind: string,
  type: string,
  provider: string,
  accountId: string | null,
  region: string | null,
  name: string,
  tags: unknown,
  props: unknown,
  stub: number,
  firstSeen: string,
  lastSeen: string,
  claims: string | null,
];
type EdgeTuple = [
  id: number | null,
  from: string | number,
  kind: string,
  to: string | number,
  props: unknown,
  evidence: unknown,
  assumptions: unknown,
  firstSeen: string,
  lastSeen: string,
  claims: string | null,
];
type EdgeStructureTuple = [from: string | number, kind: string, to: string | number, props: unknown];
type FindingTuple = [
  key: string,
  assetRef: string | number,
  matched: number,
  ruleId: string,
  pkg: string,
  kind: string,
  doc: FindingDoc,
  firstSeen: string,
  lastSeen: string,
  sources: string,
];

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** Where the chunks come from: `next` gives the next one (undefined at the end), `stop` ends early. */
interface ChunkSource {
  next(): Promise<SnapshotChunk | undefined>;
  stop(): Promise<void>;
}

/** The chunks read on this thread, from its own read-only connection. */
function inlineChunks(h: SqliteHandle, withDerived: boolean, rows: number, structure: boolean): ChunkSource {
  const db = h.openReader();
  const chunks = snapshotChunks(db, withDerived, rows, structure);
  const end = () => {
    try {
      chunks.return();
    } finally {
      db.close();
    }
  };
  return {
    next() {
      try {
        const c = chunks.next();
        if (c.done) end();
        return Promise.resolve(c.done ? undefined : c.value);
      } catch (e) {
        end();
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
    stop() {
      if (db.open) end();
      return Promise.resolve();
    },
  };
}

/**
 * The chunks read by a worker thread (snapshot-reader.mjs) with its own connection, AHEAD chunks
 * ahead of this thread. The thread does not keep the process alive while the consumer has the
 * chunks it asked for (a snapshot given up without `return` then leaves no process waiting); `stop`
 * has it end and waits until it has exited.
 */
function workerChunks(h: SqliteHandle, withDerived: boolean, rows: number, structure: boolean): ChunkSource {
  // No execArgv: the file is plain JavaScript and needs none of the caller's loaders (tsx).
  const worker = new Worker(READER_URL, {
    workerData: { ctemSnapshot: { file: h.file, derived: withDerived, rows, ahead: AHEAD, structure } },
    execArgv: [],
  });
  const exited = new Promise<void>((res) => worker.once("exit", () => res()));
  const queue: Array<SnapshotChunk | { done: true } | { error: string }> = [];
  let waiting: (() => void) | undefined;
  let ended = false;
  const push = (m: SnapshotChunk | { done: true } | { error: string }) => {
    if (ended) return;
    if ("done" in m || "error" in m) ended = true;
    queue.push(m);
    waiting?.();
  };
  worker.on("message", push);
  worker.on("error", (e) => push({ error: `the reader thread failed: ${e.message}` }));
  worker.on("exit", (code) =>
    push({ error: `the reader thread stopped (exit code ${code}) before the end` }),
  );
  worker.unref();
  return {
    async next() {
      if (!queue.length) {
        worker.ref();
        await new Promise<void>((res) => (waiting = res));
        waiting = undefined;
        worker.unref();
      }
      const m = queue.shift()!;
      if ("error" in m) throw new Error(m.error);
      if ("done" in m) return undefined;
      worker.postMessage({ more: 1 });
      return m;
    },
    async stop() {
      ended = true;
      worker.postMessage({ stop: true });
      await exited;
    },
  };
}

export function snapshot(
  h: SqliteHandle,
  withDerived: boolean,
  read?: SnapshotRead,
  rows?: number,
  edgeDetail?: true,
): AsyncGenerator<SnapshotItem>;
export function snapshot(
  h: SqliteHandle,
  withDerived: boolean,
  read: SnapshotRead | undefined,
  rows: number | undefined,
  edgeDetail: false,
): AsyncGenerator<StructureSnapshotItem>;
export function snapshot(
  h: SqliteHandle,
  withDerived: boolean,
  read?: SnapshotRead,
  rows?: number,
  edgeDetail?: boolean,
): AsyncGenerator<SnapshotItem | StructureSnapshotItem>;
export async function* snapshot(
  h: SqliteHandle,
  withDerived: boolean,
  read: SnapshotRead = "auto",
  /** Rows a chunk (tests make them small to cross many chunk boundaries). */
  rows: number = CHUNK_ROWS,
  /** false: every edge as its structure alone (from, kind, to, props, derived). */
  edgeDetail = true,
): AsyncGenerator<SnapshotItem | StructureSnapshotItem> {
  const worker =
    read === "worker" ||
    (read === "auto" &&
      ((h.reader.prepare("SELECT max(id) FROM edges").pluck().get() as number | null) ?? 0) >=
        WORKER_MIN_EDGES);
  const structure = !edgeDetail;
  const source = worker
    ? workerChunks(h, withDerived, rows, structure)
    : inlineChunks(h, withDerived, rows, structure);
  // Most rows carry one of a few source lists: each distinct list is built once and shared (the
  // items are read-only to consumers), rather than one array of objects per row.
  const keys = new Map<number, SourceKey>();
  const lists = new Map<string, SourceKey[]>();
  const sourcesOf = (ids: string | null): SourceKey[] => {
    if (!ids) return [];
    let hit = lists.get(ids);
    if (!hit) {
      hit = ids
        .split(",")
        .map((k) => keys.get(Number(k))!)
        .sort((a, b) => sourceKeyString(a).localeCompare(sourceKeyString(b)));
      lists.set(ids, hit);
    }
    return hit;
  };
  // Short JSON texts repeat across rows (`{}`, `[]`, a few props such as `{"port":8080}`): each is
  // parsed once and its value shared, frozen so that a consumer writing into it fails loudly. The
  // reader sends them as text, and longer ones as their value.
  const shared = new Map<string, unknown>();
  const value = (v: unknown): unknown => {
    if (typeof v !== "string") return v;
    if (v.length > SHARED_MAX_LENGTH) return JSON.parse(v);
    let hit = shared.get(v);
    if (hit === undefined) {
      hit = deepFreeze(JSON.parse(v));
      if (shared.size < SHARED_MAX_ENTRIES) shared.set(v, hit);
    }
    return hit;
  };
  // Columns whose values repeat from row to row (types, accounts, regions, times, a finding's rule
  // and package): one string per distinct value, not one per row as JSON.parse makes them. At 100k
  // assets the snapshot's heap went from 222 to 169 MiB (less for the young generation to copy
  // while the analysis runs; four back-to-back pairs, whole analysis 9.04 -> 8.92 s on average).
  const repeated = new Map<string, string>();
  const one = (v: string): string => {
    const hit = repeated.get(v);
    if (hit !== undefined) return hit;
    if (repeated.size < SHARED_MAX_ENTRIES) repeated.set(v, v);
    return v;
  };
  const oneOrNull = (v: string | null): string | null => (v === null ? null : one(v));
  // Each node's id string, for the edges and findings that name it: one string per id however
  // many items refer to it (less memory, and map lookups by id that compare the same string).
  const ids: string[] = [];
  const id = (v: string | number): string => (typeof v === "number" ? ids[v]! : v);
  const edge = (t: EdgeTuple, sources: SourceKey[], derived: boolean): Edge => ({
    from: id(t[1]),
    kind: one(t[2]) as Edge["kind"],
    to: id(t[3]),
    props: value(t[4]) as Edge["props"],
    evidence: value(t[5]) as Edge["evidence"],
    assumptions: value(t[6]) as Edge["assumptions"],
    sources,
    derived,
    firstSeen: one(t[7]),
    lastSeen: one(t[8]),
  });
  // Findings of one import share their source list (same tool, run and times): built once.
  const findingLists = new Map<string, Finding["sources"]>();
  const findingSourcesOf = (json: string): Finding["sources"] => {
    let hit = findingLists.get(json);
    if (!hit) {
      hit = findingSources(json);
      if (findingLists.size < SHARED_MAX_ENTRIES) findingLists.set(json, hit);
    }
    return hit;
  };

  const node = (r: unknown[]): SnapshotItem => {
    const t = r as NodeTuple;
    ids.push(t[0]);
    return {
      t: "node",
      v: makeNode(
        t[0],
        t[1],
        one(t[2]),
        one(t[3]),
        oneOrNull(t[4]),
        oneOrNull(t[5]),
        t[6],
        value(t[7]) as Record<string, string>,
        value(t[8]) as Record<string, unknown>,
        sourcesOf(t[12]),
        t[9] === 1,
        one(t[10]),
        one(t[11]),
      ),
    };
  };
  const inventoryEdge = (r: unknown[]): SnapshotItem => {
    const t = r as EdgeTuple;
    return { t: "edge", v: edge(t, sourcesOf(t[9]), false) };
  };
  const derivedEdge = (r: unknown[]): SnapshotItem => ({ t: "edge", v: edge(r as EdgeTuple, [], true) });
  const edgeStructure = (t: EdgeStructureTuple, derived: boolean): EdgeStructure => ({
    from: id(t[0]),
    kind: one(t[1]) as Edge["kind"],
    to: id(t[2]),
    props: value(t[3]) as Edge["props"],
    derived,
  });
  const inventoryStructure = (r: unknown[]): StructureSnapshotItem => ({
    t: "edge",
    v: edgeStructure(r as EdgeStructureTuple, false),
  });
  const derivedStructure = (r: unknown[]): StructureSnapshotItem => ({
    t: "edge",
    v: edgeStructure(r as EdgeStructureTuple, true),
  });
  const finding = (r: unknown[]): SnapshotItem => {
    const t = r as FindingTuple;
    return {
      t: "finding",
      v: completeFinding(
        t[6],
        t[0],
        id(t[1]),
        t[2],
        one(t[5]),
        one(t[3]),
        one(t[4]),
        findingSourcesOf(t[9]),
        one(t[7]),
        one(t[8]),
      ),
    };
  };

  let done = false;
  try {
    for (;;) {
      let c: SnapshotChunk | undefined;
      try {
        c = await source.next();
      } catch (e) {
        throw new Error(`snapshot of ${h.file}: ${(e as Error).message}`, { cause: e });
      }
      if (!c) break;
      if ("keys" in c) {
        for (const [k, source, region, collector] of c.keys) keys.set(k, { source, region, collector });
        continue;
      }
      const make =
        c.t === "node"
          ? node
          : c.t === "edge"
            ? structure
              ? inventoryStructure
              : inventoryEdge
            : c.t === "derived"
              ? structure
                ? derivedStructure
                : derivedEdge
              : finding;
      // Where an edge row holds its ends (after its id, unless it is a structure row).
      const from = structure ? 0 : 1;
      for (const r of JSON.parse(c.json) as unknown[][]) {
        let x: SnapshotItem | StructureSnapshotItem;
        try {
          x = make(r);
        } catch (e) {
          // A stored value this thread could not read (a short JSON text, parsed here).
          const what =
            c.t === "node" || c.t === "finding"
              ? `${c.t} ${String(r[0])}`
              : `edge ${id(r[from] as string | number)} -${String(r[from + 1])}-> ${id(r[from + 2] as string | number)}`;
          throw new Error(`snapshot of ${h.file}: ${what}: ${(e as Error).message}`, { cause: e });
        }
        yield x;
      }
    }
    done = true;
  } finally {
    if (!done) await source.stop();
  }
}
