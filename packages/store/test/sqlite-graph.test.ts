// Runs the GraphStore contract suite against the SQLite adapter.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openSqliteStores } from "../src/index.js";
import { describeGraphStoreContract } from "../src/contract/graph-store.contract.js";

describeGraphStoreContract("sqlite", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ctem-store-"));
  const stores = openSqliteStores(path.join(dir, "ctem.db"));
  return Promise.resolve({
    store: stores.graph,
    async dispose() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});
