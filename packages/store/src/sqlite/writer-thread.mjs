// What the store's writer threads (derived-writer.mjs, sql-writer.mjs) share: their connection to
// the store's file, configured as db.ts configures the store's writer, and how a thread ends. Plain
// JavaScript, as they are (a worker starts from a file; ctem runs from TypeScript source under tsx,
// vitest and the bench alike).
import Database from "better-sqlite3";

/**
 * The store's file opened as db.ts opens its writer, except that a commit leaves the WAL
 * checkpoint to `endThread`: the caller waits for the commit, not for the copy into the database
 * file. The default page cache (better-sqlite3's build: 16 MB): at 100k assets (392k derived edges,
 * 339 MiB of WAL) 2 MB, 64 MB and 256 MB caches took the same CPU for the inserts and the commit,
 * and the larger ones 80-175 MB more RSS.
 */
export function openWriter(file) {
  const db = new Database(file, { fileMustExist: true });
  db.pragma("busy_timeout = 10000");
  db.pragma("foreign_keys = ON");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("wal_autocheckpoint = 0");
  return db;
}

/** An error as a thread reports it: SQLite's code, then the message. */
export function describeError(e) {
  return e instanceof Error ? `${e.code ? `${e.code}: ` : ""}${e.message}` : String(e);
}

/**
 * Ends a writer thread: rolls back what is not committed, posts `reply` (when given), then, after a
 * commit (`checkpoint`), checkpoints the WAL (PASSIVE: it never blocks a reader or writer), and
 * closes the connection and the port so that the thread exits. The store's close() waits for it.
 */
export function endThread(port, db, reply, checkpoint) {
  try {
    if (db?.inTransaction) db.exec("ROLLBACK");
  } finally {
    if (reply) port.postMessage(reply);
    try {
      if (checkpoint) db.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // A checkpoint that cannot run now is made by a later commit or at close.
    } finally {
      db?.close();
      port.close();
    }
  }
}
