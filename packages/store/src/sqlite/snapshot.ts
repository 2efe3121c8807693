// GraphStore.snapshot() on SQLite: every node, edge (derived ones of the current generation when
// asked) and finding, streamed from one read transaction.
import type { SnapshotItem, SourceKey } from "@ctem/model";
import type { SqliteHandle } from "./db.js";
import { FINDING_COLS, NODE_COLS, rowToEdge, rowToFinding, rowToNode, toSources } from "./rows.js";
import type { EdgeRow, FindingRow, NodeRow } from "./rows.js";

// eslint-disable-next-line @typescript-eslint/require-await -- an async generator so callers can await between items
export async function* snapshot(h: SqliteHandle, withDerived: boolean): AsyncGenerator<SnapshotItem> {
  // Its own connection and read transaction: one consistent view however long the consumer takes.
  const db = h.openReader();
  // Most rows carry one of a few source lists: each distinct list is parsed once and shared (the
  // items are read-only to consumers), rather than one array of objects per row.
  const sourceLists = new Map<string, SourceKey[]>();
  const sourcesOf = (json: string | null): SourceKey[] => {
    if (!json) return [];
    let hit = sourceLists.get(json);
    if (!hit) sourceLists.set(json, (hit = toSources(json)));
    return hit;
  };
  try {
    db.exec("BEGIN");
    for (const row of db.prepare<[], NodeRow>(`SELECT ${NODE_COLS} FROM nodes n ORDER BY n.id`).iterate())
      yield { t: "node", v: rowToNode(row, sourcesOf) };
    const inventory = `SELECT e.from_id, e.kind, e.to_id, e.props, e.evidence, e.assumptions, e.first_seen, e.last_seen,
        (SELECT json_group_array(json_array(k.source, k.region, k.collector)) FROM edge_claims c JOIN claim_keys k ON k.id = c.key_id WHERE c.edge_id = e.id) AS srcs,
        0 AS derived FROM edges e`;
    const edges = db.prepare<[], EdgeRow>(
      withDerived
        ? `${inventory}
       UNION ALL
       SELECT d.from_id, d.kind, d.to_id, d.props, d.evidence, d.assumptions, d.first_seen, d.last_seen, NULL, 1
       FROM derived_edges d WHERE d.generation = (SELECT value FROM meta WHERE key = 'derived_generation')`
        : inventory,
    );
    for (const row of edges.iterate()) yield { t: "edge", v: rowToEdge(row, sourcesOf) };
    for (const row of db
      .prepare<[], FindingRow>(`SELECT ${FINDING_COLS} FROM findings f ORDER BY f.key`)
      .iterate())
      yield { t: "finding", v: rowToFinding(row) };
    db.exec("COMMIT");
  } finally {
    db.close();
  }
}
