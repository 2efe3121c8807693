// Writes one generation of derived edges (GraphStore.replaceDerived on SQLite). graph.ts validates
// and serialises the edges on the calling thread, then either writes them itself with
// `derivedWriter` on the store's writer connection (a small generation), or streams them to this
// file run as a worker thread with its own connection to the same file (a large one), so the
// analysing thread does not wait for SQLite. Plain JavaScript on purpose: a worker is started from
// a file, and ctem runs from TypeScript source under tsx, vitest and the bench alike. It needs only
// better-sqlite3.
//
// Stored form (migrations 7 and 8): a generation is a row of derived_generations (an integer id for
// its analysis id, and the ranges of derived_names and derived_texts ids holding its names and
// JSON texts). Its names (edge ids and kinds) are numbered in their order (SQLite's BINARY
// collation), so each edge, a row of derived_rows keyed by its from, kind and to numbers, sorts as
// its text would; the row refers to its props, evidence and assumptions texts and to its first_seen
// and last_seen in derived_times. The view derived_edges gives the rows as they were stored before
// (analysis id, names, JSON and times as text).
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
// exits, leaving the WAL's checkpoint to the next writer (see `end` below).
import { parentPort, workerData } from "node:worker_threads";
import { lowerThreadPriority } from "./thread-priority.mjs";
import { describeError, endThread, openWriter } from "./writer-thread.mjs";

const ROW_WIDTH = 6;

const TEXT_SEPARATOR = "\u0001";

const HIGH_UNITS = /[\ud800-\uffff]/;

/**
 * SQLite's BINARY order (UTF-8 bytes, that is code points) of two strings. JavaScript's `<` compares
 * UTF-16 units, which puts a code point past U+FFFF (a surrogate pair) before U+E000-U+FFFF.
 */
function binaryCompare(a, b) {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
      if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * The statements of one generation's write on `db`: `begin` (BEGIN IMMEDIATE; drops what an
 * earlier attempt at `analysisId` left and the generations promotion retired), `add` (a chunk:
 * its texts written now, its rows kept), `commit` (the rows, in key order, then the
 * `derived_pending` mark promotion looks for), `rollback`. `previous` is the current generation
 * ("" when none): an edge it holds under the same key keeps its first_seen.
 */
