// Writes one generation of derived edges (GraphStore.replaceDerived on SQLite). graph.ts validates
// and serialises the edges on the calling thread, then either writes them itself with
// `derivedWriter` on the store's writer connection (a small generation), or streams them to this
// file run as a worker thread with its own connection to the same file (a large one), so the
// analysing thread does not wait for SQLite. Plain JavaScript on purpose: a worker is started from
// a file, and ctem runs from TypeScript source under tsx, vitest and the bench alike. It needs only
// better-sqlite3.
//
// Rows are flat arrays, ROW_WIDTH values a row: from, kind, to, and the props, evidence and
// assumptions JSON as indexes into a text table (each JSON text is sent and held once however many
// edges share the object it was made from).
//
// Worker protocol. workerData: `{ ctemDerivedWriter: { file, analysisId, previous, now } }`.
// The thread opens its connection and begins the transaction at once (the caller holds the store's
// write lock). Messages in: `{ texts, rows }` (the text table's next entries; rows in input order),
// then `{ end: true }` (write and commit) or `{ abort: true }` (roll back). Out: `{ done: true }`
// once committed, or `{ error }` (after rolling back); then the thread exits (after a commit, once
// it has checkpointed the WAL; the store's close() waits for that).
import { parentPort, workerData } from "node:worker_threads";
import { describeError, endThread, openWriter } from "./writer-thread.mjs";

const ROW_WIDTH = 6;

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The statements of one generation's write on `db`: `begin` (BEGIN IMMEDIATE; drops what an
 * earlier attempt at `analysisId` left and the generations promotion retired), `write` (every row, in input order), `commit` (with the
 * `derived_pending` mark promotion looks for), `rollback`. `previous` is the current generation
 * ("" when none): an edge it holds under the same key keeps its first_seen.
 */
export function derivedWriter(db, analysisId, previous, now) {
  // Generations are found by seeking the primary key from one to the next, and each is dropped by
  // its key range (not `generation <> ?`, which would walk the rows kept as well).
  const generations = db
    .prepare(
      `WITH RECURSIVE g(v) AS (
         SELECT min(generation) FROM derived_edges
         UNION ALL SELECT (SELECT min(generation) FROM derived_edges WHERE generation > g.v) FROM g WHERE g.v IS NOT NULL)
       SELECT v FROM g WHERE v IS NOT NULL`,
    )
    .pluck();
  const pending = db.prepare("SELECT 1 FROM meta WHERE key = ?").pluck();
  const drop = db.prepare("DELETE FROM derived_edges WHERE generation = ?");
  // The carry-over is inside the INSERT (no round trip per edge for the lookup). Without a current
  // generation there is nothing to carry over, and no lookup per edge (at 100k assets, 392k edges:
  // 2.4 s of inserts instead of 2.8-3.2 s).
  const upsert = `ON CONFLICT (generation, from_id, kind, to_id) DO UPDATE SET props = excluded.props,
       evidence = excluded.evidence, assumptions = excluded.assumptions`;
  const columns = "generation, from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen";
  const insert = previous
    ? db.prepare(
        `INSERT INTO derived_edges (${columns})
         VALUES (?, ?, ?, ?, ?, ?, ?,
           COALESCE((SELECT p.first_seen FROM derived_edges p WHERE p.generation = ? AND p.from_id = ? AND p.kind = ? AND p.to_id = ?), ?),
           ?)
         ${upsert}`,
      )
    : db.prepare(`INSERT INTO derived_edges (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ${upsert}`);
  const mark = db.prepare(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  return {
    begin() {
      db.exec("BEGIN IMMEDIATE");
      // Drops what an earlier attempt at this generation left, and the generations promotion
      // retired (neither current nor written and awaiting promotion): promotion leaves them to this
      // write, off the analysis commit (at 100k assets, 392k rows: 1.4-3 s there).
      for (const g of generations.all())
        if (g === analysisId || (g !== previous && !pending.get(`derived_pending:${g}`))) drop.run(g);
    },
    write(rows, texts) {
      // In key order: the rows append to the primary key's b-tree instead of splitting pages all
      // over it. The sort is stable, so of two rows with one key the later is written later and
      // wins (ON CONFLICT), as in input order.
      const order = Array.from({ length: rows.length / ROW_WIDTH }, (_, i) => i * ROW_WIDTH);
      order.sort(
        (a, b) =>
          cmp(rows[a], rows[b]) || cmp(rows[a + 1], rows[b + 1]) || cmp(rows[a + 2], rows[b + 2]) || a - b,
      );
      for (const i of order) {
        const from = rows[i];
        const kind = rows[i + 1];
        const to = rows[i + 2];
        const props = texts[rows[i + 3]];
        const evidence = texts[rows[i + 4]];
        const assumptions = texts[rows[i + 5]];
        if (previous)
          insert.run(
            analysisId,
            from,
            kind,
            to,
            props,
            evidence,
            assumptions,
            previous,
            from,
            kind,
            to,
            now,
            now,
          );
        else insert.run(analysisId, from, kind, to, props, evidence, assumptions, now, now);
      }
    },
    commit() {
      mark.run(`derived_pending:${analysisId}`, now);
      db.exec("COMMIT");
    },
    rollback() {
      if (db.inTransaction) db.exec("ROLLBACK");
    },
  };
}

const job = workerData?.ctemDerivedWriter;
if (job && parentPort) {
  const port = parentPort;
  const texts = [];
  const rows = [];
  // Every string is held once until the write: a message's copies of an id or JSON text already
  // seen become garbage at once (many edges share ids and texts; at 100k this keeps less than half).
  const held = new Map();
  const hold = (v) => {
    if (typeof v !== "string") return v;
    const h = held.get(v);
    if (h !== undefined) return h;
    held.set(v, v);
    return v;
  };
  let db;
  let writer;
  let finished = false;
  /** Ends the thread (writer-thread.mjs): after a commit, once it has checkpointed the WAL. */
  const finish = (reply, checkpoint = false) => {
    finished = true;
    endThread(port, db, reply, checkpoint);
  };
  try {
    db = openWriter(job.file);
    writer = derivedWriter(db, job.analysisId, job.previous, job.now);
    writer.begin();
  } catch (e) {
    finish({ error: describeError(e) });
  }
  port.on("message", (m) => {
    if (finished) return;
    try {
      if (m.abort) return finish(undefined);
      if (m.texts) for (const t of m.texts) texts.push(hold(t));
      if (m.rows) for (const v of m.rows) rows.push(hold(v));
      if (m.end) {
        held.clear();
        writer.write(rows, texts);
        writer.commit();
        finish({ done: true }, true);
      }
    } catch (e) {
      finish({ error: describeError(e) });
    }
  });
}
