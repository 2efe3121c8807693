// @ctem/store: persistence adapters for the model's ports. Only apps/server and tests construct them.
import type { AppStore, GraphStore } from "@ctem/model";
import { openSqlite } from "./sqlite/db.js";
import type { SqliteHandle } from "./sqlite/db.js";
import { createSqliteAppStore } from "./sqlite/app.js";
import type { SqliteAppStoreOptions } from "./sqlite/app.js";
import { createSqliteGraphStore } from "./sqlite/graph.js";
import type { SqliteGraphStoreOptions } from "./sqlite/graph.js";

export { openSqlite, migrate } from "./sqlite/db.js";
export type { SqliteHandle } from "./sqlite/db.js";
export { createSqliteGraphStore } from "./sqlite/graph.js";
export { createSqliteAppStore } from "./sqlite/app.js";
export { BATCH_BYTES, BATCH_ITEMS, createNeo4jGraphStore, redactUri } from "./neo4j/graph.js";
export type { Neo4jConnection, Neo4jGraphStoreOptions } from "./neo4j/graph.js";
export { DEFAULT_MATCH_RULES, arnResourceId, arnResourceRule, nodeIdRule } from "./matcher.js";
export type { MatchRule, MatchableNode } from "./matcher.js";

export interface SqliteStores {
  graph: GraphStore;
  app: AppStore;
  handle: SqliteHandle;
  close(): Promise<void>;
}

/** The embedded store: graph and app tables in one SQLite file (DESIGN "One file"). */
export function openSqliteStores(
  file: string,
  opts: SqliteAppStoreOptions & SqliteGraphStoreOptions = {},
): SqliteStores {
  const handle = openSqlite(file);
  const graph = createSqliteGraphStore(handle, opts);
  const app = createSqliteAppStore(handle, { ...opts, sharedGraph: true });
  return {
    graph,
    app,
    handle,
    async close() {
      // Wait for a write in progress before closing the connections.
      await handle.lock.run(() => undefined);
      await handle.idle();
      handle.close();
    },
  };
}
