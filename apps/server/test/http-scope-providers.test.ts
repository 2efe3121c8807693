// Azure and GCP scopes over the API: validated through the connectors' own config parsers, their
// credential (client secret, key file) sealed in the secret store and never returned or audited;
// PATCH and DELETE; include/exclude filters validated. Scans dispatch to the Azure connector (the
// testkit's ARM replay server, in-process transport) and the GCP connector (the Cloud Asset replay
// server over loopback, signed with the sealed key file's own private key).
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzureReplayServer, startGcpReplayServer } from "@ctem/testkit";
import type { AzureReplayServer, GcpReplayServer } from "@ctem/testkit";
import type { AzureScanOptions } from "@ctem/discovery";
import { createSecretBox } from "../src/auth/secrets.js";
import { cloudScanner } from "../src/scans/service.js";
import { scopeSecretName } from "../src/scopes/providers.js";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

let f: Fixture;
let admin: As;
let azure: AzureReplayServer;
let gcp: GcpReplayServer;
const box = createSecretBox(Buffer.alloc(32, 7)); // the fixture's key
const secretsSeen: Array<string | undefined> = [];

const TENANT = "11111111-2222-3333-4444-555555555555";
const SUB_A = "aaaaaaaa-0000-0000-0000-000000000001";
const SUB_B = "bbbbbbbb-0000-0000-0000-000000000002";
const CLIENT = "cccccccc-0000-0000-0000-000000000003";
const CLIENT_SECRET = "azure~client~secret~value~0123456789";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const KEY_FILE = JSON.stringify({
  type: "service_account",
  project_id: "ctem-test-project",
  private_key_id: "0123456789abcdef",
  private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  client_email: "ctem-scanner@ctem-test-project.iam.gserviceaccount.com",
  client_id: "123456789012345678901",
  token_uri: "https://oauth2.googleapis.com/token",
});

beforeAll(async () => {
  azure = await startAzureReplayServer();
  gcp = await startGcpReplayServer();
  gcp.pages("projects/ctem-test-project", "RESOURCE", [{ assets: [] }]);
  gcp.pages("projects/ctem-test-project", "IAM_POLICY", [{ assets: [] }]);
  gcp.pages("projects/ctem-test-project", "ORG_POLICY", [{ assets: [] }]);
  gcp.pages("projects/ctem-test-project", "ACCESS_POLICY", [{ assets: [] }]);
  f = await makeFixture({
    deps: {
      scanner: cloudScanner({
        env: {},
        // What app.ts does: the sealed credential, opened for the scan.
        secretOf: async (scope) => {
          const sealed = await f.stores.app.accounts.secrets.get(scopeSecretName(scope.id));
          return sealed === undefined ? undefined : box.open(scopeSecretName(scope.id), sealed);
        },
        azure: {
          // The testkit types its transport loosely (it does not depend on the Azure SDK).
          httpClient: azure.httpClient as unknown as NonNullable<AzureScanOptions["httpClient"]>,
          maxRetries: 0,
          credential: (_scope, secret) => {
            secretsSeen.push(secret);
            return {
              getToken: () =>
                Promise.resolve({ token: "testkit", expiresOnTimestamp: Date.now() + 3_600_000 }),
            };
          },
        },
        gcp: { apiEndpoint: "127.0.0.1", port: gcp.port, protocol: "http" },
      }),
    },
  });
  admin = await signIn(f.app, f.users.admin.email);
});
afterAll(async () => {
  await f.close();
  await azure.close();
  await gcp.close();
});

const post = (payload: unknown) =>
  f.app.inject({ method: "POST", url: "/api/scopes", headers: admin.headers, payload: payload as object });
const patch = (id: string, payload: unknown) =>
  f.app.inject({
    method: "PATCH",
    url: `/api/scopes/${id}`,
    headers: admin.headers,
    payload: payload as object,
  });
const fieldOf = (res: { json<T>(): T }) => res.json<{ error: { field?: string; message: string } }>().error;

async function settled(runId: string) {
  await f.app.inject({ url: `/api/scans/${runId}/events`, headers: admin.headers });
  return f.stores.app.scanRuns.get(runId);
}

