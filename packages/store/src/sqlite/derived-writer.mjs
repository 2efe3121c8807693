// Writes one generation of derived edges (GraphStore.replaceDerived on SQLite). graph.ts validates
// and serialises the edges on the calling thread, then either writes them itself with
// `derivedWriter` on the store's writer connection (a small generation), or streams them to this
// file run as a worker thread with its own connection to the same file (a large one), so the
// analysing thread does not wait for SQLite. Plain JavaScript on purpose: a worker is started from
// a file, and ctem runs from TypeScript source under tsx, vitest and the bench alike. It needs only
// better-sqlite3.
//
// Stored form (migration 7): a generation is a row of derived_generations (an integer id for its
// analysis id, and the range of derived_texts ids holding its JSON texts); each edge a row of
// derived_rows referring to its generation, to its props, evidence and assumptions texts and to its
// first_seen and last_seen in derived_times. The view derived_edges gives the rows as they were
// stored before (analysis id, JSON and times as text).
//
// The generation comes in chunks (derived-writer.d.mts, DerivedChunk): the next entries of a text
// table (each props, evidence and assumptions JSON text once, in the order made; the engine shares
// these objects between edges) and of a name table (each edge id and kind once), and rows as an
// Int32Array of ROW_WIDTH values a row: from, kind and to as indexes in the name table, props,
// evidence and assumptions as indexes in the text table. Texts are written as they come (they
// append to derived_texts); rows wait for the commit, to be written in key order.
//
// Worker protocol. workerData: `{ ctemDerivedWriter: { file, analysisId, previous, now } }`.
// The thread opens its connection and begins the transaction at once (the caller holds the store's
// write lock). Messages in: `{ texts, names, rows }` (a chunk, its texts joined by U+0001 in one
// string: JSON.stringify never leaves a control character unescaped; a string is passed as it is,
// where 175k strings cloned one by one took 0.36 s to read at 100k assets, and the rows as numbers
// need no string made at all), then `{ end: true }` (write and commit) or `{ abort: true }` (roll
// back). Out: `{ done: true }` once committed, or `{ error }` (after rolling back); then the thread
// exits (after a commit, once it has checkpointed the WAL; the store's close() waits for that).
import { parentPort, workerData } from "node:worker_threads";
import { describeError, endThread, openWriter } from "./writer-thread.mjs";

const ROW_WIDTH = 6;

const NEW_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
const CARRY_VALUES = `(?, ?, ?, ?, ?, ?, ?,
  COALESCE((SELECT p.first_seen FROM derived_rows p WHERE p.generation = ? AND p.from_id = ? AND p.kind = ? AND p.to_id = ?), ?), ?)`;

const TEXT_SEPARATOR = "\u0001";

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The statements of one generation's write on `db`: `begin` (BEGIN IMMEDIATE; drops what an
 * earlier attempt at `analysisId` left and the generations promotion retired), `add` (a chunk:
 * its texts written now, its rows kept), `commit` (the rows, in key order, then the
 * `derived_pending` mark promotion looks for), `rollback`. `previous` is the current generation
 * ("" when none): an edge it holds under the same key keeps its first_seen.
 */
