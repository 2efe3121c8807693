// Webhooks over the API, delivered to a local HTTP server: the secret is shown once, each event is
// signed (HMAC-SHA256 over `<timestamp>.<body>`), a failing subscriber is retried with backoff and
// its answers logged, and an analysis after a scan fires created/resolved events.
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sign } from "../src/webhooks/service.js";
import { draft, makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

interface Got {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const got: Got[] = [];
let server: Server;
let base = "";
let f: Fixture;
let admin: As;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      got.push({ path: req.url ?? "", headers: req.headers, body });
      res.statusCode = req.url === "/broken" ? 500 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  f = await makeFixture({
    deps: {
      // A scan that records a complete run; the "analysis" then finds a new issue and loses one.
      scanner: async (_scope, stores, trigger) => {
        const run = {
          id: "x",
          trigger,
          status: "running" as const,
          startedAt: new Date().toISOString(),
          collectors: [],
        };
        await stores.scanRuns.start(run);
        await stores.scanRuns.finish({ ...run, status: "complete", finishedAt: new Date().toISOString() });
      },
      analyze: async () => {
        const team = (await f.stores.app.getIssue(f.issues.team))!;
        await f.stores.app.commitAnalysis(
          { id: "a-webhooks", startedAt: new Date().toISOString(), status: "running" },
          {
            issues: [
              draft("arn:aws:ec2:us-east-1:111122223333:instance/i-new"),
              { ...team, status: "resolved", resolvedAt: new Date().toISOString() },
            ],
            paths: [],
            tiers: [],
            findingPriorities: [],
            fixPlan: [],
          },
        );
      },
    },
  });
  admin = await signIn(f.app, f.users.admin.email);
});
afterAll(async () => {
  await f.close();
  await new Promise((r) => server.close(r));
});

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("timed out");
}

const create = (path: string, events?: string[]) =>
  f.app.inject({
    method: "POST",
    url: "/api/webhooks",
    headers: admin.headers,
    payload: { name: path, url: `${base}${path}`, ...(events ? { events } : {}) },
  });

describe("webhooks", () => {
  let secret = "";
  let hookId = "";

  it("creating one answers its secret once; listing never shows it", async () => {
    const res = await create("/ok", ["issue.updated", "issue.created", "issue.resolved"]);
    expect(res.statusCode).toBe(201);
    const body = res.json<{ webhook: { id: string }; secret: string }>();
    secret = body.secret;
    hookId = body.webhook.id;
    expect(secret).toMatch(/^whsec_/);
    const list = await f.app.inject({ url: "/api/webhooks", headers: admin.headers });
    expect(list.body).not.toContain(secret);
    const items = list.json<{ items: Array<Record<string, unknown>> }>().items;
    expect(items.map((w) => [w.id, "secretName" in w])).toEqual([[hookId, false]]);
  });

  it("an issue change is delivered, signed over timestamp and body, and logged", async () => {
    await f.app.inject({
      method: "PATCH",
      url: `/api/issues/${f.issues.mine}`,
      headers: admin.headers,
      payload: { status: "in_progress" },
    });
    const hit = await until(() => Promise.resolve(got.find((g) => g.path === "/ok")));
    expect(hit.headers["x-ctem-event"]).toBe("issue.updated");
    expect(hit.headers["x-ctem-signature"]).toBe(
      sign(secret, String(hit.headers["x-ctem-timestamp"]), hit.body),
    );
    expect(JSON.parse(hit.body)).toMatchObject({
      event: "issue.updated",
      previousStatus: "open",
      issue: { key: f.issues.mine, status: "in_progress" },
    });
    const log = await until(async () => {
      const r = await f.app.inject({ url: `/api/webhooks/${hookId}/deliveries`, headers: admin.headers });
      const items = r.json<{ items: Array<{ status: string; attempts: number; lastStatus: number }> }>()
        .items;
      return items[0]?.status === "delivered" ? items : undefined;
    });
    expect(log[0]).toMatchObject({ attempts: 1, lastStatus: 204 });
  });

  it("a subscriber answering 500 is retried later, with the answer logged", async () => {
    const res = await create("/broken", ["issue.updated"]);
    const id = res.json<{ webhook: { id: string } }>().webhook.id;
    await f.app.inject({
      method: "PATCH",
      url: `/api/issues/${f.issues.mine}`,
      headers: admin.headers,
      payload: { status: "fixed" },
    });
    const d = await until(async () => {
      const r = await f.app.inject({ url: `/api/webhooks/${id}/deliveries`, headers: admin.headers });
      const items = r.json<{
        items: Array<{
          status: string;
          attempts: number;
          lastStatus: number | null;
          nextAttemptAt: string | null;
          createdAt: string;
        }>;
      }>().items;
      return items[0]?.attempts === 1 ? items[0] : undefined;
    });
    expect(d).toMatchObject({ status: "pending", lastStatus: 500 });
    expect(Date.parse(d.nextAttemptAt!) - Date.parse(d.createdAt)).toBeGreaterThanOrEqual(60_000);
    await f.app.inject({ method: "DELETE", url: `/api/webhooks/${id}`, headers: admin.headers });
  });

  it("a scan's analysis fires issue.created and issue.resolved", async () => {
    got.length = 0;
    const res = await f.app.inject({ method: "POST", url: "/api/scopes/prod/scans", headers: admin.headers });
    expect(res.statusCode).toBe(202);
    const events = await until(() => {
      // The previous test's issue.updated may still arrive: only the analysis' events count here.
      const e = got
        .filter((g) => g.path === "/ok")
        .map((g) => String(g.headers["x-ctem-event"]))
        .filter((x) => x !== "issue.updated");
      return Promise.resolve(e.length >= 2 ? e.sort() : undefined);
    });
    expect(events).toEqual(["issue.created", "issue.resolved"]);
  });
});
