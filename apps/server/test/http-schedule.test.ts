// Scheduled scans: a scope with a cron expression is scanned on it (here every second, against the
// testkit's AWS replay server through the real SDK), never twice at once; a bad expression is 400.
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
const ACCOUNT = "123456789012";
const ROLE = `arn:aws:sts::${ACCOUNT}:assumed-role/ctem-scanner/ctem`;

beforeAll(async () => {
  aws = await startAwsReplayServer();
  aws
    .on(AssumeRole$, {
      Credentials: {
        AccessKeyId: "ASIATESTKITASSUMED",
        SecretAccessKey: "testkit",
        SessionToken: "testkit-session",
        Expiration: "2099-01-01T00:00:00Z",
      },
      AssumedRoleUser: { AssumedRoleId: "AROA0000000000000000:ctem", Arn: ROLE },
    })
    .on(GetCallerIdentity$, { Account: ACCOUNT, Arn: ROLE, UserId: "AROA0000000000000000:ctem" });
  f = await makeFixture({
    deps: {
      schedules: true,
      scanner: awsScanner(
        { AWS_ENDPOINT_URL: aws.url, AWS_REGION: "us-east-1", AWS_MAX_ATTEMPTS: "1" },
        { accessKeyId: "AKIATESTKIT", secretAccessKey: "testkit" },
      ),
    },
  });
  admin = await signIn(f.app, f.users.admin.email);
});
afterAll(async () => {
  await f.close();
  await aws.close();
});

const create = (name: string, schedule: string) =>
  f.app.inject({
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
      schedule,
    },
  });

describe("scheduled scans", () => {
  it("refuses a schedule croner cannot run", async () => {
    const res = await create("bad", "every tuesday");
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { field: string } }>().error.field).toBe("body.schedule");
  });

  it("scans the scope on its schedule and records each run", async () => {
    const res = await create("every-second", "* * * * * *");
    expect(res.statusCode).toBe(201);
    const scope = res.json<{ id: string; schedule: string }>();
    expect(scope.schedule).toBe("* * * * * *");
    let runs: Array<{ status: string; trigger: { scopeId?: string } }> = [];
    for (let i = 0; i < 60 && !runs.some((r) => r.status !== "running"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      runs = (await f.stores.app.scanRuns.list({ limit: 100 })).items.filter(
        (r) => r.trigger.scopeId === scope.id,
      );
    }
    expect(runs.find((r) => r.status !== "running")?.status).toBe("partial");
    expect(aws.calls.some((c) => c.action === "AssumeRole")).toBe(true);
    // Unscheduling stops it.
    const off = await f.app.inject({
      method: "PATCH",
      url: `/api/scopes/${scope.id}`,
      headers: admin.headers,
      payload: { schedule: null },
    });
    expect(off.json<{ schedule: string | null }>().schedule).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    const count = (await f.stores.app.scanRuns.list({ limit: 100 })).items.length;
    await new Promise((r) => setTimeout(r, 1200));
    expect((await f.stores.app.scanRuns.list({ limit: 100 })).items.length).toBe(count);
  });
});
