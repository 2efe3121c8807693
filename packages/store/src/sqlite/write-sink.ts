// Where a write transaction's statements run: on the store's writer connection as they come
// (InlineSink, inside the caller's transaction), or streamed to a worker thread that holds the
// transaction on its own connection (ThreadSink, sql-writer.mjs), so that the calling thread goes
// on making the next rows while SQLite writes the ones made (AppStore.commitAnalysis at 100k
// assets). The caller reads what it needs on the writer connection either way: while the thread's
// transaction is open no other connection can commit, so those reads see what it writes over.
import { Worker } from "node:worker_threads";
import type { Statement } from "better-sqlite3";
import type { Sqlite } from "./db.js";

export type SqlValue = string | number | bigint | null;

export interface WriteSink {
  /** A statement's handle for `run` (prepared once per sink). */
  stmt(sql: string): number;
  run(stmt: number, params: readonly SqlValue[]): void;
}

export class InlineSink implements WriteSink {
  private readonly stmts: Array<Statement<SqlValue[]>> = [];
  constructor(private readonly db: Sqlite) {}
  stmt(sql: string): number {
    return this.stmts.push(this.db.prepare<SqlValue[]>(sql)) - 1;
  }
  run(stmt: number, params: readonly SqlValue[]): void {
    this.stmts[stmt]!.run(...params);
  }
}

/** Values a message to the thread, counting each execution's two (about 1-4 MB of ids and JSON at 100k assets). */
const CHUNK_VALUES = 50_000;
/** A chunk's arrays: its values and the last execution's (most have a few parameters; more grow them). */
const CHUNK_CAPACITY = CHUNK_VALUES + 1_024;
const WRITER_URL = new URL("./sql-writer.mjs", import.meta.url);

/**
 * One of the store's writer threads (sql-writer.mjs, derived-writer.mjs): `began` resolves when it
 * says it holds the write lock, `finish` has it commit, `abort` roll back; `exited` resolves once
 * it has stopped (after its post-commit WAL checkpoint). Failures name `what`.
 */
export class WriterWorker {
  readonly began: Promise<void>;
  readonly exited: Promise<void>;
  private readonly worker: Worker;
  private readonly result: Promise<void>;
  constructor(url: URL, workerData: unknown, what: string) {
    // No execArgv: the file is plain JavaScript and needs none of the caller's loaders (tsx).
    this.worker = new Worker(url, { workerData, execArgv: [] });
    let began!: () => void;
    let failBegin!: (e: Error) => void;
    this.began = new Promise<void>((res, rej) => ((began = res), (failBegin = rej)));
    this.exited = new Promise<void>((res) => this.worker.once("exit", () => res()));
    this.result = new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        const e = new Error(`${what} was not written: ${why}`);
        failBegin(e);
        void this.worker.terminate();
        reject(e);
      };
      this.worker.on("message", (m: { began?: boolean; done?: boolean; error?: string }) => {
        if (m.error !== undefined) fail(m.error);
        else if (m.began) began();
        else if (m.done && !settled) {
          settled = true;
          resolve();
        }
      });
      this.worker.on("error", (e) => fail(`the writer thread failed: ${e.message}`));
      this.worker.on("exit", (code) =>
        fail(`the writer thread stopped (exit code ${code}) before committing`),
      );
    });
    // Failures are reported by began, finish or abort; until then they must not count as unhandled.
    this.result.catch(() => undefined);
    this.began.catch(() => undefined);
  }

  /** Sends `message`; the buffers in `transfer` move to the thread (unusable here afterwards). */
  post(message: object, transfer?: readonly ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  /** Sends `last` with the end mark; resolves once committed, rejects (rolled back or died) with why. */
  finish(last: object = {}): Promise<void> {
    this.worker.postMessage({ ...last, end: true });
    return this.result;
  }

  /** Has the thread roll back and waits until it has stopped. */
  async abort(): Promise<void> {
    this.worker.postMessage({ abort: true });
    await this.result.catch(() => undefined);
    await this.exited;
  }
}

/**
 * A parameter's kind in a chunk sent to sql-writer.mjs (its `tags`). The value itself is in
 * `nums` (a number; 0 for a string, null and undefined) and a string in `strings`, in order. A
 * bigint travels as its decimal text.
 */
const enum Tag {
  Null = 0,
  Number = 1,
  String = 2,
  BigInt = 3,
  Undefined = 4,
}

