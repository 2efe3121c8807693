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

/** Values a message to the thread (about 1-4 MB of ids and JSON at 100k assets). */
const CHUNK_VALUES = 50_000;
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

  post(message: object): void {
    this.worker.postMessage(message);
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
 * A transaction on a writer thread (sql-writer.mjs): `began` resolves once it holds the write lock
 * (BEGIN IMMEDIATE), `finish` commits, `abort` rolls back. Executions are sent in chunks as they
 * come and run in order.
 */
export class ThreadSink implements WriteSink {
  private readonly thread: WriterWorker;
  private sql: string[] = [];
  /** Statement index, parameter list, statement index, … */
  private ops: Array<number | readonly SqlValue[]> = [];
  private values = 0;
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
    // The caller's own parameter list is sent (it must not change it afterwards): one push per
    // execution rather than one per value.
    this.ops.push(stmt, params);
    this.values += params.length + 2;
    if (this.values >= CHUNK_VALUES) this.send();
  }

  private take(): { sql: string[]; ops: Array<number | readonly SqlValue[]> } {
    const m = { sql: this.sql, ops: this.ops };
    this.sql = [];
    this.ops = [];
    this.values = 0;
    return m;
  }

  private send(): void {
    this.thread.post(this.take());
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
