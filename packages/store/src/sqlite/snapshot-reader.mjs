// Reads GraphStore.snapshot() on SQLite (snapshot.ts) as chunks of rows that SQLite itself writes as
// JSON text: one string per chunk, which the consuming thread turns back into rows with one
// JSON.parse (far cheaper than stepping the rows into JavaScript values one by one, and a string is
// the one thing a worker thread hands over with a copy of its bytes). A large snapshot is read on a
// worker thread running this file with its own read-only connection, so that the analysing thread
// only parses and builds objects while this one reads the next chunk; a small one is read with
// `snapshotChunks` on the calling thread. Plain JavaScript on purpose, as derived-writer.mjs: a
// worker starts from a file, and ctem runs from TypeScript source under tsx, vitest and the bench.
//
// Chunks, in this order, all from one read transaction (one consistent view):
//   { keys: [[id, source, region, collector], …] }   every claim key
//   { t: "node", json }      nodes by id: [id, kind, type, provider, account_id, region, name,
//                            tags, props, stub, first_seen, last_seen, claim key ids ("3,7") | null]
//   { t: "edge", json }      inventory edges by id: [id, from, kind, to, props, evidence,
//                            assumptions, first_seen, last_seen, claim key ids | null]
//   { t: "derived", json }   (when asked) the current derived generation, as edges with null ids
//                            and no claims
//   With `structure` (snapshot({ edgeDetail: false })) an edge row, inventory or derived, is
//   [from, kind, to, props]: no evidence, assumptions, claims or times to read, write or parse.
//   { t: "finding", json }   findings by key: [key, asset, matched, rule_id, package, kind, doc,
//                            first_seen, last_seen, sources JSON text (as rows.ts FINDING_COLS)]
// An edge's ends and a finding's asset that are nodes come as the node's position in the node
// chunks (0, 1, …): the consumer reuses the node's id string (one string per id, no text to parse
// or look up), found here through a temporary table of the node ids built before the first edge.
// A JSON column (tags, props, evidence, assumptions) comes as its text when it is at most
// SHARED_MAX_LENGTH characters long (the consumer parses those once per snapshot and shares the
// value), else as the JSON value itself; a finding's doc always as its value.
//
// Worker protocol. workerData: `{ ctemSnapshot: { file, derived, rows, ahead, structure } }`. The
// thread opens its connection, begins the transaction and posts the chunks, at most `ahead` of them
// before the consumer has asked for more (`{ more: n }`), then `{ done: true }`; `{ stop: true }`
// has it end early. On failure it posts `{ error }`. Then it closes its connection and exits.
import Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import { lowerThreadPriority } from "./thread-priority.mjs";

/** Must equal snapshot.ts's SHARED_MAX_LENGTH. */
const SHARED_MAX_LENGTH = 64;

/** A JSON column: its text when short (shared by the consumer), else its value. */
const json = (c) => `CASE WHEN length(${c}) <= ${SHARED_MAX_LENGTH} THEN ${c} ELSE json(${c}) END`;

const NODE = `json_array(n.id, n.kind, n.type, n.provider, n.account_id, n.region, n.name, ${json("n.tags")},
  ${json("n.props")}, n.stub, n.first_seen, n.last_seen,
  (SELECT group_concat(c.key_id) FROM node_claims c WHERE c.node_id = n.id))`;
/** A node id as its position in the snapshot's node order when it is a node's, else as itself. */
const nodeRef = (c) => `ifnull((SELECT i - 1 FROM temp.snapshot_nodes WHERE id = ${c}), ${c})`;
const EDGE = (
  e,
  claims,
) => `json_array(${e}.id, ${nodeRef(`${e}.from_id`)}, ${e}.kind, ${nodeRef(`${e}.to_id`)}, ${json(`${e}.props`)},
  ${json(`${e}.evidence`)}, ${json(`${e}.assumptions`)}, ${e}.first_seen, ${e}.last_seen, ${claims})`;
/** An edge's structure alone (snapshot({ edgeDetail: false })). */
const EDGE_STRUCTURE = (e) =>
  `json_array(${nodeRef(`${e}.from_id`)}, ${e}.kind, ${nodeRef(`${e}.to_id`)}, ${json(`${e}.props`)})`;
// The sources as FINDING_COLS (rows.ts) makes them, as text (`|| ''` drops the JSON subtype).
const FINDING = `json_array(f.key, ${nodeRef("f.asset_ref")}, f.matched, f.rule_id, f.package, f.kind, json(f.doc),
  f.first_seen, f.last_seen,
  (SELECT json_group_array(json_array(k.source, k.region, k.collector, s.tool, s.severity, s.vector, s.first_seen, s.last_seen))
     FROM finding_sources s JOIN claim_keys k ON k.id = s.key_id WHERE s.finding_key = f.key) || '')`;

/**
 * Chunks of `rows` rows of a table by its key (one statement execution each): [json, last key].
 * `structure`: edges as their structure alone.
 */