export function derivedWriter(db, analysisId, previous, now) {
  const generations = db.prepare(
    "SELECT id, analysis_id, names_from, names_to, texts_from, texts_to FROM derived_generations",
  );
  const pending = db.prepare("SELECT 1 FROM meta WHERE key = ?").pluck();
  // A generation is dropped by its key ranges: its rows (keyed by its names), names and texts, then itself.
  const dropRows = db.prepare("DELETE FROM derived_rows WHERE from_id >= ? AND from_id < ?");
  const dropNames = db.prepare("DELETE FROM derived_names WHERE id >= ? AND id < ?");
  const dropTexts = db.prepare("DELETE FROM derived_texts WHERE id >= ? AND id < ?");
  const dropGeneration = db.prepare("DELETE FROM derived_generations WHERE id = ?");
  const addTime = db.prepare("INSERT INTO derived_times (at) VALUES (?) ON CONFLICT (at) DO NOTHING");
  const timeId = db.prepare("SELECT id FROM derived_times WHERE at = ?").pluck();
  const generationOf = db
    .prepare("SELECT names_from, names_to FROM derived_generations WHERE analysis_id = ?")
    .raw();
  const addGeneration = db
    .prepare(
      `INSERT INTO derived_generations (analysis_id, names_from, names_to, texts_from, texts_to)
       SELECT ?, n.next, n.next, t.next, t.next
       FROM (SELECT coalesce(max(id), 0) + 1 AS next FROM derived_names) n, (SELECT coalesce(max(id), 0) + 1 AS next FROM derived_texts) t
       RETURNING id, names_from, texts_from`,
    )
    .raw();
  const setRanges = db.prepare("UPDATE derived_generations SET names_to = ?, texts_to = ? WHERE id = ?");
  const addName = db.prepare("INSERT INTO derived_names (id, generation, name) VALUES (?, ?, ?)");
  const addText = db.prepare("INSERT INTO derived_texts (id, text) VALUES (?, ?)");
  const mark = db.prepare(
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  );
  // Of two rows with one key the later wins (input order).
  const insert = db.prepare(
    `INSERT INTO derived_rows (from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (from_id, kind, to_id) DO UPDATE SET props = excluded.props, evidence = excluded.evidence,
       assumptions = excluded.assumptions, first_seen = excluded.first_seen`,
  );
  const previousNames = db.prepare("SELECT id, name FROM derived_names WHERE id >= ? AND id < ?").raw();
  const previousRows = db
    .prepare(
      "SELECT from_id, kind, to_id, first_seen FROM derived_rows WHERE from_id >= ? AND from_id < ? ORDER BY from_id, kind, to_id",
    )
    .raw();
  let generation = 0;
  let nameBase = 0;
  let textBase = 0;
  let textCount = 0;
  let nameCount = 0;
  let nowId = 0;
  /** The current generation's names range, when there is one. */
  let previousRange;
  /** The name table, and the rows' chunks until the commit. */
  const names = [];
  const rows = [];

  /**
   * Each row's first_seen (`order`: the rows in key order): the current generation's for a key it
   * holds, else now. Its names are mapped to this generation's numbers (which keep their order), and
   * its rows (numbers only) read once in key order and merged with this generation's.
   */
  function carryOver(all, rank, order) {
    const firstSeen = new Array(all.length / ROW_WIDTH).fill(nowId);
    if (!previousRange) return firstSeen;
    const [from, to] = previousRange;
    const index = new Map();
    for (let i = 0; i < names.length; i++) index.set(names[i].toWellFormed(), rank[i]);
    /** This generation's number of each of the previous generation's names (-1: none). */
    const mapped = new Int32Array(to - from).fill(-1);
    for (const [id, name] of previousNames.iterate(from, to)) mapped[id - from] = index.get(name) ?? -1;
    let p = 0;
    for (const [f, k, t, seen] of previousRows.iterate(from, to)) {
      const mf = mapped[f - from];
      const mk = mapped[k - from];
      const mt = mapped[t - from];
      if (mf < 0 || mk < 0 || mt < 0) continue;
      // This generation's rows with a lower key are passed; those with this key (every one of
      // duplicates) carry its first_seen. Previous keys are distinct and ascending.
      const at = (i) => rank[all[i]] - mf || rank[all[i + 1]] - mk || rank[all[i + 2]] - mt;
      while (p < order.length && at(order[p]) < 0) p++;
      for (let q = p; q < order.length && at(order[q]) === 0; q++) firstSeen[order[q] / ROW_WIDTH] = seen;
    }
    return firstSeen;
  }

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
          dropRows.run(g.names_from, g.names_to);
          dropNames.run(g.names_from, g.names_to);
          dropTexts.run(g.texts_from, g.texts_to);
          dropGeneration.run(g.id);
        }
      addTime.run(now);
      nowId = timeId.get(now);
      previousRange = previous ? generationOf.get(previous) : undefined;
      [generation, nameBase, textBase] = addGeneration.get(analysisId);
    },
    add(chunk) {
      for (const t of chunk.texts) addText.run(textBase + textCount++, t);
      for (const n of chunk.names) names.push(n);
      rows.push(chunk.rows);
    },
    commit() {
      // Names are numbered in SQLite's order of their text, and rows written in key order: both
      // append to their b-trees instead of splitting pages all over them. The sort is stable, so of
      // two rows with one key the later is written later and wins (ON CONFLICT), as in input order.
      // A name is stored as SQLite keeps its text: a lone surrogate becomes U+FFFD, so two names may
      // be one (their rows one key, as before migration 8). Without units from U+D800 up, `<` gives
      // SQLite's order, faster.
      const high = names.some((n) => HIGH_UNITS.test(n));
      const text = high ? names.map((n) => n.toWellFormed()) : names;
      const compare = high ? binaryCompare : (a, b) => (a < b ? -1 : a > b ? 1 : 0);
      const rank = new Int32Array(names.length);
      let count = 0;
      let last;
      for (const i of names.map((_, i) => i).sort((a, b) => compare(text[a], text[b]))) {
        if (count === 0 || text[i] !== last) addName.run(nameBase + count++, generation, (last = text[i]));
        rank[i] = count - 1;
      }
      nameCount = count;
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
      const firstSeen = carryOver(all, rank, order);
      const base = textBase;
      for (const i of order)
        insert.run(
          nameBase + rank[all[i]],
          nameBase + rank[all[i + 1]],
          nameBase + rank[all[i + 2]],
          base + all[i + 3],
          base + all[i + 4],
          base + all[i + 5],
          firstSeen[i / ROW_WIDTH],
          nowId,
        );
      setRanges.run(nameBase + nameCount, textBase + textCount, generation);
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
  /** Ends the thread (writer-thread.mjs). */
  const finish = (reply) => {
    finished = true;
    endThread(port, db, reply, false);
  };
  // The analysis awaits this write only before its AppStore commit: the search, scoring and fix
  // plan it runs beside come first (thread-priority.mjs).
  lowerThreadPriority();
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
        // No WAL checkpoint here: in an analysis the AppStore commit follows, and its writer
        // thread checkpoints after it, once the analysis has its result (one copy of both writes
        // into the database file, after the timed work). At 100k assets, three back-to-back pairs:
        // whole analysis 9.65/9.91/9.82 s with this checkpoint (it copied the generation's pages
        // beside the search, fix plan and AppStore commit), 9.24/9.72/9.49 s without. Outside an
        // analysis the store connection's automatic checkpoint at its next commit, or the close,
        // copies them.
        finish({ done: true });
      }
    } catch (e) {
      finish({ error: describeError(e) });
    }
  });
}
