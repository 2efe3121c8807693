// `ctem scan azure`, `ctem scope add --provider azure` and `ctem scan --scope` end to end: the real
// binary in a child process, the real ARM SDK and Entra client-secret sign-in inside it, all
// against the testkit's loopback HTTPS replay server (trusted through NODE_EXTRA_CA_CERTS). With
// --arm-endpoint the login endpoint comes from the replay's `/metadata/endpoints`.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AZURE_TEST_CA_FILE, startAzureReplayServer } from "@ctem/testkit";
import type { AzureReplayServer } from "@ctem/testkit";
import { SMALL_SUB, serveGraph, serveSmallEstate } from "./azure-helpers.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const TENANT = "22222222-2222-2222-2222-222222222222";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("ctem scan azure / scope add --provider azure / scan --scope against the replay server", () => {
  let azure: AzureReplayServer;
  let dir: string;

  const ctem = (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "apps/server/src/bin/ctem.ts", "--data", dir, ...args],
        {
          cwd: root,
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            NODE_EXTRA_CA_CERTS: AZURE_TEST_CA_FILE,
            AZURE_CLIENT_ID: "33333333-3333-3333-3333-333333333333",
            AZURE_CLIENT_SECRET: "testkit-secret",
          },
          timeout: 90_000,
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    azure = serveGraph(serveSmallEstate(await startAzureReplayServer()));
    dir = mkdtempSync(path.join(tmpdir(), "ctem-azure-cli-"));
  });
  afterAll(async () => {
    await azure.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("scans, signs in through the metadata's login endpoint, analyses, exits 0; a denied listing exits 3 and keeps the data", async () => {
    const args = [
      "--json",
      "scan",
      "azure",
      "--subscription",
      SMALL_SUB,
      "--tenant",
      TENANT,
      "--arm-endpoint",
      azure.url,
      "--graph",
    ];
    const ok = await ctem(args);
    expect(ok.stderr).toContain(
      `scanning Azure subscription ${SMALL_SUB} (source azure:${SMALL_SUB}) at ${azure.url}: 14 collectors`,
    );
    // Microsoft Graph's endpoint came from the metadata document too (the replay names itself).
    expect(ok.stderr).toMatch(/azure-graph-service-principals\s+ok\s+3 nodes/);
    expect(ok.stderr).toMatch(/azure-network-security-groups\s+ok\s+5 nodes, 5 edges/);
    expect(ok.stderr).toMatch(/analysis \S+: /);
    expect(ok.code).toBe(0);
    const summary = JSON.parse(ok.stdout) as {
      status: string;
      sources: string[];
      collectors: Array<{ name: string; status: string; found: number }>;
      analysis: { issues: Record<string, number> };
    };
    expect(summary.status).toBe("complete");
    expect(summary.sources).toEqual([`azure:${SMALL_SUB}`]);
    expect(summary.collectors).toHaveLength(14);
    // The client-secret sign-in went to the replay's token endpoint for the tenant, and ARM got its token.
    expect(azure.calls.some((c) => c.method === "POST" && c.path === `/${TENANT}/oauth2/v2.0/token`)).toBe(
      true,
    );
    expect(
      azure.calls
        .filter((c) => c.path.startsWith("/subscriptions/"))
        .every((c) => c.authorization === "Bearer testkit-arm-token"),
    ).toBe(true);

    const issues = await ctem(["--json", "issues", "list"]);
    expect(issues.code).toBe(0);
    const items = (
      JSON.parse(issues.stdout) as {
        items: Array<{ entry: { id: string }; target: { id: string }; rule: string }>;
      }
    ).items;
    expect(items).toContainEqual(
      expect.objectContaining({
        rule: "exposed-compute-to-sensitive-data",
        entry: expect.objectContaining({
          id: `/subscriptions/${SMALL_SUB}/resourcegroups/rg-app/providers/microsoft.compute/virtualmachines/vm-web`,
        }) as unknown,
        target: expect.objectContaining({
          id: `/subscriptions/${SMALL_SUB}/resourcegroups/rg-data/providers/microsoft.storage/storageaccounts/stcrown`,
        }) as unknown,
      }),
    );

    azure.fail(
      `/subscriptions/${SMALL_SUB}/providers/microsoft.network/networksecuritygroups`,
      403,
      "AuthorizationFailed",
    );
    const partial = await ctem(args);
    azure.clearFailures();
    expect(partial.code).toBe(3);
    const p = JSON.parse(partial.stdout) as {
      status: string;
      collectors: Array<{ name: string; status: string; errorCode?: string }>;
    };
    expect(p.status).toBe("partial");
    expect(p.collectors.filter((c) => c.status === "failed").map((c) => [c.name, c.errorCode])).toEqual([
      ["azure-network-security-groups", "AuthorizationFailed"],
    ]);
    expect(partial.stderr).toContain("FAILED  networkSecurityGroups.listAll: AuthorizationFailed (HTTP 403)");
    const sps = await ctem(["--json", "assets", "list", "--type", "azure.ad.service_principal"]);
    expect((JSON.parse(sps.stdout) as { items: unknown[] }).items).toHaveLength(3);
    const nsgs = await ctem(["--json", "assets", "list", "--type", "azure.network.nsg"]);
    expect((JSON.parse(nsgs.stdout) as { items: unknown[] }).items).toHaveLength(5);
  }, 120_000);

  it("scope add --provider azure, scan --scope, scope remove drops the subscription's data", async () => {
    const add = await ctem([
      "--json",
      "scope",
      "add",
      "small",
      "--provider",
      "azure",
      "--tenant",
      TENANT,
      "--subscription",
      SMALL_SUB,
      "--arm-endpoint",
      azure.url,
    ]);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({
      provider: "azure",
      config: { tenantId: TENANT, subscriptions: [SMALL_SUB], cloud: "public", armEndpoint: azure.url },
    });
    const scanned = await ctem(["--json", "scan", "--scope", "small", "--no-analyze"]);
    expect(scanned.code).toBe(0);
    expect((JSON.parse(scanned.stdout) as { status: string }).status).toBe("complete");
    const removed = await ctem(["--json", "scope", "remove", "small"]);
    expect(JSON.parse(removed.stdout)).toEqual({
      removed: "small",
      sources: [`azure:${SMALL_SUB}`],
      removedSources: [`azure:${SMALL_SUB}`],
      removedData: true,
    });
    const left = await ctem(["--json", "assets", "list", "--type", "azure.compute.virtual_machine"]);
    expect((JSON.parse(left.stdout) as { items: unknown[] }).items).toEqual([]);
  }, 120_000);

  it("bad usage exits 2 and names the flag", async () => {
    const bad = await ctem(["scan", "azure", "--subscription", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--subscription: 'nope' is not a subscription id (a GUID)");
    const http = await ctem([
      "scan",
      "azure",
      "--subscription",
      SMALL_SUB,
      "--arm-endpoint",
      "http://127.0.0.1:1",
    ]);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain("--arm-endpoint: must be https");
    const cloud = await ctem(["scan", "azure", "--subscription", SMALL_SUB, "--cloud", "mars"]);
    expect(cloud.code).toBe(2);
  }, 60_000);
});
