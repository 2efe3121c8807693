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
import { startServer } from "../src/cli/serve.js";
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
      expect(health.data.note).toMatch(/no data yet, and no demo estate/);
      expect(stderr).toMatch(/no data yet, and no demo estate/);
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
