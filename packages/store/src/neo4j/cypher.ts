// Every Cypher statement the Neo4j adapter can send, each a fixed string. Values travel only as
// parameters; labels and relationship types that vary (node kind, edge kind) use Cypher's dynamic
// `$(…)` syntax (Neo4j 5.26+) with a parameter, never string building. The lint test runs
// `lintCypherQuery` on every entry of CYPHER and fails when a statement string in src/neo4j is not
// one of them; eslint.neo4j.js forbids building Cypher from strings.
//
// Graph model (docs/neo4j.md): `(:Asset:<Kind> {id, …})` nodes, one relationship per edge typed by
// its kind (`derived: false` for inventory, `derived: true, generation` for attack edges),
// `(:Finding)-[:AFFECTS]->(:Asset)`. Bookkeeping lives in labels prefixed `Ctem`: one `CtemClaim`
// per (item, SourceKey[, tool]), `CtemLookup` keys for the finding matcher, `CtemMeta` values and
// `CtemStagedBatch` payloads of a scan being written.

/** A statement from this module; `Tx.run` accepts nothing else. */
export type Cypher = string & { readonly __cypher: true };

const q = (s: string): Cypher => s as Cypher;

// --- schema -------------------------------------------------------------------------------------

export const SCHEMA_ASSET_ID = q(
  "CREATE CONSTRAINT ctem_asset_id IF NOT EXISTS FOR (n:Asset) REQUIRE n.id IS UNIQUE",
);
export const SCHEMA_FINDING_KEY = q(
  "CREATE CONSTRAINT ctem_finding_key IF NOT EXISTS FOR (f:Finding) REQUIRE f.key IS UNIQUE",
);
export const SCHEMA_CLAIM_CID = q(
  "CREATE CONSTRAINT ctem_claim_cid IF NOT EXISTS FOR (c:CtemClaim) REQUIRE c.cid IS UNIQUE",
);
export const SCHEMA_LOOKUP_LK = q(
  "CREATE CONSTRAINT ctem_lookup_lk IF NOT EXISTS FOR (l:CtemLookup) REQUIRE l.lk IS UNIQUE",
);
export const SCHEMA_META_KEY = q(
  "CREATE CONSTRAINT ctem_meta_key IF NOT EXISTS FOR (m:CtemMeta) REQUIRE m.key IS UNIQUE",
);
export const SCHEMA_CLAIM_KEY_RUN = q(
  "CREATE INDEX ctem_claim_key_run IF NOT EXISTS FOR (c:CtemClaim) ON (c.key, c.run)",
);
export const SCHEMA_CLAIM_SOURCE = q(
  "CREATE INDEX ctem_claim_source IF NOT EXISTS FOR (c:CtemClaim) ON (c.source)",
);
export const SCHEMA_CLAIM_ITEM = q(
  "CREATE INDEX ctem_claim_item IF NOT EXISTS FOR (c:CtemClaim) ON (c.item)",
);
export const SCHEMA_LOOKUP_KEY = q(
  "CREATE INDEX ctem_lookup_key IF NOT EXISTS FOR (l:CtemLookup) ON (l.lookup)",
);
export const SCHEMA_LOOKUP_NODE = q(
  "CREATE INDEX ctem_lookup_node IF NOT EXISTS FOR (l:CtemLookup) ON (l.nodeId)",
);
export const SCHEMA_FINDING_MATCHED = q(
  "CREATE INDEX ctem_finding_matched IF NOT EXISTS FOR (f:Finding) ON (f.matched, f.key)",
);
export const SCHEMA_FINDING_RULE = q(
  "CREATE INDEX ctem_finding_rule IF NOT EXISTS FOR (f:Finding) ON (f.ruleId)",
);
export const SCHEMA_FINDING_ASSET = q(
  "CREATE INDEX ctem_finding_asset IF NOT EXISTS FOR (f:Finding) ON (f.assetRef)",
);
export const SCHEMA_STAGED_RUN = q(
  "CREATE INDEX ctem_staged_run IF NOT EXISTS FOR (b:CtemStagedBatch) ON (b.run, b.seq)",
);
export const SCHEMA_ASSET_KIND = q("CREATE INDEX ctem_asset_kind IF NOT EXISTS FOR (n:Asset) ON (n.kind)");
export const SCHEMA_ASSET_TYPE = q("CREATE INDEX ctem_asset_type IF NOT EXISTS FOR (n:Asset) ON (n.type)");

