// The whole continuous loop, nothing faked inside the server: a scope scheduled every second (croner)
// is scanned by the AWS connector through the real SDK against the testkit's replay server; the
// server's own analysis (engine, SQLite, threat intel) finds an IAM user whose active access key
// leads to admin; an analyst marks the issue fixed, the next scheduled scan still sees the path and
// reopens it (DESIGN's status table: fixed → open, verification failed); the key is deactivated and
// the next scan resolves it. Every change reaches a local HTTP receiver as a webhook whose
// HMAC-SHA256 signature the receiver checks with the secret shown at creation.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AssumeRole$, GetCallerIdentity$ } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsReplayServer } from "@ctem/testkit";
import type { AwsReplayServer, OperationSchema } from "@ctem/testkit";
import type { Issue } from "@ctem/model";
import { awsScanner } from "../src/scans/service.js";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

// The IAM operations' schemas, from the SDK client the connector itself uses (resolved from
// @ctem/discovery, so this test adds no dependency of its own and scripts exactly that client).
const iam = createRequire(import.meta.resolve("@ctem/discovery"))("@aws-sdk/client-iam") as Record<
  "GetAccessKeyLastUsed$" | "GetAccountAuthorizationDetails$" | "ListAccessKeys$" | "ListUsers$",
  OperationSchema
