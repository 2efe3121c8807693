// Runs the GraphStore contract suite against a real Neo4j when NEO4J_URI (NEO4J_USER,
// NEO4J_PASSWORD, NEO4J_DATABASE) is set; otherwise the suite is reported as skipped, by name.
// Each test starts from an empty graph: it deletes everything the adapter writes, so point it at a
// scratch database, never at one holding a real estate.
import neo4j from "neo4j-driver";
import { describe, it } from "vitest";
import { createNeo4jGraphStore } from "../src/index.js";
import { describeGraphStoreContract } from "../src/contract/graph-store.contract.js";

const uri = process.env.NEO4J_URI;
const conn = {
  uri: uri ?? "",
  user: process.env.NEO4J_USER ?? "neo4j",
  password: process.env.NEO4J_PASSWORD ?? "",
  ...(process.env.NEO4J_DATABASE ? { database: process.env.NEO4J_DATABASE } : {}),
};

/** Test-only: empties what the adapter writes (labels from docs/neo4j.md). */
const WIPE = `MATCH (n)
  WHERE n:Asset OR n:Finding OR n:CtemClaim OR n:CtemLookup OR n:CtemMeta OR n:CtemStagedBatch
  CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`;

async function wipe(): Promise<void> {
  const driver = neo4j.driver(conn.uri, neo4j.auth.basic(conn.user, conn.password));
  const session = driver.session(conn.database ? { database: conn.database } : {});
  try {
    await session.run(WIPE);
  } finally {
    await session.close();
    await driver.close();
  }
}

if (uri) {
  describeGraphStoreContract("neo4j", async () => {
    await wipe();
    const store = await createNeo4jGraphStore(conn);
    return {
      store,
      async dispose() {
        await store.close();
      },
    };
  });
} else {
  describe.skip("GraphStore contract: neo4j — skipped: NEO4J_URI is not set (needs a Neo4j 5.26+ server)", () => {
    it("runs the shared contract suite against Neo4j", () => undefined);
  });
}
