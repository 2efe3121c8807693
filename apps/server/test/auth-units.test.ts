// The auth building blocks on their own: scrypt hashes, sealed secrets and the key file, the first
// admin's one-time password (terminal or 0600 file; the log names the file, never the password),
// the server's environment settings, and OIDC group → role mapping.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStores } from "@ctem/store";
import type { SqliteStores } from "@ctem/store";
import { INITIAL_PASSWORD_FILE, ensureFirstAdmin } from "../src/auth/bootstrap.js";
import { createPasswordHasher } from "../src/auth/passwords.js";
import { KEY_FILE_NAME, createSecretBox, loadSecretKey, parseSecretKey } from "../src/auth/secrets.js";
import { roleFor } from "../src/auth/oidc.js";
import { resolveConfig, resolveServerConfig } from "../src/config.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-auth-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const hasher = createPasswordHasher({ cost: 1024 });

describe("passwords", () => {
  it("verify the right password only, and refuse malformed or missing hashes", async () => {
    const h = await hasher.hash("a long enough passphrase");
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await hasher.verify("a long enough passphrase", h)).toBe(true);
    expect(await hasher.verify("a long enough passphrasE", h)).toBe(false);
    expect(await hasher.verify("x", "scrypt$1024$8$1$bad")).toBe(false);
    expect(await hasher.verify("x", "md5$abc")).toBe(false);
    expect(await hasher.verify("x", null)).toBe(false);
    expect(await hasher.hash("same")).not.toBe(await hasher.hash("same"));
  });
});

describe("stored secrets", () => {
  it("seal with AES-256-GCM bound to the name: tampering, another name or another key fail", () => {
    const box = createSecretBox(Buffer.alloc(32, 1));
    const sealed = box.seal("sso.client_secret", "hunter2-secret");
    expect(sealed).not.toContain("hunter2");
    expect(box.open("sso.client_secret", sealed)).toBe("hunter2-secret");
    expect(() => box.open("other.name", sealed)).toThrow(/cannot be decrypted/);
    const parts = sealed.split(":");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => box.open("sso.client_secret", parts.join(":"))).toThrow(/cannot be decrypted/);
    expect(() => createSecretBox(Buffer.alloc(32, 2)).open("sso.client_secret", sealed)).toThrow(/key/);
  });

  it("create the key file 0600 once and reuse it; CTEM_SECRET_KEY wins and must be 32 bytes", () => {
    const a = loadSecretKey({ dataDir: dir });
    const file = path.join(dir, KEY_FILE_NAME);
    expect(a.source).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSecretKey({ dataDir: dir }).key.equals(a.key)).toBe(true);
    const hex = "ab".repeat(32);
    expect(loadSecretKey({ dataDir: dir, secretKey: hex }).key).toEqual(Buffer.from(hex, "hex"));
    expect(parseSecretKey(Buffer.alloc(32, 9).toString("base64"), "k")).toEqual(Buffer.alloc(32, 9));
    expect(() => parseSecretKey("too-short", "CTEM_SECRET_KEY")).toThrow(/CTEM_SECRET_KEY: must be 32 bytes/);
  });
});

