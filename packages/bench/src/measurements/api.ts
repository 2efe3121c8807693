// API: the issue list over loopback with 50,000 issues (DESIGN "Performance"; server part 2's
// "done when": p97.5 under 50 ms). The real server (buildApp, listening on 127.0.0.1), a SQLite
// store in the scratch directory, a signed-in analyst, autocannon with 10 connections for 10 s on
// the first page (riskiest first) and on a filtered page.
import { loadavg } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import type { IssueDraft, Severity } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import { issueDraft } from "@ctem/store/fixtures";
import { buildApp, createPasswordHasher, createSecretBox } from "@ctem/server";
import type { BenchFigure, Measurement } from "../harness.js";

const ISSUES = 50_000;
const PASSWORD = "bench password 1234";
const SEVERITIES: Severity[] = ["critical", "high", "medium", "low"];

function draft(n: number): IssueDraft {
  const entry = `arn:aws:ec2:us-east-1:111122223333:instance/i-${n.toString(16).padStart(17, "0")}`;
  const target = `arn:aws:s3:::bucket-${n % 500}`;
  return issueDraft({
    title: `i-${n} can read bucket-${n % 500}`,
    severity: SEVERITIES[n % 4]!,
    score: Math.round((10 - (n % 1000) / 100) * 100) / 100,
    status: n % 7 === 0 ? "in_progress" : "open",
    entry: { id: entry, kind: "compute", type: "aws.ec2.instance", name: `i-${n}` },
    target: { id: target, kind: "data_store", type: "aws.s3.bucket", name: `bucket-${n % 500}`, tier: 1 },
    paths: [
      {
        likelihood: 0.8,
        confidence: "config_confirmed",
        hops: [
          {
            from: "internet",
            to: entry,
            edge: "EXPOSES",
            evidence: [{ source: "aws-ec2-security-groups", ref: "sg-1" }],
            assumptions: [],
          },
          {
            from: entry,
            to: target,
            edge: "CAN_ACCESS",
            evidence: [{ source: "aws-iam", ref: "role/app" }],
            assumptions: [],
          },
        ],
      },
    ],
    assignee: n % 3 === 0 ? { team: "payments" } : {},
  });
}

async function load(
  url: string,
  cookie: string,
): Promise<{ p975: number; p50: number; rps: number; non2xx: number; load: number }> {
  const r = await autocannon({ url, connections: 10, duration: 10, headers: { cookie } });
  return {
    p975: r.latency.p97_5,
    p50: r.latency.p50,
    rps: r.requests.average,
    non2xx: r.non2xx,
    load: loadavg()[0]!,
  };
}

export const apiIssues50k: Measurement = {
  name: "api-issues-50k",
  description: "GET /api/issues over loopback with 50,000 issues (autocannon, 10 connections, 10 s)",
  async run(ctx) {
    const stores = openSqliteStores(path.join(ctx.tmpDir, "ctem.db"));
    const hasher = createPasswordHasher({ cost: 1024 });
    await stores.app.accounts.users.create({
      email: "analyst@example.com",
      role: "analyst",
      team: null,
      passwordHash: await hasher.hash(PASSWORD),
      mustChangePassword: false,
      source: "local",
    });
    const t0 = performance.now();
    await stores.app.commitAnalysis(
      { id: "bench", startedAt: "2026-01-01T00:00:00.000Z", status: "running" },
      {
        issues: Array.from({ length: ISSUES }, (_, n) => draft(n)),
        paths: [],
        tiers: [],
        findingPriorities: [],
        fixPlan: [],
      },
    );
    ctx.log(`${ISSUES} issues committed in ${Math.round(performance.now() - t0)} ms`);
    const key = Buffer.alloc(32, 7);
    const app = await buildApp({
      graph: stores.graph,
      app: stores.app,
      graphKind: "sqlite",
      config: {
        adminEmail: "analyst@example.com",
        sessionIdleMinutes: 60,
        sessionMaxHours: 12,
        cookieSecure: false,
        loginRateLimit: 1000,
        trustProxy: false,
      },
      dataDir: ctx.tmpDir,
      secretKey: key,
      secrets: createSecretBox(key),
      hasher,
      log: false,
    });
    try {
      const login = await app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { email: "analyst@example.com", password: PASSWORD },
      });
      const session = login.cookies.find((c) => c.name === "ctem_session")!.value;
      const cookie = `ctem_session=${session}`;
      const base = await app.listen({ host: "127.0.0.1", port: 0 });
      const first = await load(`${base}/api/issues?limit=100`, cookie);
      const filtered = await load(
        `${base}/api/issues?limit=100&severity=critical,high&status=open&sort=dueAt`,
        cookie,
      );
      const figure = (what: string, r: typeof first): BenchFigure[] => [
        {
          metric: `${what}: p97.5 latency`,
          value: r.p975,
          unit: "ms",
          target: { op: "<=", value: 50 },
          note: `p50 ${r.p50} ms, ${Math.round(r.rps)} req/s, ${r.non2xx} non-2xx; load average ${r.load.toFixed(1)}`,
        },
      ];
      if (first.non2xx || filtered.non2xx) throw new Error("the issue list answered errors under load");
      return [
        ...figure("first page (100, riskiest first)", first),
        ...figure("filtered page (severity, status, due date)", filtered),
      ];
    } finally {
      await app.close();
      await stores.close();
    }
  },
};
