// Chooses the store adapters (DESIGN: only apps/server constructs them): the embedded SQLite file
// for graph and app tables, or Neo4j for the graph when NEO4J_URI is set (the Neo4j issue adds it).
import type { AppStore, GraphStore } from "@ctem/model";
import { CtemError } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import type { CtemConfig } from "./config.js";
import { readSettingsOverlay } from "./config.js";

export interface Stores {
  graph: GraphStore;
  app: AppStore;
  /** "sqlite" or "neo4j": what holds the graph. */
  graphKind: "sqlite" | "neo4j";
  close(): Promise<void>;
}

export function openStores(cfg: CtemConfig): Promise<Stores> {
  const overlay = readSettingsOverlay(cfg.dataDir);
  if (cfg.neo4j)
    return Promise.reject(
      new CtemError(
        "unavailable",
        "NEO4J_URI is set, but this build has no Neo4j graph store yet; unset it to use the embedded store",
      ),
    );
  const s = openSqliteStores(cfg.dbFile, { overlay });
  return Promise.resolve({ graph: s.graph, app: s.app, graphKind: "sqlite", close: () => s.close() });
}