/** In order; run once when the store opens (each is idempotent). */
export const SCHEMA_STATEMENTS: readonly Cypher[] = [
  SCHEMA_ASSET_ID,
  SCHEMA_FINDING_KEY,
  SCHEMA_CLAIM_CID,
  SCHEMA_LOOKUP_LK,
  SCHEMA_META_KEY,
  SCHEMA_CLAIM_KEY_RUN,
  SCHEMA_CLAIM_SOURCE,
  SCHEMA_CLAIM_ITEM,
  SCHEMA_LOOKUP_KEY,
  SCHEMA_LOOKUP_NODE,
  SCHEMA_FINDING_MATCHED,
  SCHEMA_FINDING_RULE,
  SCHEMA_FINDING_ASSET,
  SCHEMA_STAGED_RUN,
  SCHEMA_ASSET_KIND,
  SCHEMA_ASSET_TYPE,
];

// --- staging (a scan's validated batches, written before anything of the scan is applied) -------

export const STAGE_PUT = q("CREATE (b:CtemStagedBatch {run: $run, seq: $seq, at: $at, payload: $payload})");
export const STAGE_GET = q("MATCH (b:CtemStagedBatch {run: $run, seq: $seq}) RETURN b.payload AS payload");
/** Auto-commit: deletes one run's staged batches, in small transactions. */
export const STAGE_DROP = q(
  `MATCH (b:CtemStagedBatch {run: $run})
   CALL (b) { DELETE b } IN TRANSACTIONS OF 100 ROWS`,
);
/** Auto-commit: staged batches a crashed process left behind (older than $before). */
export const STAGE_DROP_OLDER = q(
  `MATCH (b:CtemStagedBatch)
   WHERE b.at < $before
   CALL (b) { DELETE b } IN TRANSACTIONS OF 100 ROWS`,
);

// --- claims -------------------------------------------------------------------------------------

/** Upserts claims; firstSeen keeps the earliest, lastSeen the latest (a rekey may merge two). */
export const CLAIM_UPSERT = q(
  `UNWIND $claims AS c
   MERGE (x:CtemClaim {cid: c.cid})
   WITH x, c,
     CASE WHEN x.firstSeen IS NULL OR c.firstSeen < x.firstSeen THEN c.firstSeen ELSE x.firstSeen END AS firstSeen,
     CASE WHEN x.lastSeen IS NULL OR c.lastSeen > x.lastSeen THEN c.lastSeen ELSE x.lastSeen END AS lastSeen
   SET x = c
   SET x.firstSeen = firstSeen, x.lastSeen = lastSeen`,
);
export const CLAIMS_OF_ITEMS = q(
  `UNWIND $items AS item
   OPTIONAL MATCH (c:CtemClaim {item: item})
   RETURN item, collect(c {.*}) AS claims`,
);
export const CLAIMS_DELETE = q(
  `UNWIND $cids AS cid
   MATCH (c:CtemClaim {cid: cid})
   DELETE c`,
);
/** Takes (deletes) up to $limit claims of one collector not renewed by run $run. */
export const CLAIMS_TAKE_STALE = q(
  `MATCH (c:CtemClaim {key: $key})
   WHERE c.run <> $run
   WITH c, c.item AS item
   LIMIT $limit
   DELETE c
   RETURN item`,
);
/** Takes (deletes) up to $limit claims of one source. */
export const CLAIMS_TAKE_SOURCE = q(
  `MATCH (c:CtemClaim {source: $source})
   WITH c, c.item AS item
   LIMIT $limit
   DELETE c
   RETURN item`,
);