export function derivedWriter(db, analysisId, previous, now) {
  const generations = db.prepare("SELECT id, analysis_id, texts_from, texts_to FROM derived_generations");
  const pending = db.prepare("SELECT 1 FROM meta WHERE key = ?").pluck();
  // A generation is dropped by its key ranges: its rows, its texts, then itself.
  const dropRows = db.prepare("DELETE FROM derived_rows WHERE generation = ?");
  const dropTexts = db.prepare("DELETE FROM derived_texts WHERE id >= ? AND id < ?");
  const dropGeneration = db.prepare("DELETE FROM derived_generations WHERE id = ?");
  const addTime = db.prepare("INSERT INTO derived_times (at) VALUES (?) ON CONFLICT (at) DO NOTHING");
  const timeId = db.prepare("SELECT id FROM derived_times WHERE at = ?").pluck();
  const generationId = db.prepare("SELECT id FROM derived_generations WHERE analysis_id = ?").pluck();
  const addGeneration = db
    .prepare(
      `INSERT INTO derived_generations (analysis_id, texts_from, texts_to)
       SELECT ?, coalesce(max(id), 0) + 1, coalesce(max(id), 0) + 1 FROM derived_texts RETURNING id, texts_from`,
    )
    .raw();
  const setTexts = db.prepare("UPDATE derived_generations SET texts_to = ? WHERE id = ?");
  const addText = db.prepare("INSERT INTO derived_texts (id, text) VALUES (?, ?)");
  const mark = db.prepare(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  // Of two rows with one key the later wins (input order).
  const upsert = `ON CONFLICT (generation, from_id, kind, to_id) DO UPDATE SET props = excluded.props,
       evidence = excluded.evidence, assumptions = excluded.assumptions`;
  const columns = "generation, from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen";
  let generation = 0;
  let textBase = 0;
  let textCount = 0;
  let nowId = 0;
  let previousId;
  let insert;
  /** The name table, and the rows' chunks until the commit. */
  const names = [];
  const rows = [];
  return {
    begin() {
      db.exec("BEGIN IMMEDIATE");
      // Drops what an earlier attempt at this generation left, and the generations promotion
      // retired (neither current nor written and awaiting promotion): promotion leaves them to this
      // write, off the analysis commit (at 100k assets, 392k rows: 1.4-3 s there).
      for (const g of generations.all())
        if (
          g.analysis_id === analysisId ||
          (g.analysis_id !== previous && !pending.get(`derived_pending:${g.analysis_id}`))
        ) {
          dropRows.run(g.id);
          dropTexts.run(g.texts_from, g.texts_to);
          dropGeneration.run(g.id);
        }
      addTime.run(now);
      nowId = timeId.get(now);
      previousId = previous ? generationId.get(previous) : undefined;
      [generation, textBase] = addGeneration.get(analysisId);
      // The carry-over is inside the INSERT (no round trip per edge for the lookup). Without a
      // current generation there is nothing to carry over, and no lookup per edge.
      insert = db.prepare(
        `INSERT INTO derived_rows (${columns}) VALUES ${previousId !== undefined ? CARRY_VALUES : NEW_VALUES} ${upsert}`,
      );
    },
    add(chunk) {
      for (const t of chunk.texts) addText.run(textBase + textCount++, t);
      for (const n of chunk.names) names.push(n);
      rows.push(chunk.rows);
    },
    commit() {
      // In key order: the rows append to the primary key's b-tree instead of splitting pages all
      // over it. Names are ranked once (string order), rows sorted by rank; the sort is stable, so
      // of two rows with one key the later is written later and wins (ON CONFLICT), as in input order.
      const rank = new Int32Array(names.length);
      names
        .map((_, i) => i)
        .sort((a, b) => cmp(names[a], names[b]))
        .forEach((n, r) => (rank[n] = r));
      let total = 0;
      for (const c of rows) total += c.length;
      const all = new Int32Array(total);
      total = 0;
      for (const c of rows) {
        all.set(c, total);
        total += c.length;
      }
      rows.length = 0;
      const order = Array.from({ length: all.length / ROW_WIDTH }, (_, i) => i * ROW_WIDTH);
      order.sort(
        (a, b) =>
          rank[all[a]] - rank[all[b]] ||
          rank[all[a + 1]] - rank[all[b + 1]] ||
          rank[all[a + 2]] - rank[all[b + 2]] ||
          a - b,
      );
      const g = generation;
      const base = textBase;
      for (const i of order) {
        const from = names[all[i]];
        const kind = names[all[i + 1]];
        const to = names[all[i + 2]];
        const props = base + all[i + 3];
        const evidence = base + all[i + 4];
        const assumptions = base + all[i + 5];
        if (previousId !== undefined)
          insert.run(
            g,
            from,
            kind,
            to,
            props,
            evidence,
            assumptions,
            previousId,
            from,
            kind,
            to,
            nowId,
            nowId,
          );
        else insert.run(g, from, kind, to, props, evidence, assumptions, nowId, nowId);
      }
      setTexts.run(textBase + textCount, generation);
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
      if (m.rows)
        writer.add({
          texts: m.texts === "" ? [] : m.texts.split(TEXT_SEPARATOR),
          names: m.names,
          rows: m.rows,
        });
      if (m.end) {
        writer.commit();
        finish({ done: true }, true);
      }
    } catch (e) {
      finish({ error: describeError(e) });
    }
  });
}
