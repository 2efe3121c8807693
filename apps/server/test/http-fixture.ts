// A test estate for the API: a SQLite store in a temp dir with an admin, an analyst, two developers
// (one in team "payments"), a small graph with a finding, and three issues (assigned to dev1, to
// team payments, to nobody). Every log line the app writes is kept in `logs`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ValidationError } from "@ctem/model";
import type { IssueDraft, Role, SettingsPatch } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import type { SqliteStores } from "@ctem/store";
import { edgeFact, key, nodeFact, scanRun, vulnFact } from "@ctem/store/contract";
import { FIXTURE_TARGET, issueDraft } from "@ctem/store/fixtures";
import { createPasswordHasher } from "../src/auth/passwords.js";
import { createSecretBox } from "../src/auth/secrets.js";
import { buildApp } from "../src/http/app.js";
import type { AppDeps, CtemApp } from "../src/http/app.js";
import type { ServerConfig } from "../src/config.js";

export const PASSWORD = "correct horse battery staple";
export const hasher = createPasswordHasher({ cost: 1024 });

export const ec2 = key("aws:111122223333", "us-east-1", "aws-ec2-instances");
export const s3 = key("aws:111122223333", "global", "aws-s3-buckets");
export const insp = key("import:inspector2:111122223333", "global", "import-inspector2");
export const WEB = "arn:aws:ec2:us-east-1:111122223333:instance/i-0000000000000001";
export const BUCKET = "arn:aws:s3:::customer-data";

export function draft(entryId: string, over: Partial<IssueDraft> = {}): IssueDraft {
  return issueDraft({
    title: `${entryId} can read customer-data`,
    entry: { id: entryId, kind: "compute", type: "aws.ec2.instance", name: entryId.slice(-4) },
    target: { ...FIXTURE_TARGET, id: BUCKET },
    ...over,
  });
}

export interface Fixture {
  dir: string;
  stores: SqliteStores;
  app: CtemApp;
  logs: string[];
  users: Record<"admin" | "analyst" | "dev1" | "dev2", { id: string; email: string; role: Role }>;
  issues: { mine: string; team: string; other: string };
  close(): Promise<void>;
}

export const baseConfig = (over: Partial<ServerConfig> = {}): ServerConfig => ({
  adminEmail: "admin@example.com",
  sessionIdleMinutes: 60,
  sessionMaxHours: 12,
  cookieSecure: false,
  loginRateLimit: 1000,
  trustProxy: false,
  ...over,
});

export async function makeFixture(
  opts: {
    config?: Partial<ServerConfig>;
    now?: () => Date;
    deps?: Partial<AppDeps>;
    logLevel?: string;
    /** What ctem.config.json would set (the read-only settings overlay). */
    overlay?: SettingsPatch;
  } = {},
): Promise<Fixture> {
  const dir = mkdtempSync(path.join(tmpdir(), "ctem-http-"));
  const stores = openSqliteStores(path.join(dir, "ctem.db"), opts.overlay ? { overlay: opts.overlay } : {});
  const acc = stores.app.accounts;
  const mk = async (email: string, role: Role, team?: string) => {
    const u = await acc.users.create({
      email,
      role,
      team: team ?? null,
      passwordHash: await hasher.hash(PASSWORD),
      mustChangePassword: false,
      source: "local",
    });
    return { id: u.id, email: u.email, role: u.role };
  };
  const users = {
    admin: await mk("admin@example.com", "admin"),
    analyst: await mk("analyst@example.com", "analyst"),
    dev1: await mk("dev1@example.com", "developer"),
    dev2: await mk("dev2@example.com", "developer", "payments"),
  };
  await stores.graph.applyScan(scanRun([ec2, s3, insp]), [
    {
      nodes: [
        nodeFact(WEB, ec2),
        nodeFact("arn:aws:ec2:us-east-1:111122223333:instance/i-0000000000000002", ec2),
        nodeFact(BUCKET, s3, {
          kind: "data_store",
          type: "aws.s3.bucket",
          name: "customer-data",
          region: "global",
        }),
      ],
      edges: [edgeFact(WEB, "HAS_ROLE", BUCKET, ec2)],
      findings: [vulnFact("CVE-2021-44228", WEB, insp, "inspector2")],
    },
  ]);
  const mine = draft(WEB, { assignee: { user: users.dev1.email } });
  const team = draft("arn:aws:ec2:us-east-1:111122223333:instance/i-0000000000000002", {
    assignee: { team: "payments" },
    severity: "high",
    score: 7.5,
  });
  const other = draft("arn:aws:ec2:us-east-1:111122223333:instance/i-0000000000000003", {
    severity: "medium",
    score: 5,
  });
  await stores.app.commitAnalysis(
    { id: "a1", startedAt: "2026-01-01T00:00:00.000Z", status: "running" },
    { issues: [mine, team, other], paths: [], tiers: [], findingPriorities: [], fixPlan: [] },
  );
  // A scope and a finished scan run for the scope and scan routes.
  await stores.app.scopes.save({
    id: "scope-prod",
    name: "prod",
    provider: "aws",
    config: {
      accountId: "111122223333",
      roleArn: "arn:aws:iam::111122223333:role/ctem-scanner",
      externalId: "ctem-0123456789abcdef",
      regions: ["us-east-1"],
      inspector2: false,
    },
    include: [],
    exclude: [],
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  const run = {
    id: "scan-fixture",
    trigger: { kind: "scope" as const, scopeId: "scope-prod" },
    status: "running" as const,
    startedAt: "2026-01-01T00:00:00.000Z",
    collectors: [],
  };
  await stores.app.scanRuns.start(run);
  await stores.app.scanRuns.finish({ ...run, status: "complete", finishedAt: "2026-01-01T00:01:00.000Z" });
  const logs: string[] = [];
  const key32 = Buffer.alloc(32, 7);
  const app = await buildApp({
    graph: stores.graph,
    app: stores.app,
    graphKind: "sqlite",
    config: baseConfig(opts.config),
    dataDir: dir,
    secretKey: key32,
    secrets: createSecretBox(key32),
    hasher,
    log: { stream: { write: (l: string) => void logs.push(l) }, level: opts.logLevel ?? "debug" },
    ...(opts.now ? { now: opts.now } : {}),
    // No cloud in these tests: a scan fails at once unless a test brings its scanner.
    scanner: () => Promise.reject(new ValidationError("no scanner in this test")),
    analyze: () => Promise.resolve(),
    ...opts.deps,
  });
  return {
    dir,
    stores,
    app,
    logs,
    users,
    issues: { mine: mine.key, team: team.key, other: other.key },
    async close() {
      await app.close();
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface As {
  headers: Record<string, string>;
  csrf: string;
  cookie: string;
}

/** Signs in through the API and returns what a browser would send next. */
export async function signIn(app: CtemApp, email: string, password = PASSWORD): Promise<As> {
  const res = await app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
  const set = res.cookies.find((c) => c.name === "ctem_session");
  if (!set) throw new Error("no session cookie");
  const csrf = res.json<{ csrfToken: string }>().csrfToken;
  return { cookie: set.value, csrf, headers: { cookie: `ctem_session=${set.value}`, "x-csrf-token": csrf } };
}
