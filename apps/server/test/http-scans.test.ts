// Scopes and scans over the API against the testkit's AWS replay server, through the real SDK:
// a scope is added (ctem generates its external id), a scan runs in the background, is recorded
// from its start under one id, streams its progress, and then the analysis runs. A scan that
// cannot assume the role fails before writing anything and is still in the history.
import { AssumeRole$, GetCallerIdentity$ } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsReplayServer } from "@ctem/testkit";
import type { AwsReplayServer } from "@ctem/testkit";
import { awsScanner } from "../src/scans/service.js";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

let f: Fixture;
let admin: As;
let aws: AwsReplayServer;
let analyses = 0;
const ACCOUNT = "123456789012";

beforeAll(async () => {
  aws = await startAwsReplayServer();
  f = await makeFixture({
    deps: {
      scanner: awsScanner(
        {
          AWS_ENDPOINT_URL: aws.url,
          AWS_REGION: "us-east-1",
        },
        { accessKeyId: "AKIATESTKIT", secretAccessKey: "testkit" },
      ),
      analyze: () => {
        analyses++;
        return Promise.resolve();
      },
    },
  });
  admin = await signIn(f.app, f.users.admin.email);
});
afterAll(async () => {
  await f.close();
  await aws.close();
});

async function addScope(name: string): Promise<{ id: string; config: { externalId: string } }> {
  const res = await f.app.inject({
    method: "POST",
    url: "/api/scopes",
    headers: admin.headers,
    payload: {
      name,
      provider: "aws",
      config: {
        accountId: ACCOUNT,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/ctem-scanner`,
        regions: ["us-east-1"],
      },
    },
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

const scan = (scope: string) =>
  f.app.inject({ method: "POST", url: `/api/scopes/${scope}/scans`, headers: admin.headers });

describe("scopes and scans", () => {
  it("adds an AWS scope with a generated external id; a duplicate name or a foreign role answers 409/400", async () => {
    const s = await addScope("acme");
    expect(s.config.externalId).toMatch(/^ctem-[0-9a-f]{32}$/);
    expect(
      (
        await f.app.inject({
          method: "POST",
          url: "/api/scopes",
          headers: admin.headers,
          payload: {
            name: "acme",
            provider: "aws",
            config: { accountId: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/x` },
          },
        })
      ).statusCode,
    ).toBe(409);
    const foreign = await f.app.inject({
      method: "POST",
      url: "/api/scopes",
      headers: admin.headers,
      payload: {
        name: "foreign",
        provider: "aws",
        config: { accountId: ACCOUNT, roleArn: "arn:aws:iam::999999999999:role/x" },
      },
    });
    expect(foreign.json<{ error: { field: string } }>().error.field).toBe("config.roleArn");
  });

  it("a scan whose role cannot be assumed is recorded as failed, with the reason", async () => {
    aws.reset().fail(AssumeRole$, "AccessDenied", { status: 403, message: "not authorized to assume" });
    const res = await scan("acme");
    expect(res.statusCode).toBe(202);
    const run = res.json<{ id: string; status: string }>();
    expect(run.status).toBe("running");
    // Recorded from its start: the history has it before it ends.
    expect((await f.stores.app.scanRuns.get(run.id))?.status).toBeDefined();
    await f.app.inject({ url: `/api/scans/${run.id}/events`, headers: admin.headers });
    const got = await f.app.inject({ url: `/api/scans/${run.id}`, headers: admin.headers });
    expect(got.json()).toMatchObject({
      id: run.id,
      status: "failed",
      trigger: { kind: "scope" },
      collectors: [{ collector: "scan-setup", status: "failed", source: `aws:${ACCOUNT}` }],
    });
    expect(analyses).toBe(0);
  });

  it("a scan runs under the scope's role and external id, streams progress, and the analysis follows", async () => {
    aws
      .reset()
      .on(AssumeRole$, {
        Credentials: {
          AccessKeyId: "ASIATESTKITASSUMED",
          SecretAccessKey: "testkit",
          SessionToken: "testkit-session",
          Expiration: "2099-01-01T00:00:00Z",
        },
        AssumedRoleUser: {
          AssumedRoleId: "AROA0000000000000000:ctem",
          Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ctem-scanner/ctem`,
        },
      })
      .on(GetCallerIdentity$, {
        Account: ACCOUNT,
        Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ctem-scanner/ctem`,
        UserId: "AROA0000000000000000:ctem",
      });
    const scope = (await f.stores.app.scopes.get("acme"))!;
    const res = await scan("acme");
    const run = res.json<{ id: string }>();
    // One run per scope at a time.
    expect((await scan("acme")).statusCode).toBe(409);
    const events = await f.app.inject({ url: `/api/scans/${run.id}/events`, headers: admin.headers });
    expect(events.headers["content-type"]).toContain("text/event-stream");
    const lines = events.body
      .split("\n\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l.replace(/^data: /, "")) as { t: string; status?: string });
    expect(lines.at(-1)?.t).toBe("done");
    expect(lines.some((e) => e.t === "start")).toBe(true);
    const assume = aws.calls.find((c) => c.action === "AssumeRole");
    expect(assume?.params.ExternalId).toBe(scope.config.externalId);
    const got = (await f.stores.app.scanRuns.get(run.id))!;
    // The replay server scripts no listing here: every collector fails, and says why.
    expect(got.status).toBe("partial");
    expect(got.collectors.find((c) => c.collector === "aws-account")?.status).toBe("ok");
    expect(lines.filter((e) => e.t === "analysis").map((e) => e.status)).toEqual(["running", "complete"]);
    expect(analyses).toBe(1);
    expect(got.collectors.length).toBeGreaterThan(1);
    expect(got.collectors.every((c) => c.source === `aws:${ACCOUNT}`)).toBe(true);
    const listed = await f.app.inject({ url: "/api/scans?limit=10", headers: admin.headers });
    expect(listed.json<{ items: Array<{ id: string }> }>().items.map((r) => r.id)).toContain(run.id);
  });

  it("removing a scope drops its account's data unless asked to keep it", async () => {
    const res = await f.app.inject({ method: "DELETE", url: "/api/scopes/acme", headers: admin.headers });
    expect(res.json()).toEqual({ removed: "acme", removedData: true });
    expect(await f.stores.app.scopes.get("acme")).toBeUndefined();
  });
});