const BY_KEY = {
  node: (rows) =>
    `SELECT json_group_array(${NODE}), max(n.id) FROM (SELECT * FROM nodes WHERE id > ? ORDER BY id LIMIT ${rows}) n`,
  edge: (rows, structure) =>
    `SELECT json_group_array(${structure ? EDGE_STRUCTURE("e") : EDGE("e", "(SELECT group_concat(c.key_id) FROM edge_claims c WHERE c.edge_id = e.id)")}), max(e.id)
     FROM (SELECT * FROM edges WHERE id > ? ORDER BY id LIMIT ${rows}) e`,
  finding: (rows) =>
    `SELECT json_group_array(${FINDING}), max(f.key) FROM (SELECT * FROM findings WHERE key > ? ORDER BY key LIMIT ${rows}) f`,
};
const FIRST_KEY = { node: "", edge: -1, finding: "" };

const DERIVED = (structure) => `SELECT ${structure ? EDGE_STRUCTURE("d") : EDGE("d", "NULL")}
  FROM (SELECT NULL AS id, * FROM derived_edges
  WHERE generation = (SELECT value FROM meta WHERE key = 'derived_generation')) d`;

const TABLE = { node: "nodes", edge: "edges", derived: "derived edges", finding: "findings" };

/** An error as a chunk reports it: what was being read, SQLite's code, the message. */
function describe(e, what) {
  const text = e instanceof Error ? `${e.code ? `${e.code}: ` : ""}${e.message}` : String(e);
  return what ? `reading ${what}: ${text}` : text;
}

function* byKey(db, t, rows, structure) {
  const stmt = db.prepare(BY_KEY[t](rows, structure)).raw();
  let last = FIRST_KEY[t];
  for (;;) {
    const [text, key] = stmt.get(last);
    if (key === null) return;
    yield { t, json: text };
    last = key;
  }
}

function* derived(db, rows, structure) {
  // The generation's own order (its key), as the query gives it: rows joined in chunks here.
  let buf = [];
  for (const row of db.prepare(DERIVED(structure)).pluck().iterate()) {
    buf.push(row);
    if (buf.length === rows) {
      yield { t: "derived", json: `[${buf.join(",")}]` };
      buf = [];
    }
  }
  if (buf.length) yield { t: "derived", json: `[${buf.join(",")}]` };
}

/**
 * The snapshot's chunks from `db` (a read-only connection), in one read transaction: begun at the
 * first chunk, ended when the generator ends or is returned. Errors name the table being read.
 * `structure`: edges as their structure alone (snapshot({ edgeDetail: false })).
 */
export function* snapshotChunks(db, withDerived, rows, structure = false) {
  // Errors of the reading itself (not of the consumer's work between chunks) name what was read.
  const reading = (what, f) => {
    try {
      return f();
    } catch (e) {
      throw new Error(describe(e, what));
    }
  };
  db.pragma("temp_store = MEMORY");
  db.exec("BEGIN");
  try {
    yield {
      keys: reading("claim keys", () =>
        db.prepare("SELECT id, source, region, collector FROM claim_keys").raw().all(),
      ),
    };
    for (const t of ["node", "edge", "derived", "finding"]) {
      if (t === "derived" && !withDerived) continue;
      if (t === "edge")
        reading("nodes", () =>
          // Numbered 1, 2, … in insertion order (rowids of an empty table): cheaper than row_number().
          db.exec(`CREATE TEMP TABLE snapshot_nodes (i INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
            INSERT INTO temp.snapshot_nodes (id) SELECT id FROM nodes ORDER BY id`),
        );
      const chunks = reading(TABLE[t], () =>
        t === "derived" ? derived(db, rows, structure) : byKey(db, t, rows, structure),
      );
      for (;;) {
        const c = reading(TABLE[t], () => chunks.next());
        if (c.done) break;
        yield c.value;
      }
    }
    db.exec("COMMIT");
  } finally {
    try {
      if (db.inTransaction) db.exec("ROLLBACK");
      db.exec("DROP TABLE IF EXISTS temp.snapshot_nodes");
    } catch {
      // The caller closes the connection next.
    }
  }
}

/** The store's file opened read-only, as db.ts opens its readers. */
function openReader(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 10000");
  return db;
}

const job = workerData?.ctemSnapshot;
if (job && parentPort) {
  const port = parentPort;
  let credit = job.ahead;
  let stopped = false;
  let lowered = false;
  let wake;
  port.on("message", (m) => {
    if (m.stop) stopped = true;
    else credit += m.more ?? 0;
    wake?.();
  });
  const run = async () => {
    let db;
    try {
      db = openReader(job.file);
      for (const c of snapshotChunks(db, job.derived, job.rows, job.structure === true)) {
        // A turn of the event loop between chunks takes in the consumer's messages as they come (a
        // stop then ends the reading at once, not after the chunks it may still read ahead).
        await new Promise((r) => setImmediate(r));
        while (credit <= 0 && !stopped) await new Promise((r) => (wake = r));
        if (stopped) break;
        credit--;
        // The findings are taken after derive, which runs meanwhile: derive comes first
        // (thread-priority.mjs). The nodes and edges before them are waited for.
        if (c.t === "finding" && !lowered) {
          lowerThreadPriority();
          lowered = true;
        }
        port.postMessage(c);
      }
      if (!stopped) port.postMessage({ done: true });
    } catch (e) {
      port.postMessage({ error: describe(e) });
    } finally {
      try {
        db?.close();
      } finally {
        port.close();
      }
    }
  };
  void run();
}
