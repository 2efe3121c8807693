// GraphStore.snapshot() on SQLite: every node, edge (derived ones of the current generation when
// asked) and finding, streamed from one read transaction.
import { sourceKeyString } from "@ctem/model";
import type { Edge, Finding, SnapshotItem, SourceKey } from "@ctem/model";
import type { Sqlite, SqliteHandle } from "./db.js";
import { FINDING_COLS, findingSources, rowToFindingWith, rowToNode } from "./rows.js";
import type { FindingRow, NodeRow } from "./rows.js";

/** An edge row as the snapshot's query returns it (column order of that query). */
type EdgeTuple = [
  id: number | null,
  from: string,
  kind: string,
  to: string,
  props: string,
  evidence: string,
  assumptions: string,
  firstSeen: string,
  lastSeen: string,
];

/** JSON texts up to this length are parsed once per snapshot and their value shared. */
const SHARED_MAX_LENGTH = 64;
const SHARED_MAX_ENTRIES = 50_000;

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * Each node's claim key ids, comma-separated, from one pass over node_claims: cheaper than a
 * correlated JSON subquery per row (a third of the snapshot's time at 100k). Edges take theirs
 * beside the edge rows, in id order (below).
 */
function nodeClaimIds(db: Sqlite): Map<string, string> {
  const out = new Map<string, string>();
  for (const [id, key] of db
    .prepare<[], [string, number]>("SELECT node_id, key_id FROM node_claims")
    .raw()
    .iterate()) {
    const prev = out.get(id);
    out.set(id, prev === undefined ? String(key) : `${prev},${key}`);
  }
  return out;
}

// eslint-disable-next-line @typescript-eslint/require-await -- an async generator so callers can await between items
export async function* snapshot(h: SqliteHandle, withDerived: boolean): AsyncGenerator<SnapshotItem> {
  // Its own connection and read transaction: one consistent view however long the consumer takes.
  const db = h.openReader();
  try {
    db.exec("BEGIN");
    // Most rows carry one of a few source lists: each distinct list is built once and shared (the
    // items are read-only to consumers), rather than one array of objects per row.
    const keys = new Map<number, SourceKey>();
    for (const [id, source, region, collector] of db
      .prepare<[], [number, string, string, string]>("SELECT id, source, region, collector FROM claim_keys")
      .raw()
      .iterate())
      keys.set(id, { source, region, collector });
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
    // parsed once and its value shared, frozen so that a consumer writing into it fails loudly.
    const shared = new Map<string, unknown>();
    const parse = (json: string): unknown => {
      if (json.length > SHARED_MAX_LENGTH) return JSON.parse(json);
      let v = shared.get(json);
      if (v === undefined) {
        v = deepFreeze(JSON.parse(json));
        if (shared.size < SHARED_MAX_ENTRIES) shared.set(json, v);
      }
      return v;
    };

    const nodeClaims = nodeClaimIds(db);
    for (const row of db
      .prepare<[], NodeRow>(
        `SELECT id, kind, type, provider, account_id, region, name, tags, props, stub, first_seen, last_seen FROM nodes ORDER BY id`,
      )
      .iterate()) {
      row.srcs = nodeClaims.get(row.id) ?? "";
      yield { t: "node", v: rowToNode(row, sourcesOf, parse) };
    }
    nodeClaims.clear();

    // Inventory edges in id order, beside one pass over their claims in the same order (the claims
    // table's key starts with the edge id): no map of every edge's claims. Then, when asked, the
    // current derived generation (no claims).
    const claims = db
      .prepare<[], [number, number]>("SELECT edge_id, key_id FROM edge_claims ORDER BY edge_id, key_id")
      .raw()
      .iterate();
    let claim = claims.next();
    const claimsOf = (id: number): string | null => {
      while (!claim.done && claim.value[0] < id) claim = claims.next();
      let ids: string | null = null;
      while (!claim.done && claim.value[0] === id) {
        ids = ids === null ? String(claim.value[1]) : `${ids},${claim.value[1]}`;
        claim = claims.next();
      }
      return ids;
    };
    const edge = (t: EdgeTuple, sources: SourceKey[], derived: boolean): Edge => ({
      from: t[1],
      kind: t[2] as Edge["kind"],
      to: t[3],
      props: parse(t[4]) as Edge["props"],
      evidence: parse(t[5]) as Edge["evidence"],
      assumptions: parse(t[6]) as Edge["assumptions"],
      sources,
      derived,
      firstSeen: t[7],
      lastSeen: t[8],
    });
    // Rows as arrays (no object with named keys made per row: 338k edges at 100k assets).
    try {
      for (const t of db
        .prepare<[], EdgeTuple>(
          "SELECT id, from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen FROM edges ORDER BY id",
        )
        .raw()
        .iterate())
        yield { t: "edge", v: edge(t, sourcesOf(claimsOf(t[0]!)), false) };
    } finally {
      claims.return?.();
    }
    if (withDerived)
      for (const t of db
        .prepare<[], EdgeTuple>(
          `SELECT NULL, from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen
           FROM derived_edges WHERE generation = (SELECT value FROM meta WHERE key = 'derived_generation')`,
        )
        .raw()
        .iterate())
        yield { t: "edge", v: edge(t, [], true) };

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
    for (const row of db
      .prepare<[], FindingRow>(`SELECT ${FINDING_COLS} FROM findings f ORDER BY f.key`)
      .iterate())
      yield { t: "finding", v: rowToFindingWith(row, findingSourcesOf) };
    db.exec("COMMIT");
  } finally {
    db.close();
  }
}
