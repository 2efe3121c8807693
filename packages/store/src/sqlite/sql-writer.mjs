// Runs one write transaction's statements on a worker thread with its own connection to the store's
// file (SQLite AppStore.commitAnalysis of a large analysis, sqlite/write-sink.ts): the analysing
// thread turns issues into rows while this thread writes the rows already made. Plain JavaScript on
// purpose, as derived-writer.mjs: a worker starts from a file, and ctem runs from TypeScript source
// under tsx, vitest and the bench alike.
//
// Protocol. workerData: `{ ctemSqlWriter: { file } }`. The thread opens its connection and begins
// the transaction (BEGIN IMMEDIATE) at once, then says `{ began: true }`. Messages in:
// `{ sql, nums, n, tags, strings }`: statements to prepare (appended to its table), then executions,
// run in order as they come (write-sink.ts ThreadSink): `nums` (its first `n` entries) holds per execution the statement index,
// the parameter count, then per parameter its number (0 for any other kind);
// `tags` each parameter's kind (0 null, 1 number, 2 string, 3 bigint as text, 4 undefined);
// `strings` the string parameters (and bigints' texts), in order. `{ end: true }`
// (commit) or `{ abort: true }` (roll back). Out: `{ done: true }` once committed, or `{ error }`
// (after rolling back). After `done` the thread checkpoints the WAL (PASSIVE: it never blocks a
// reader or writer) before it exits, so the commit itself does not wait for the copy into the
// database file; the store's close() waits for the thread.
import { parentPort, workerData } from "node:worker_threads";
import { describeError, endThread, openWriter } from "./writer-thread.mjs";

const job = workerData?.ctemSqlWriter;
if (job && parentPort) {
  const port = parentPort;
  const statements = [];
  const sqlOf = [];
  let db;
  let finished = false;
  const describe = (e, at) =>
    `${describeError(e)}${at === undefined ? "" : ` (writing: ${sqlOf[at].replace(/\s+/g, " ").slice(0, 80)})`}`;
  /** Ends the thread (writer-thread.mjs): after a commit, once it has checkpointed the WAL. */
  const finish = (reply, checkpoint) => {
    finished = true;
    endThread(port, db, reply, checkpoint);
  };
  try {
    db = openWriter(job.file);
    db.exec("BEGIN IMMEDIATE");
    port.postMessage({ began: true });
  } catch (e) {
    finish({ error: describe(e) }, false);
  }
  port.on("message", (m) => {
    if (finished) return;
    let at;
    try {
      if (m.abort) return finish(undefined, false);
      if (m.sql)
        for (const sql of m.sql) {
          sqlOf.push(sql);
          statements.push(db.prepare(sql));
        }
      const { nums, n, tags, strings } = m;
      if (nums) {
        let t = 0;
        let si = 0;
        for (let i = 0; i < n;) {
          at = nums[i++];
          const params = new Array(nums[i++]);
          for (let j = 0; j < params.length; j++) {
            const tag = tags[t++];
            const v = nums[i++];
            params[j] =
              tag === 1
                ? v
                : tag === 2
                  ? strings[si++]
                  : tag === 0
                    ? null
                    : tag === 3
                      ? BigInt(strings[si++])
                      : undefined;
          }
          statements[at].run(...params);
        }
        at = undefined;
      }
      if (m.end) {
        db.exec("COMMIT");
        finish({ done: true }, true);
      }
    } catch (e) {
      finish({ error: describe(e, at) }, false);
    }
  });
}
