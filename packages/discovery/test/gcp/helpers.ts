// Shared by the GCP tests: the replay server scripted with the fixture pages, a client whose
// auth is a real google-auth-library OAuth2Client holding a fixed token, and temp SQLite stores.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { OAuth2Client } from "google-auth-library";
import { openSqliteStores } from "@ctem/store";
import type { SqliteStores } from "@ctem/store";
import { graphState } from "@ctem/store/contract";
import type { GcpAssetPage, GcpReplayServer } from "@ctem/testkit";

export const FIX = path.join(import.meta.dirname, "..", "..", "fixtures", "gcp");

export interface ListAssetsFixture {
  parent: string;
  RESOURCE: GcpAssetPage[];
  IAM_POLICY: GcpAssetPage[];
}

export function listAssetsFixture(name: string): ListAssetsFixture {
  return JSON.parse(readFileSync(path.join(FIX, "list-assets", name), "utf8")) as ListAssetsFixture;
}

export function script(server: GcpReplayServer, f: ListAssetsFixture): void {
  server.pages(f.parent, "RESOURCE", f.RESOURCE);
  server.pages(f.parent, "IAM_POLICY", f.IAM_POLICY);
}

export function testAuth(): OAuth2Client {
  const c = new OAuth2Client();
  c.setCredentials({ access_token: "testkit-token", expiry_date: Date.now() + 3600_000 });
  return c;
}

export interface TempStores extends SqliteStores {
  dir: string;
  dispose(): Promise<void>;
}

export function tempStores(): TempStores {
  const d = mkdtempSync(path.join(tmpdir(), "ctem-gcp-"));
  const s = openSqliteStores(path.join(d, "ctem.db"));
  return Object.assign(s, {
    dir: d,
    async dispose() {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    },
  });
}

export async function graphIds(s: SqliteStores) {
  const g = await graphState(s.graph);
  return {
    nodes: [...g.nodes.values()]
      .filter((n) => !n.stub)
      .map((n) => n.id)
      .sort(),
    stubs: [...g.nodes.values()]
      .filter((n) => n.stub)
      .map((n) => n.id)
      .sort(),
    edges: [...g.edges.keys()].sort(),
    state: g,
  };
}