// --- nodes --------------------------------------------------------------------------------------

/** The state settling a node needs: what it is now and what still points at it. */
export const NODES_STATE = q(
  `UNWIND $rows AS row
   MATCH (n:Asset {id: row.id})
   RETURN row.id AS id, n.kind AS kind, n.provider AS provider, n.stub AS stub, n:DerivedEndpoint AS hidden,
     n.firstSeen AS firstSeen, n.lastSeen AS lastSeen,
     COUNT { (n)-[r]-() WHERE r.derived = false } AS inventoryEdges,
     COUNT { (n)-[r]-() WHERE r.derived = true } AS derivedEdges,
     CASE WHEN row.cveRule IS NULL THEN false
       ELSE EXISTS { MATCH (f:Finding {ruleId: row.cveRule}) } END AS cveReferenced`,
);
/** Writes whole node rows: every property replaced, kind labels swapped. */
export const NODE_WRITE = q(
  `UNWIND $rows AS row
   MERGE (n:Asset {id: row.id})
   SET n = row.props
   REMOVE n:$(row.dropLabels)
   SET n:$(row.labels)`,
);
/** Creates stubs for edge endpoints no Asset (or only a hidden derived endpoint) stands for. */
export const STUB_ENSURE = q(
  `UNWIND $rows AS row
   OPTIONAL MATCH (n:Asset {id: row.id})
   WITH row, n
   WHERE n IS NULL OR n:DerivedEndpoint
   MERGE (m:Asset {id: row.id})
   SET m = row.props
   REMOVE m:$(row.dropLabels)
   SET m:$(row.labels)
   RETURN row.id AS id`,
);
export const NODE_DELETE = q(
  `UNWIND $ids AS id
   MATCH (n:Asset {id: id})
   DETACH DELETE n`,
);
export const LOOKUP_DELETE_FOR_NODES = q(
  `UNWIND $ids AS id
   MATCH (l:CtemLookup {nodeId: id})
   DELETE l`,
);
export const LOOKUP_UPSERT = q(
  `UNWIND $rows AS row
   MERGE (l:CtemLookup {lk: row.lk})
   SET l.lookup = row.lookup, l.nodeId = row.nodeId`,
);
export const LOOKUP_FIND = q(
  `UNWIND $keys AS k
   MATCH (l:CtemLookup {lookup: k})
   RETURN k AS lookup, collect(DISTINCT l.nodeId) AS nodeIds`,
);

// --- inventory edges ----------------------------------------------------------------------------

export const EDGE_UPSERT = q(
  `UNWIND $rows AS row
   MATCH (a:Asset {id: row.from})
   MATCH (b:Asset {id: row.to})
   MERGE (a)-[r:$(row.kind) {derived: false}]->(b)
   WITH r, row,
     coalesce(r.firstSeen, row.seen) AS firstSeen,
     CASE WHEN r.lastSeen IS NOT NULL AND r.lastSeen > row.seen THEN r.lastSeen ELSE row.seen END AS lastSeen
   SET r = row.props
   SET r.firstSeen = firstSeen, r.lastSeen = lastSeen`,
);
export const EDGE_SOURCES_SET = q(
  `UNWIND $rows AS row
   MATCH (a:Asset {id: row.from})-[r {derived: false}]->(b:Asset {id: row.to})
   WHERE type(r) = row.kind
   SET r.sources = row.sources, r.sourceNames = row.sourceNames`,
);
export const EDGE_DELETE = q(
  `UNWIND $rows AS row
   MATCH (a:Asset {id: row.from})-[r {derived: false}]->(b:Asset {id: row.to})
   WHERE type(r) = row.kind
   DELETE r
   RETURN count(*) AS deleted`,
);

// --- findings -----------------------------------------------------------------------------------

