// `ctem users add|list` and `ctem serve` as a user runs them: the one-time password printed once,
// --password-stdin, --team creating the team; the server listening, answering /api/health and
// /api/docs, and creating the first admin with its one-time password in a 0600 file.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStores } from "@ctem/store";
import { main } from "../src/cli/main.js";
import { resolveConfig } from "../src/config.js";
import { prepareData, startServer } from "../src/cli/serve.js";
import { key, nodeFact, scanRun } from "@ctem/store/contract";
import { createPasswordHasher } from "../src/auth/passwords.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-users-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ctem(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { INIT_CWD: dir },
  });
  return { code, stdout, stderr };
}

describe("ctem users", () => {
  it("add prints a one-time password once, creates the team, and list shows the user", async () => {
    const r = await ctem([
      "--data",
      ".",
      "--json",
      "users",
      "add",
      "--email",
      "Dev@Example.com",
      "--role",
      "developer",
      "--team",
      "payments",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      user: { email: string; team: string; mustChangePassword: boolean };
      oneTimePassword: string;
    };
    expect(out.user).toMatchObject({ email: "dev@example.com", team: "payments", mustChangePassword: true });
    expect(out.oneTimePassword).toMatch(/^[A-Za-z0-9]{20}$/);
    const again = await ctem([
      "--data",
      ".",
      "users",
      "add",
      "--email",
      "dev@example.com",
      "--role",
      "analyst",
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    const bad = await ctem(["--data", ".", "users", "add", "--email", "x@example.com", "--role", "root"]);
    expect(bad.code).toBe(2);
    const list = await ctem(["--data", ".", "--json", "users", "list"]);
    expect(
      (JSON.parse(list.stdout) as { items: Array<{ email: string }> }).items.map((u) => u.email),
    ).toEqual(["dev@example.com"]);
    const s = openSqliteStores(path.join(dir, "ctem.db"));
    try {
      const rec = await s.app.accounts.users.record("dev@example.com");
      expect(await createPasswordHasher().verify(out.oneTimePassword, rec!.passwordHash)).toBe(true);
      expect((await s.app.accounts.teams.list()).map((t) => t.name)).toEqual(["payments"]);
    } finally {
      await s.close();
    }
  });

  it("--password-stdin reads the password from stdin and prints none", async () => {
    const bin = fileURLToPath(new URL("../src/bin/ctem.ts", import.meta.url));
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      const child = execFile(
        process.execPath,
        [
          "--import",
          "tsx",
          bin,
          "--data",
          dir,
          "users",
          "add",
          "--email",
          "ana@example.com",
          "--role",
          "analyst",
          "--password-stdin",
        ],
        { cwd: path.dirname(bin) },
        (err, out) => resolve({ stdout: out, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
      );
      child.stdin!.end("a passphrase from stdin\n");
    });
    expect(code).toBe(0);
    expect(stdout).toContain("added ana@example.com (analyst)");
    expect(stdout).not.toContain("password");
    const s = openSqliteStores(path.join(dir, "ctem.db"));
    try {
      const rec = await s.app.accounts.users.record("ana@example.com");
      expect(rec?.mustChangePassword).toBe(false);
      expect(await createPasswordHasher().verify("a passphrase from stdin", rec!.passwordHash)).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe("ctem serve", () => {
  it("listens, reports both stores and the missing data, serves the OpenAPI document, and writes the first admin's password to a 0600 file", async () => {
    const cfg = resolveConfig({ data: dir }, { INIT_CWD: dir });
    const stores = openSqliteStores(cfg.dbFile);
    const logs: string[] = [];
    let stderr = "";
    const s = await startServer({
      cfg,
      graph: stores.graph,
      app: stores.app,
      graphKind: "sqlite",
      port: 0,
      host: "127.0.0.1",
      terminal: false,
      stderr: (m) => (stderr += m),
      log: { stream: { write: (l: string) => void logs.push(l) } },
      passwordCost: 1024,
      demo: false,
    });
    try {
      const health = (await (await fetch(`${s.url}/api/health`)).json()) as {
        ok: boolean;
        stores: unknown;
        data: { analysis: unknown; note: string };
      };
      expect(health).toMatchObject({
        ok: true,
        stores: { graph: { kind: "sqlite", ok: true }, app: { ok: true } },
        data: { analysis: null },
      });
      expect(health.data.note).toMatch(/no data yet \(the demo is switched off\)/);
      expect(stderr).toMatch(/no data yet \(the demo is switched off\)/);
      const docs = (await (await fetch(`${s.url}/api/docs`)).json()) as {
        openapi: string;
        paths: Record<string, Record<string, { operationId: string; security?: unknown }>>;
      };
      expect(docs.openapi).toBe("3.1.0");
      expect(docs.paths["/api/issues"]!.get!.operationId).toBe("listIssues");
      const ops = Object.values(docs.paths).flatMap((p) => Object.values(p));
      expect(ops.filter((o) => !o.operationId)).toEqual([]);
      expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
      expect(docs.paths["/api/issues"]!.get!.security).toEqual([{ session: [] }, { token: [] }]);
      expect(docs.paths["/api/health"]!.get!.security).toBeUndefined();
      const file = path.join(dir, "initial-admin-password");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const pw = readFileSync(file, "utf8").trim();
      expect(logs.join("")).toContain(file);
      expect(logs.join("") + stderr).not.toContain(pw);
      // The first admin signs in with it, must change it, and the file goes.
      const login = await fetch(`${s.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "admin@ctem.local", password: pw }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const change = await fetch(`${s.url}/api/auth/password`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, "x-csrf-token": csrfToken },
        body: JSON.stringify({ currentPassword: pw, newPassword: "the admin's own passphrase" }),
      });
      expect(change.status).toBe(204);
      expect(() => statSync(file)).toThrow();
    } finally {
      await s.close();
      await stores.close();
    }
  });
});

describe("ctem serve and the demo estate", () => {
  it("loads the demo into an empty graph; a signed-in analyst reads its issues through the API; a restart keeps it", async () => {
    const cfg = resolveConfig({ data: dir }, { INIT_CWD: dir, CTEM_ADMIN_PASSWORD: "admin passphrase 1" });
    const stores = openSqliteStores(cfg.dbFile);
    let stderr = "";
    const s = await startServer({
      cfg,
      graph: stores.graph,
      app: stores.app,
      graphKind: "sqlite",
      port: 0,
      host: "127.0.0.1",
      terminal: false,
      stderr: (m) => (stderr += m),
      log: false,
      passwordCost: 1024,
      demo: { assets: 50 },
    });
    try {
      expect(stderr).toMatch(/loading the demo estate/);
      const { app } = s;
      const login = async (email: string, password: string) => {
        const r = await app.inject({ method: "POST", url: "/api/auth/login", payload: { email, password } });
        expect(r.statusCode).toBe(200);
        const cookie = `ctem_session=${r.cookies.find((c) => c.name === "ctem_session")!.value}`;
        return { cookie, "x-csrf-token": r.json<{ csrfToken: string }>().csrfToken };
      };
      const admin = await login("admin@ctem.local", "admin passphrase 1");
      const created = await app.inject({
        method: "POST",
        url: "/api/users",
        headers: admin,
        payload: { email: "analyst@example.com", role: "analyst", password: "analyst passphrase" },
      });
      expect(created.statusCode).toBe(201);
      const analyst = await login("analyst@example.com", "analyst passphrase");
      const issues = await app.inject({ url: "/api/issues?limit=1000", headers: analyst });
      const items = issues.json<{ items: Array<{ alias: string; demo: boolean; severity: string }> }>().items;
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => i.demo)).toBe(true);
      expect(new Set(items.map((i) => i.severity))).toEqual(new Set(["critical", "high", "medium", "low"]));
      const one = await app.inject({ url: `/api/issues/${items[0]!.alias}`, headers: analyst });
      expect(one.json<{ demo: boolean }>().demo).toBe(true);
      const assets = await app.inject({ url: "/api/assets?limit=5", headers: analyst });
      expect(assets.json<{ items: Array<{ demo: boolean }> }>().items.every((a) => a.demo)).toBe(true);
      const health = (await app.inject({ url: "/api/health" })).json<{
        data: { demo: boolean; note: string };
      }>();
      expect(health.data).toMatchObject({ demo: true });
      expect(health.data.note).toMatch(/showing the demo estate/);
      // A restart finds the demo analysed and leaves it as it is.
      const again = await prepareData({
        graph: stores.graph,
        app: stores.app,
        dataDir: dir,
        demo: {},
        progress: () => {},
      });
      expect(again.demo).toBe(true);
      expect((await stores.app.scanRuns.list({ limit: 10 })).items).toHaveLength(1);
    } finally {
      await s.close();
      await stores.close();
    }
  });

  it("leaves real data alone: no demo when the graph holds anything else", async () => {
    const stores = openSqliteStores(path.join(dir, "ctem.db"));
    try {
      const k = key("aws:111122223333", "us-east-1", "aws-ec2-instances");
      await stores.graph.applyScan(scanRun([k]), [
        { nodes: [nodeFact("arn:aws:ec2:us-east-1:111122223333:instance/i-1", k)] },
      ]);
      const r = await prepareData({
        graph: stores.graph,
        app: stores.app,
        dataDir: dir,
        demo: {},
        progress: () => {},
      });
      expect(r).toEqual({ demo: false, note: "inventory present but not analysed yet: run ctem analyze" });
      expect((await stores.graph.listNodes({ source: "demo" }, { limit: 1 })).items).toEqual([]);
    } finally {
      await stores.close();
    }
  });
});
