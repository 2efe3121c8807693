// Chooses the store adapters (DESIGN: only apps/server constructs them): the embedded SQLite file
// for graph and app tables, or Neo4j for the graph when NEO4J_URI is set, with the app tables still
// in the SQLite file (DESIGN "One file").
import type { AppStore, GraphStore } from "@ctem/model";
import { isCtemError } from "@ctem/model";
import { createNeo4jGraphStore, createSqliteAppStore, openSqlite, openSqliteStores } from "@ctem/store";
import type { CtemConfig } from "./config.js";
import { readSettingsOverlay } from "./config.js";

export interface Stores {
  graph: GraphStore;
  app: AppStore;
  /** "sqlite" or "neo4j": what holds the graph. */
  graphKind: "sqlite" | "neo4j";
  close(): Promise<void>;
}

export async function openStores(cfg: CtemConfig): Promise<Stores> {
  const overlay = readSettingsOverlay(cfg.dataDir);
  if (!cfg.neo4j) {
    const s = openSqliteStores(cfg.dbFile, { overlay });
    return { graph: s.graph, app: s.app, graphKind: "sqlite", close: () => s.close() };
  }
  // Connects first: an unreachable Neo4j or refused credentials fail start-up with a CtemError
  // ("unavailable") naming the URI, never the password.
  const graph = await createNeo4jGraphStore(cfg.neo4j);
  const handle = openSqlite(cfg.dbFile);
  const app = createSqliteAppStore(handle, { overlay, sharedGraph: false });
  try {
    // The graph's derived generation and the AppStore's current analysis are committed separately:
    // bring the graph to what the AppStore says is current (a crash may have come in between).
    const current = await app.currentAnalysis();
    if (current) await graph.promoteDerived(current.id);
  } catch (e) {
    if (!(isCtemError(e) && e.code === "not_found")) {
      await graph.close();
      handle.close();
      throw e;
    }
  }
  return {
    graph,
    app,
    graphKind: "neo4j",
    async close() {
      await graph.close();
      await handle.lock.run(() => undefined);
      await handle.idle();
      handle.close();
    },
  };
}