export const FINDINGS_BY_KEYS = q(
  `UNWIND $keys AS key
   MATCH (f:Finding {key: key})
   RETURN f {.*} AS f`,
);
/** Writes whole finding rows and points AFFECTS at the matched asset (none when unmatched). */
export const FINDING_UPSERT = q(
  `UNWIND $rows AS row
   MERGE (f:Finding {key: row.key})
   WITH f, row,
     CASE WHEN f.firstSeen IS NULL OR row.firstSeen < f.firstSeen THEN row.firstSeen ELSE f.firstSeen END AS firstSeen,
     CASE WHEN f.lastSeen IS NULL OR row.lastSeen > f.lastSeen THEN row.lastSeen ELSE f.lastSeen END AS lastSeen
   SET f = row.props
   SET f.firstSeen = firstSeen, f.lastSeen = lastSeen
   WITH f, row
   CALL (f) {
     OPTIONAL MATCH (f)-[old:AFFECTS]->()
     DELETE old
   }
   CALL (f, row) {
     MATCH (a:Asset {id: row.props.assetRef})
     WHERE row.props.matched
     MERGE (f)-[:AFFECTS]->(a)
   }`,
);
export const FINDING_SOURCES_SET = q(
  `UNWIND $rows AS row
   MATCH (f:Finding {key: row.key})
   SET f.sourcesJson = row.sourcesJson, f.tools = row.tools, f.sourceNames = row.sourceNames,
     f.severity = row.severity`,
);
export const FINDING_DELETE = q(
  `UNWIND $keys AS key
   MATCH (f:Finding {key: key})
   DETACH DELETE f
   RETURN count(*) AS deleted`,
);
/** Matched findings whose asset is gone (or only a hidden derived endpoint). */
export const FINDINGS_ORPHANED = q(
  `MATCH (f:Finding)
   WHERE f.matched = true AND NOT EXISTS { MATCH (a:Asset {id: f.assetRef}) WHERE NOT a:DerivedEndpoint }
   RETURN f {.*} AS f
   LIMIT $limit`,
);
export const FINDINGS_UNMATCHED_PAGE = q(
  `MATCH (f:Finding)
   WHERE f.matched = false AND f.key > $after
   RETURN f {.*} AS f
   ORDER BY f.key
   LIMIT $limit`,
);

// --- derived generations ------------------------------------------------------------------------

export const META_GET = q("OPTIONAL MATCH (m:CtemMeta {key: $key}) RETURN m.value AS value");
export const META_SET = q("MERGE (m:CtemMeta {key: $key}) SET m.value = $value");
export const META_DELETE = q("MATCH (m:CtemMeta {key: $key}) DELETE m");
export const META_DELETE_PENDING = q(
  `MATCH (m:CtemMeta)
   WHERE m.key STARTS WITH 'derived_pending:'
   DELETE m`,
);
/** Derived edges may point at ids no scan describes (the internet): they get a hidden Asset. */
export const DERIVED_ENDPOINTS = q(
  `UNWIND $rows AS row
   MERGE (n:Asset {id: row.id})
   ON CREATE SET n = row.props, n:$(row.labels)`,
);
export const DERIVED_UPSERT = q(
  `UNWIND $rows AS row
   MATCH (a:Asset {id: row.from})
   MATCH (b:Asset {id: row.to})
   OPTIONAL MATCH (a)-[p {derived: true, generation: $current}]->(b)
   WHERE type(p) = row.kind
   WITH a, b, row, min(p.firstSeen) AS previous
   MERGE (a)-[r:$(row.kind) {derived: true, generation: row.props.generation}]->(b)
   SET r = row.props
   SET r.firstSeen = coalesce(previous, row.props.lastSeen)`,
);
/** Auto-commit: drops the derived edges of generation $generation, in small transactions. */
export const DERIVED_DROP_GENERATION = q(
  `MATCH ()-[r]->()
   WHERE r.derived = true AND r.generation = $generation
   CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS`,
);
/** Auto-commit: drops every derived edge not of generation $generation, in small transactions. */
export const DERIVED_DROP_OTHERS = q(
  `MATCH ()-[r]->()
   WHERE r.derived = true AND r.generation <> $generation
   CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS`,
);
/** Auto-commit: hidden endpoints no derived edge needs any more. */
export const DERIVED_ENDPOINTS_PRUNE = q(
  `MATCH (n:DerivedEndpoint)
   WHERE NOT EXISTS { (n)--() }
   CALL (n) { DELETE n } IN TRANSACTIONS OF 5000 ROWS`,
);