describe("Azure scopes", () => {
  let id = "";

  it("creates one with a sealed client secret that is never returned or audited", async () => {
    const res = await post({
      name: "azure-prod",
      provider: "azure",
      config: { tenantId: TENANT, subscriptions: [SUB_A, SUB_B.toUpperCase()], clientId: CLIENT },
      clientSecret: CLIENT_SECRET,
      exclude: ["type:azure.compute.*", "tag:env=dev"],
    });
    expect(res.statusCode).toBe(201);
    expect(res.body).not.toContain(CLIENT_SECRET);
    const s = res.json<{ id: string; provider: string; config: Record<string, unknown>; secret: boolean }>();
    id = s.id;
    // The connector's parser: subscriptions lower-cased, the cloud defaulted.
    expect(s.config).toEqual({
      tenantId: TENANT,
      subscriptions: [SUB_A, SUB_B],
      clientId: CLIENT,
      cloud: "public",
    });
    expect(s.secret).toBe(true);
    const sealed = await f.stores.app.accounts.secrets.get(scopeSecretName(id));
    expect(sealed).toBeDefined();
    expect(sealed).not.toContain(CLIENT_SECRET);
    expect(box.open(scopeSecretName(id), sealed!)).toBe(CLIENT_SECRET);
    const got = await f.app.inject({ url: `/api/scopes/${id}`, headers: admin.headers });
    expect(got.json<{ secret: boolean }>().secret).toBe(true);
    expect(got.body).not.toContain(CLIENT_SECRET);
    const audit = await f.stores.app.accounts.audit.list({ action: "scope.create" }, { limit: 10 });
    expect(JSON.stringify(audit)).not.toContain(CLIENT_SECRET);
    expect(f.logs.join("\n")).not.toContain(CLIENT_SECRET);
  });

  it("refuses a bad subscription, a secret without a client id and a bad filter, naming the field", async () => {
    const bad = await post({
      name: "az-bad",
      provider: "azure",
      config: { tenantId: TENANT, subscriptions: ["nope"] },
    });
    expect(bad.statusCode).toBe(400);
    expect(fieldOf(bad).field).toBe("config.subscriptions[0]");
    const noClient = await post({
      name: "az-bad",
      provider: "azure",
      config: { tenantId: TENANT, subscriptions: [SUB_A] },
      clientSecret: "x",
    });
    expect(noClient.statusCode).toBe(400);
    expect(fieldOf(noClient).field).toBe("body.clientSecret");
    const filter = await post({
      name: "az-bad",
      provider: "azure",
      config: { tenantId: TENANT, subscriptions: [SUB_A] },
      include: ["vm"],
    });
    expect(filter.statusCode).toBe(400);
    expect(fieldOf(filter).message).toContain("'vm' is not a filter");
    // A GCP field on an Azure scope.
    expect(
      (await post({ name: "az-bad", provider: "azure", config: { project: "abcdef" } })).statusCode,
    ).toBe(400);
    expect(await f.stores.app.scopes.get("az-bad")).toBeUndefined();
  });

  it("a scan runs each subscription through the Azure connector with the opened secret, as one run", async () => {
    const res = await f.app.inject({
      method: "POST",
      url: `/api/scopes/${id}/scans`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(202);
    const run = (await settled(res.json<{ id: string }>().id))!;
    expect(secretsSeen).toEqual([CLIENT_SECRET]);
    const sources = [...new Set(run.collectors.map((c) => c.source))];
    expect(sources).toEqual([`azure:${SUB_A}`, `azure:${SUB_B}`]);
    // The replay server has no fixtures for these subscriptions: ARM answers 404, the collectors
    // say they could not read (never an empty estate), and the run is not "complete".
    expect(run.collectors.every((c) => c.collector.startsWith("azure-"))).toBe(true);
    expect(run.collectors.some((c) => c.status === "failed")).toBe(true);
    expect(run.status).not.toBe("complete");
    expect(run.status).not.toBe("running");
    expect(azure.calls.some((c) => c.path.toLowerCase().includes(`/subscriptions/${SUB_B}`))).toBe(true);
  });

  it("PATCH edits subscriptions and filters, replaces or removes the secret; account-like fields stay", async () => {
    const r1 = await patch(id, { config: { subscriptions: [SUB_B] }, include: ["kind:data_store"] });
    expect(r1.statusCode).toBe(200);
    expect(r1.json()).toMatchObject({
      config: { tenantId: TENANT, subscriptions: [SUB_B], clientId: CLIENT },
      include: ["kind:data_store"],
      exclude: ["type:azure.compute.*", "tag:env=dev"],
      secret: true,
    });
    const r2 = await patch(id, { clientSecret: "another~secret" });
    expect(r2.body).not.toContain("another~secret");
    const sealed = (await f.stores.app.accounts.secrets.get(scopeSecretName(id)))!;
    expect(box.open(scopeSecretName(id), sealed)).toBe("another~secret");
    expect(fieldOf(await patch(id, { keyFile: KEY_FILE })).field).toBe("body.keyFile");
    // The fixture's AWS scope keeps no secret at all.
    expect(fieldOf(await patch("prod", { clientSecret: "x" })).field).toBe("body.clientSecret");
    expect((await patch(id, { config: { accountId: "111122223333" } })).statusCode).toBe(400);
    expect(fieldOf(await patch(id, { exclude: ["tag:"] })).field).toMatch(/^body\.exclude/);
    const r3 = await patch(id, { clientSecret: null });
    expect(r3.json<{ secret: boolean }>().secret).toBe(false);
    expect(await f.stores.app.accounts.secrets.get(scopeSecretName(id))).toBeUndefined();
  });

  it("DELETE removes the scope and its secret", async () => {
    await patch(id, { clientSecret: "to-be-removed" });
    const res = await f.app.inject({
      method: "DELETE",
      url: `/api/scopes/${id}`,
      headers: admin.headers,
      query: { keepData: "true" },
    });
    expect(res.statusCode).toBe(200);
    expect(await f.stores.app.scopes.get(id)).toBeUndefined();
    expect(await f.stores.app.accounts.secrets.get(scopeSecretName(id))).toBeUndefined();
  });
});

describe("GCP scopes", () => {
  let id = "";

  it("creates one for a project with a sealed key file; exactly one parent, a key file that is JSON", async () => {
    const two = await post({
      name: "gcp",
      provider: "gcp",
      config: { project: "ctem-test-project", folder: "12" },
    });
    expect(two.statusCode).toBe(400);
    const notJson = await post({
      name: "gcp",
      provider: "gcp",
      config: { project: "ctem-test-project" },
      keyFile: "-----BEGIN PRIVATE KEY-----",
    });
    expect(notJson.statusCode).toBe(400);
    expect(fieldOf(notJson).field).toBe("body.keyFile");
    expect(notJson.body).not.toContain("BEGIN PRIVATE KEY");
    const res = await post({
      name: "gcp",
      provider: "gcp",
      config: { project: "ctem-test-project" },
      keyFile: KEY_FILE,
      schedule: "0 3 * * *",
    });
    expect(res.statusCode).toBe(201);
    expect(res.body).not.toContain("PRIVATE KEY");
    const s = res.json<{ id: string; config: unknown; secret: boolean }>();
    id = s.id;
    expect(s.config).toEqual({ parent: "projects/ctem-test-project" });
    expect(s.secret).toBe(true);
  });

  it("a scan goes through the GCP connector, signed with the sealed key", async () => {
    const res = await f.app.inject({
      method: "POST",
      url: `/api/scopes/${id}/scans`,
      headers: admin.headers,
    });
    const run = (await settled(res.json<{ id: string }>().id))!;
    expect(run.collectors.map((c) => c.source)).toContain("gcp:ctem-test-project");
    expect(run.collectors.every((c) => c.collector.startsWith("gcp-"))).toBe(true);
    const call = gcp.calls.find((c) => c.parent === "projects/ctem-test-project");
    expect(call).toBeDefined();
    // A self-signed JWT from the key file: its issuer is the key's service account.
    const jwt = call!.authorization?.replace(/^Bearer /, "") ?? "";
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      iss?: string;
    };
    expect(claims.iss).toBe("ctem-scanner@ctem-test-project.iam.gserviceaccount.com");
    expect(run.status).toBe("complete");
  });

  it("PATCH sets an endpoint, then moves the scope to a folder (the parent is replaced, the endpoint kept)", async () => {
    const e = await patch(id, { config: { apiEndpoint: "http://127.0.0.1:1" } });
    expect(e.statusCode).toBe(200);
    expect(e.json()).toMatchObject({
      config: { parent: "projects/ctem-test-project", apiEndpoint: "http://127.0.0.1:1" },
    });
    const res = await patch(id, { config: { folder: "123456" } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      config: { parent: "folders/123456", apiEndpoint: "http://127.0.0.1:1" },
      secret: true,
      schedule: "0 3 * * *",
    });
    expect((await patch(id, { config: { project: "ctem-test-project", folder: "1" } })).statusCode).toBe(400);
    expect((await patch(id, { clientSecret: "x" })).statusCode).toBe(400);
  });
});
