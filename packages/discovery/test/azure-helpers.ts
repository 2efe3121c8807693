// Test helpers for the Azure connector: the recorded subscription (cloud-custodian's ARM cassettes
// plus the hand-written answers listed in fixtures/azure/SOURCES.md) and the hand-written small
// estate, scripted onto the testkit's replay server; a scan through the real ARM SDK clients
// (the replay's httpClient) into a real SQLite store.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { HttpClient } from "@azure/core-rest-pipeline";
import type { TokenCredential } from "@azure/core-auth";
import { openSqliteStores } from "@ctem/store";
import type { SqliteStores } from "@ctem/store";
import { loadCassette } from "@ctem/testkit";
import type { AzureReplayServer } from "@ctem/testkit";
import { scanAzure } from "../src/index.js";
import type { AzureScanResult } from "../src/index.js";

export const RECORDED_SUB = "ea42f556-5106-4743-99b0-c129bfa71a47";
export const SMALL_SUB = "11111111-1111-1111-1111-111111111111";

const fixtures = new URL("../fixtures/azure/", import.meta.url);

function routes(replay: AzureReplayServer, file: string): AzureReplayServer {
  const doc = JSON.parse(readFileSync(new URL(file, fixtures), "utf8")) as {
    routes: Record<string, unknown>;
  };
  for (const [p, body] of Object.entries(doc.routes)) replay.on("GET", p, { status: 200, body });
  return replay;
}

export function serveRecordedSubscription(replay: AzureReplayServer): AzureReplayServer {
  const dir = new URL("c7n-cassettes/", fixtures);
  // Sorted, so where two cassettes answer one path the later file wins, the same every run.
  for (const f of readdirSync(dir).sort())
    loadCassette(replay, JSON.parse(readFileSync(new URL(f, dir), "utf8")), f);
  return routes(replay, "recorded-subscription.handwritten.json");
}

export function serveSmallEstate(replay: AzureReplayServer): AzureReplayServer {
  return routes(replay, "small-estate.handwritten.json");
}

/** Microsoft Graph's answers for the small subscription's tenant (the opt-in Graph module). */
export function serveGraph(replay: AzureReplayServer): AzureReplayServer {
  return routes(replay, "graph.handwritten.json");
}

/** A credential that hands out a fixed token (the replay server does not check it). */
export const staticCredential: TokenCredential = {
  getToken: () => Promise.resolve({ token: "testkit-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export interface TempStores extends SqliteStores {
  dispose(): Promise<void>;
}

export function tempStores(): TempStores {
  const dir = mkdtempSync(path.join(tmpdir(), "ctem-azure-"));
  const s = openSqliteStores(path.join(dir, "ctem.db"));
  return Object.assign(s, {
    async dispose() {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export function scan(
  stores: SqliteStores,
  replay: AzureReplayServer,
  subscriptionId: string,
  extra: { microsoftGraph?: boolean } = {},
): Promise<AzureScanResult> {
  return scanAzure({
    graph: stores.graph,
    scanRuns: stores.app.scanRuns,
    trigger: { kind: "adhoc" },
    subscriptionId,
    credential: staticCredential,
    httpClient: replay.httpClient as unknown as HttpClient,
    maxRetries: 1,
    ...extra,
  });
}