// --- reads --------------------------------------------------------------------------------------

export const NODE_GET = q(
  `MATCH (n:Asset {id: $id})
   WHERE NOT n:DerivedEndpoint
   RETURN n {.*} AS n`,
);

// Two fixed statements, one per direction: ORDER BY cannot take its direction from a parameter.
/** Keyset page, ascending by (sort value, id). */
export const NODES_PAGE_ASC = q(
  `MATCH (n:Asset)
   WHERE NOT n:DerivedEndpoint
     AND ($kinds IS NULL OR n.kind IN $kinds)
     AND ($types IS NULL OR n.type IN $types)
     AND ($ids IS NULL OR n.id IN $ids)
     AND ($provider IS NULL OR n.provider = $provider)
     AND ($accountId IS NULL OR n.accountId = $accountId)
     AND ($region IS NULL OR n.region = $region)
     AND ($includeStubs OR n.stub = false)
     AND ($source IS NULL OR $source IN n.sourceNames)
     AND ($q IS NULL OR toLower(n.id) CONTAINS $q OR toLower(n.name) CONTAINS $q)
   WITH n, CASE $sort WHEN 'name' THEN n.name WHEN 'type' THEN n.type WHEN 'lastSeen' THEN n.lastSeen ELSE n.id END AS sv
   WHERE $afterId IS NULL OR sv > $afterValue OR (sv = $afterValue AND n.id > $afterId)
   RETURN n {.*} AS n, sv
   ORDER BY sv ASC, n.id ASC
   LIMIT $limit`,
);
/** Keyset page, descending by (sort value, id). */
export const NODES_PAGE_DESC = q(
  `MATCH (n:Asset)
   WHERE NOT n:DerivedEndpoint
     AND ($kinds IS NULL OR n.kind IN $kinds)
     AND ($types IS NULL OR n.type IN $types)
     AND ($ids IS NULL OR n.id IN $ids)
     AND ($provider IS NULL OR n.provider = $provider)
     AND ($accountId IS NULL OR n.accountId = $accountId)
     AND ($region IS NULL OR n.region = $region)
     AND ($includeStubs OR n.stub = false)
     AND ($source IS NULL OR $source IN n.sourceNames)
     AND ($q IS NULL OR toLower(n.id) CONTAINS $q OR toLower(n.name) CONTAINS $q)
   WITH n, CASE $sort WHEN 'name' THEN n.name WHEN 'type' THEN n.type WHEN 'lastSeen' THEN n.lastSeen ELSE n.id END AS sv
   WHERE $afterId IS NULL OR sv < $afterValue OR (sv = $afterValue AND n.id < $afterId)
   RETURN n {.*} AS n, sv
   ORDER BY sv DESC, n.id DESC
   LIMIT $limit`,
);

export const FINDINGS_PAGE = q(
  `MATCH (f:Finding)
   WHERE ($assetRef IS NULL OR f.assetRef = $assetRef)
     AND ($ruleId IS NULL OR f.ruleId = $ruleId)
     AND ($kind IS NULL OR f.kind = $kind)
     AND ($matched IS NULL OR f.matched = $matched)
     AND ($tool IS NULL OR $tool IN f.tools)
     AND ($source IS NULL OR $source IN f.sourceNames)
     AND ($after IS NULL OR f.key > $after)
   RETURN f {.*} AS f
   ORDER BY f.key
   LIMIT $limit`,
);