/**
 * A transaction on a writer thread (sql-writer.mjs): `began` resolves once it holds the write lock
 * (BEGIN IMMEDIATE), `finish` commits, `abort` rolls back. Executions are sent in chunks as they
 * come and run in order.
 *
 * A chunk is flat (no array or object per execution or value): the statement index, parameter
 * count and each parameter's number (0 for any other kind) in one Float64Array (its first `n` entries),
 * the kinds in a Uint8Array (both filled in place and transferred, not copied), and the string
 * parameters in one array.
 * Structured-cloning the executions as arrays cost the sending thread about 0.5 s at 100k assets
 * and the writer thread as much again to rebuild them; a flat chunk is a few copies of memory.
 * The strings as one array rather than joined into one string: at 100k assets (1.29M strings,
 * 154M characters) the join and its copy took the sending thread about 0.3 s (and a chunk with
 * one character past Latin-1 became a two-byte string), the array about 0.07 s, and the writer
 * thread read it in less than half the time it took to slice the joined one (a 53-chunk model).
 */
export class ThreadSink implements WriteSink {
  private readonly thread: WriterWorker;
  private sql: string[] = [];
  /** The chunk being filled: `n` numbers and `t` kinds so far (the arrays are written in place). */
  private nums = new Float64Array(CHUNK_CAPACITY);
  private tags = new Uint8Array(CHUNK_CAPACITY);
  private n = 0;
  private t = 0;
  private strings: string[] = [];
  private count = 0;
  constructor(file: string, what: string) {
    this.thread = new WriterWorker(WRITER_URL, { ctemSqlWriter: { file } }, what);
  }

  get began(): Promise<void> {
    return this.thread.began;
  }

  /** Resolves once the thread has exited (after its post-commit WAL checkpoint). */
  get exited(): Promise<void> {
    return this.thread.exited;
  }

  stmt(sql: string): number {
    this.sql.push(sql);
    return this.count++;
  }

  run(stmt: number, params: readonly SqlValue[]): void {
    if (this.n + params.length + 2 > this.nums.length) this.grow(params.length + 2);
    const { nums, tags, strings } = this;
    let n = this.n;
    let t = this.t;
    nums[n++] = stmt;
    nums[n++] = params.length;
    for (const v of params) {
      if (typeof v === "string") {
        nums[n++] = 0;
        tags[t++] = Tag.String;
        strings.push(v);
      } else if (typeof v === "number") {
        nums[n++] = v;
        tags[t++] = Tag.Number;
      } else if (v === null) {
        nums[n++] = 0;
        tags[t++] = Tag.Null;
      } else if (typeof v === "bigint") {
        nums[n++] = 0;
        tags[t++] = Tag.BigInt;
        strings.push(v.toString());
      } else {
        // Not a SQL value (a caller's bug): the thread passes it on and better-sqlite3 words the error.
        nums[n++] = 0;
        tags[t++] = Tag.Undefined;
      }
    }
    this.n = n;
    this.t = t;
    if (n >= CHUNK_VALUES) this.send();
  }

  /** Room for `more` numbers (one execution with more parameters than a chunk holds). */
  private grow(more: number): void {
    const size = Math.max(this.nums.length * 2, this.n + more);
    const nums = new Float64Array(size);
    nums.set(this.nums.subarray(0, this.n));
    const tags = new Uint8Array(size);
    tags.set(this.tags.subarray(0, this.t));
    this.nums = nums;
    this.tags = tags;
  }

  private take(): {
    sql: string[];
    nums: Float64Array<ArrayBuffer>;
    n: number;
    tags: Uint8Array<ArrayBuffer>;
    strings: string[];
  } {
    const m = { sql: this.sql, nums: this.nums, n: this.n, tags: this.tags, strings: this.strings };
    this.sql = [];
    this.nums = new Float64Array(CHUNK_CAPACITY);
    this.tags = new Uint8Array(CHUNK_CAPACITY);
    this.n = 0;
    this.t = 0;
    this.strings = [];
    return m;
  }

  private send(): void {
    const m = this.take();
    this.thread.post(m, [m.nums.buffer, m.tags.buffer]);
  }

  /** Sends what is left and commits; rejects (the thread rolled back or died) with what went wrong. */
  finish(): Promise<void> {
    return this.thread.finish(this.take());
  }

  /** Has the thread roll back and waits until it has stopped. */
  abort(): Promise<void> {
    return this.thread.abort();
  }
}