describe("first admin", () => {
  let stores: SqliteStores;
  beforeEach(() => {
    stores = openSqliteStores(path.join(dir, "ctem.db"));
  });
  afterEach(() => stores.close());

  const run = (terminal: boolean, password?: string) => {
    const shown: string[] = [];
    const logged: string[] = [];
    return ensureFirstAdmin({
      accounts: stores.app.accounts,
      hasher,
      dataDir: dir,
      email: "admin@example.com",
      ...(password ? { password } : {}),
      terminal,
      show: (s) => shown.push(s),
      log: (s) => logged.push(s),
    }).then((r) => ({ r, shown: shown.join(""), logged: logged.join("\n") }));
  };

  it("without a terminal writes the one-time password to a 0600 file; the log names the file only", async () => {
    const { r, shown, logged } = await run(false);
    const file = path.join(dir, INITIAL_PASSWORD_FILE);
    expect(r).toEqual({ created: true, email: "admin@example.com", passwordFrom: "file", file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const pw = readFileSync(file, "utf8").trim();
    expect(pw).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(shown).toBe("");
    expect(logged).toContain(file);
    expect(logged).not.toContain(pw);
    const rec = await stores.app.accounts.users.record("admin@example.com");
    expect(rec).toMatchObject({ role: "admin", mustChangePassword: true });
    expect(await hasher.verify(pw, rec!.passwordHash)).toBe(true);
    // The second start changes nothing.
    expect((await run(false)).r).toEqual({ created: false });
  });

  it("on a terminal shows the password there and writes no file; the log never has it", async () => {
    const { r, shown, logged } = await run(true);
    expect(r).toMatchObject({ passwordFrom: "terminal" });
    const pw = /One-time password: (\S+)/.exec(shown)![1]!;
    expect(logged).not.toContain(pw);
    expect(() => statSync(path.join(dir, INITIAL_PASSWORD_FILE))).toThrow();
  });

  it("CTEM_ADMIN_PASSWORD: that password, no forced change, nothing shown", async () => {
    const { r, shown, logged } = await run(false, "from the environment 123");
    expect(r).toMatchObject({ passwordFrom: "env" });
    expect(shown).toBe("");
    expect(logged).not.toContain("from the environment 123");
    expect(await stores.app.accounts.users.record("admin@example.com")).toMatchObject({
      mustChangePassword: false,
    });
  });
});

describe("server settings from the environment", () => {
  const cfg = (env: Record<string, string>) => resolveServerConfig(resolveConfig({ data: dir }, env));

  it("defaults, and OIDC with its group → role map", () => {
    expect(cfg({})).toMatchObject({ sessionIdleMinutes: 60, sessionMaxHours: 12, cookieSecure: false });
    expect(cfg({ CTEM_PUBLIC_URL: "https://ctem.example.com/" })).toMatchObject({
      cookieSecure: true,
      publicUrl: "https://ctem.example.com",
    });
    const o = cfg({
      CTEM_OIDC_ISSUER: "https://idp.example.com",
      CTEM_OIDC_CLIENT_ID: "ctem",
      CTEM_OIDC_CLIENT_SECRET: "s",
      CTEM_OIDC_ROLE_MAP: "secops=analyst, platform-admins=admin,devs=developer",
    }).oidc!;
    expect(o.roleMap).toEqual({ secops: "analyst", "platform-admins": "admin", devs: "developer" });
    expect(roleFor(o, ["devs", "secops"])).toBe("analyst");
    expect(roleFor(o, ["marketing"])).toBeUndefined();
    expect(roleFor({ ...o, defaultRole: "developer" }, [])).toBe("developer");
  });

  it("names the variable in errors", () => {
    expect(() => cfg({ CTEM_SESSION_IDLE_MINUTES: "soon" })).toThrow(/CTEM_SESSION_IDLE_MINUTES/);
    expect(() => cfg({ CTEM_ADMIN_PASSWORD: "short-pw" })).toThrow(
      /^CTEM_ADMIN_PASSWORD: at least 12 characters$/,
    );
    expect(() => cfg({ CTEM_OIDC_ISSUER: "https://idp" })).toThrow(/CTEM_OIDC_CLIENT_ID/);
    expect(() =>
      cfg({ CTEM_OIDC_ISSUER: "https://idp", CTEM_OIDC_CLIENT_ID: "c", CTEM_OIDC_ROLE_MAP: "a=root" }),
    ).toThrow(/CTEM_OIDC_ROLE_MAP: unknown role 'root'/);
  });
});

it("a key file with loose permissions is tightened to 0600", () => {
  writeFileSync(path.join(dir, KEY_FILE_NAME), Buffer.alloc(32, 3).toString("base64"), { mode: 0o644 });
  loadSecretKey({ dataDir: dir });
  expect(statSync(path.join(dir, KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
});
