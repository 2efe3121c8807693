// Opens the one SQLite file (WAL), applies migrations, and serialises writes. Reads use a second
// connection so they see the last committed state while a long scan is being written.
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "./migrations.js";

export type Sqlite = Database.Database;

/** A FIFO lock: one writer at a time, across awaits (a scan holds it while chunks stream in). */
export class WriteLock {
  private tail: Promise<void> = Promise.resolve();
  /** Runs holding or waiting for the lock. */
  private users = 0;
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.users++;
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      this.users--;
      release();
    }
  }
  /**
   * As `run`, but when no run holds or waits for the lock, `fn` starts in this call: its synchronous
   * part is done before the caller goes on (run starts it a microtask later, after the caller's
   * synchronous work).
   */
  runNow<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.users > 0) return this.run(fn);
    this.users++;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    // An async function runs synchronously up to its first await: fn starts here.
    const go = async () => {
      try {
        return await fn();
      } finally {
        this.users--;
        release();
      }
    };
    return go();
  }
}

export interface SqliteHandle {
  file: string;
  writer: Sqlite;
  reader: Sqlite;
  lock: WriteLock;
  /** A new read-only connection, for a consistent streaming view (snapshot). */
  openReader(): Sqlite;
  /**
   * Work a writer thread goes on with after its commit (the WAL checkpoint after a large analysis
   * commit): `idle` resolves once all of it has finished. Close waits for it first.
   */
  background(done: Promise<void>): void;
  idle(): Promise<void>;
  close(): void;
}

function configure(db: Sqlite): void {
  db.pragma("busy_timeout = 10000");
  db.pragma("foreign_keys = ON");
}

export function migrate(db: Sqlite): void {
  const applied = db.pragma("user_version", { simple: true }) as number;
  if (applied > MIGRATIONS.length)
    throw new Error(
      `${db.name}: written by a newer ctem (schema ${applied}, this version knows ${MIGRATIONS.length}); upgrade ctem`,
    );
  for (let i = applied; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

export function openSqlite(file: string): SqliteHandle {
  if (file === ":memory:" || file === "")
    throw new Error("the store needs a file: reads use their own connections");
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const writer = new Database(file);
  configure(writer);
  writer.pragma("journal_mode = WAL");
  // NORMAL in WAL mode: a killed process loses nothing committed; a power cut may lose the last
  // commits but never leaves a mix.
  writer.pragma("synchronous = NORMAL");
  migrate(writer);
  const openReader = () => {
    const r = new Database(file, { readonly: true, fileMustExist: true });
    configure(r);
    return r;
  };
  const reader = openReader();
  const running = new Set<Promise<void>>();
  return {
    file,
    writer,
    reader,
    lock: new WriteLock(),
    openReader,
    background(done) {
      const p = done.catch(() => undefined).finally(() => running.delete(p));
      running.add(p);
    },
    async idle() {
      while (running.size) await Promise.all(running);
    },
    close() {
      reader.close();
      writer.close();
    },
  };
}