/** Inventory edges and the current generation's derived edges at one node, out and/or in. */
export const NEIGHBOURS = q(
  `OPTIONAL MATCH (g:CtemMeta {key: 'derived_generation'})
   WITH g.value AS gen
   MATCH (n:Asset {id: $id})
   CALL (n, gen) {
     MATCH (n)-[r]->(m)
     WHERE $out AND (r.derived = false OR (r.derived = true AND r.generation = gen))
     RETURN r, n.id AS fromId, m.id AS toId
     UNION ALL
     MATCH (m)-[r]->(n)
     WHERE $in AND NOT ($out AND m = n) AND (r.derived = false OR (r.derived = true AND r.generation = gen))
     RETURN r, m.id AS fromId, n.id AS toId
   }
   WITH r, fromId, toId
   WHERE $kinds IS NULL OR type(r) IN $kinds
   RETURN fromId, type(r) AS kind, toId, r {.*} AS r`,
);

export const SNAPSHOT_NODES = q(
  `MATCH (n:Asset)
   WHERE NOT n:DerivedEndpoint
   RETURN n {.*} AS n
   ORDER BY n.id`,
);
export const SNAPSHOT_EDGES = q(
  `OPTIONAL MATCH (g:CtemMeta {key: 'derived_generation'})
   WITH g.value AS gen
   MATCH (a:Asset)-[r]->(b:Asset)
   WHERE r.derived = false OR (r.derived = true AND r.generation = gen)
   RETURN a.id AS fromId, type(r) AS kind, b.id AS toId, r {.*} AS r`,
);
export const SNAPSHOT_FINDINGS = q(
  `MATCH (f:Finding)
   RETURN f {.*} AS f
   ORDER BY f.key`,
);

export const HEALTH = q("MATCH (n:Asset) RETURN count(n) AS nodes");

/** Every statement, by name: the lint test walks this. */
export const CYPHER = {
  SCHEMA_ASSET_ID,
  SCHEMA_FINDING_KEY,
  SCHEMA_CLAIM_CID,
  SCHEMA_LOOKUP_LK,
  SCHEMA_META_KEY,
  SCHEMA_CLAIM_KEY_RUN,
  SCHEMA_CLAIM_SOURCE,
  SCHEMA_CLAIM_ITEM,
  SCHEMA_LOOKUP_KEY,
  SCHEMA_LOOKUP_NODE,
  SCHEMA_FINDING_MATCHED,
  SCHEMA_FINDING_RULE,
  SCHEMA_FINDING_ASSET,
  SCHEMA_STAGED_RUN,
  SCHEMA_ASSET_KIND,
  SCHEMA_ASSET_TYPE,
  STAGE_PUT,
  STAGE_GET,
  STAGE_DROP,
  STAGE_DROP_OLDER,
  CLAIM_UPSERT,
  CLAIMS_OF_ITEMS,
  CLAIMS_DELETE,
  CLAIMS_TAKE_STALE,
  CLAIMS_TAKE_SOURCE,
  NODES_STATE,
  NODE_WRITE,
  STUB_ENSURE,
  NODE_DELETE,
  LOOKUP_DELETE_FOR_NODES,
  LOOKUP_UPSERT,
  LOOKUP_FIND,
  EDGE_UPSERT,
  EDGE_SOURCES_SET,
  EDGE_DELETE,
  FINDINGS_BY_KEYS,
  FINDING_UPSERT,
  FINDING_SOURCES_SET,
  FINDING_DELETE,
  FINDINGS_ORPHANED,
  FINDINGS_UNMATCHED_PAGE,
  META_GET,
  META_SET,
  META_DELETE,
  META_DELETE_PENDING,
  DERIVED_ENDPOINTS,
  DERIVED_UPSERT,
  DERIVED_DROP_GENERATION,
  DERIVED_DROP_OTHERS,
  DERIVED_ENDPOINTS_PRUNE,
  NODE_GET,
  NODES_PAGE_ASC,
  NODES_PAGE_DESC,
  FINDINGS_PAGE,
  NEIGHBOURS,
  SNAPSHOT_NODES,
  SNAPSHOT_EDGES,
  SNAPSHOT_FINDINGS,
  HEALTH,
} as const satisfies Record<string, Cypher>;