>;
const { GetAccessKeyLastUsed$, GetAccountAuthorizationDetails$, ListAccessKeys$, ListUsers$ } = iam;

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:sts::${ACCOUNT}:assumed-role/ctem-scanner/ctem`;
const USER = `arn:aws:iam::${ACCOUNT}:user/deploy`;
const KEY_ID = "AKIAE2ETESTKEY000001";
const CREATED = "2026-01-05T10:00:00Z";

interface Delivery {
  event: string;
  body: { event: string; issue: { key: string; status: string }; previousStatus?: string };
  signed: boolean;
}

let f: Fixture;
let admin: As;
let analyst: As;
let aws: AwsReplayServer;
let receiver: Server;
let secret = "";
const received: Delivery[] = [];

/** The IAM answers of an account with one user, an inline allow-everything policy and one key. */
function scriptAccount(keyStatus: "Active" | "Inactive") {
  const everything = encodeURIComponent(
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }),
  );
  aws
    .reset()
    .on(AssumeRole$, {
      Credentials: {
        AccessKeyId: "ASIATESTKITASSUMED",
        SecretAccessKey: "testkit",
        SessionToken: "testkit-session",
        Expiration: "2099-01-01T00:00:00Z",
      },
      AssumedRoleUser: { AssumedRoleId: "AROA0000000000000000:ctem", Arn: ROLE },
    })
    .on(GetCallerIdentity$, { Account: ACCOUNT, Arn: ROLE, UserId: "AROA0000000000000000:ctem" })
    .on(GetAccountAuthorizationDetails$, {
      UserDetailList: [
        {
          Path: "/",
          UserName: "deploy",
          UserId: "AIDAE2ETESTUSER00001",
          Arn: USER,
          CreateDate: CREATED,
          UserPolicyList: [{ PolicyName: "everything", PolicyDocument: everything }],
          GroupList: [],
          AttachedManagedPolicies: [],
          Tags: [],
        },
      ],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
      IsTruncated: false,
    })
    .on(ListUsers$, {
      Users: [
        { Path: "/", UserName: "deploy", UserId: "AIDAE2ETESTUSER00001", Arn: USER, CreateDate: CREATED },
      ],
      IsTruncated: false,
    })
    .on(ListAccessKeys$, {
      AccessKeyMetadata: [
        { UserName: "deploy", AccessKeyId: KEY_ID, Status: keyStatus, CreateDate: CREATED },
      ],
      IsTruncated: false,
    })
    .on(GetAccessKeyLastUsed$, {
      UserName: "deploy",
      AccessKeyLastUsed: { LastUsedDate: "2026-11-01T00:00:00Z", ServiceName: "s3", Region: "us-east-1" },
    });
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      // What a subscriber does: recompute the signature over `<timestamp>.<body>` and compare.
      const ts = String(req.headers["x-ctem-timestamp"] ?? "");
      const got = Buffer.from(String(req.headers["x-ctem-signature"] ?? ""));
      const want = Buffer.from(`sha256=${createHmac("sha256", secret).update(`${ts}.${raw}`).digest("hex")}`);
      const signed = got.length === want.length && timingSafeEqual(got, want);
      received.push({
        event: String(req.headers["x-ctem-event"]),
        body: JSON.parse(raw) as Delivery["body"],
        signed,
      });
      res.statusCode = signed ? 204 : 401;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  aws = await startAwsReplayServer();
  scriptAccount("Active");
  f = await makeFixture({
    deps: {
      schedules: true,
      // The real connector and the server's own analysis.
      scanner: awsScanner(
        { AWS_ENDPOINT_URL: aws.url, AWS_REGION: "us-east-1", AWS_MAX_ATTEMPTS: "1" },
        { accessKeyId: "AKIATESTKIT", secretAccessKey: "testkit" },
      ),
      analyze: undefined,
    },
  });
  admin = await signIn(f.app, f.users.admin.email);
  analyst = await signIn(f.app, f.users.analyst.email);
});
afterAll(async () => {
  await f?.close();
  await aws?.close();
  await new Promise((r) => receiver?.close(r));
});

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  seconds = 60,
): Promise<T> {
  for (let i = 0; i < seconds * 10; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const keyIssue = async (): Promise<Issue | undefined> =>
  (await f.stores.app.listIssues({ rule: "key-to-admin" }, { limit: 10 })).items.find(
    (i) => i.entry.id === USER,
  );

describe("scheduled scan → issues by the status table → signed webhooks", () => {
  it("runs the loop", async () => {
    const hook = await f.app.inject({
      method: "POST",
      url: "/api/webhooks",
      headers: admin.headers,
      payload: {
        name: "receiver",
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        events: ["issue.created", "issue.updated", "issue.resolved", "issue.reopened"],
      },
    });
    expect(hook.statusCode).toBe(201);
    secret = hook.json<{ secret: string }>().secret;

    const scope = await f.app.inject({
      method: "POST",
      url: "/api/scopes",
      headers: admin.headers,
      payload: {
        name: "e2e",
        provider: "aws",
        config: {
          accountId: ACCOUNT,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/ctem-scanner`,
          regions: ["us-east-1"],
        },
        schedule: "* * * * * *",
      },
    });
    expect(scope.statusCode).toBe(201);
    const scopeId = scope.json<{ id: string }>().id;

    // 1. A scheduled scan finds the key's path to admin: a new issue, and its webhook.
    const issue = await until("the key-to-admin issue", keyIssue);
    expect(issue.status).toBe("open");
    const runs = (await f.stores.app.scanRuns.list({ limit: 100 })).items.filter(
      (r) => r.trigger.scopeId === scopeId,
    );
    expect(runs.length).toBeGreaterThan(0);
    expect(aws.calls.some((c) => c.action === "GetAccountAuthorizationDetails")).toBe(true);
    await until("the created webhook", () =>
      received.find((d) => d.event === "issue.created" && d.body.issue.key === issue.key),
    );

    // 2. An analyst says it is fixed; the next scheduled scan still sees the path: open again.
    const fixed = await f.app.inject({
      method: "PATCH",
      url: `/api/issues/${issue.key}`,
      headers: analyst.headers,
      payload: { status: "fixed" },
    });
    expect(fixed.statusCode).toBe(200);
    const reopened = await until("verification to fail", async () => {
      const i = await f.stores.app.getIssue(issue.key);
      return i?.status === "open" && i.verificationFailedAt ? i : undefined;
    });
    expect(reopened.fixedAt).not.toBeNull();
    const back = await until("the reopening webhook", () =>
      received.find(
        (d) =>
          d.event === "issue.updated" &&
          d.body.issue.key === issue.key &&
          d.body.previousStatus === "fixed" &&
          d.body.issue.status === "open",
      ),
    );
    expect(back.signed).toBe(true);

    // 3. The key is deactivated in the account; the next scheduled scan resolves the issue.
    scriptAccount("Inactive");
    const resolved = await until("the issue to resolve", async () => {
      const i = await f.stores.app.getIssue(issue.key);
      return i?.status === "resolved" ? i : undefined;
    });
    expect(resolved.resolvedAt).not.toBeNull();
    await until("the resolved webhook", () =>
      received.find((d) => d.event === "issue.resolved" && d.body.issue.key === issue.key),
    );

    // Every delivery was signed with the webhook's secret and logged as delivered.
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(received.filter((d) => !d.signed)).toEqual([]);
    const log = await f.stores.app.ops.deliveries.list(hook.json<{ webhook: { id: string } }>().webhook.id, {
      limit: 100,
    });
    const ours = log.items.filter((d) => d.body.includes(issue.key));
    expect(ours.length).toBeGreaterThanOrEqual(3);
    expect(ours.every((d) => d.status === "delivered")).toBe(true);

    // Unscheduled: no more runs.
    await f.app.inject({
      method: "PATCH",
      url: `/api/scopes/${scopeId}`,
      headers: admin.headers,
      payload: { schedule: null },
    });
  }, 120_000);
});
