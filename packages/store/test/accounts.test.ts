// The SQLite AccountStore: users and teams, session revocation (logout, disable, password change),
// tokens by hash, the audit log's order and cursor, sealed secrets and config documents.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccountStore, SessionRecord } from "@ctem/model";
import { openSqliteStores } from "../src/index.js";
import type { SqliteStores } from "../src/index.js";

let dir: string;
let stores: SqliteStores;
let acc: AccountStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-acc-"));
  stores = openSqliteStores(path.join(dir, "ctem.db"));
  acc = stores.app.accounts;
});
afterEach(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const local = (email: string, role: "admin" | "analyst" | "developer", team?: string) => ({
  email,
  role,
  team: team ?? null,
  passwordHash: "scrypt$hash",
  mustChangePassword: false,
  source: "local" as const,
});

const session = (id: string, userId: string): SessionRecord => ({
  id,
  userId,
  csrfHash: "c",
  createdAt: "2026-01-01T00:00:00.000Z",
  lastSeenAt: "2026-01-01T00:00:00.000Z",
  expiresAt: "2026-01-02T00:00:00.000Z",
  revokedAt: null,
});

describe("users and teams", () => {
  it("creates a user with a new team, finds it by e-mail in any case, and never lists the hash", async () => {
    const u = await acc.users.create(local("Dev@Example.com", "developer", "payments"));
    expect(u).toMatchObject({
      email: "dev@example.com",
      role: "developer",
      team: "payments",
      disabled: false,
    });
    expect(Object.keys(u)).not.toContain("passwordHash");
    expect((await acc.users.record("DEV@example.COM"))?.passwordHash).toBe("scrypt$hash");
    expect((await acc.teams.list()).map((t) => t.name)).toEqual(["payments"]);
    expect(await acc.users.count()).toBe(1);
  });

  it("refuses a second user with the same e-mail, naming the field", async () => {
    await acc.users.create(local("a@example.com", "analyst"));
    await expect(acc.users.create(local("A@example.com", "admin"))).rejects.toMatchObject({
      code: "conflict",
      details: { field: "email" },
    });
  });

  it("refuses a bad e-mail or role", async () => {
    await expect(acc.users.create(local("not-an-email", "analyst"))).rejects.toMatchObject({
      code: "invalid_input",
    });
    await expect(
      acc.users.create({ ...local("x@example.com", "analyst"), role: "root" as "admin" }),
    ).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("reuses an existing team whatever its case", async () => {
    await acc.users.create(local("a@example.com", "developer", "Payments"));
    await acc.users.create(local("b@example.com", "developer", "payments"));
    expect((await acc.teams.list()).map((t) => t.name)).toEqual(["Payments"]);
  });

  it("disabling a user revokes every session of theirs in the same step", async () => {
    const u = await acc.users.create(local("a@example.com", "analyst"));
    await acc.sessions.create(session("s1", u.id));
    await acc.sessions.create(session("s2", u.id));
    const { before, after } = await acc.users.update(u.id, { disabled: true, role: "developer" });
    expect(before).toMatchObject({ disabled: false, role: "analyst" });
    expect(after).toMatchObject({ disabled: true, role: "developer" });
    expect((await acc.sessions.get("s1"))?.revokedAt).not.toBeNull();
    expect((await acc.sessions.get("s2"))?.revokedAt).not.toBeNull();
  });

  it("a password change revokes the other sessions and keeps the current one", async () => {
    const u = await acc.users.create(local("a@example.com", "analyst"));
    await acc.sessions.create(session("keep", u.id));
    await acc.sessions.create(session("other", u.id));
    await acc.users.setPassword(u.id, "scrypt$new", { mustChange: false, keepSession: "keep" });
    expect((await acc.sessions.get("keep"))?.revokedAt).toBeNull();
    expect((await acc.sessions.get("other"))?.revokedAt).not.toBeNull();
    expect((await acc.users.record(u.id))?.passwordHash).toBe("scrypt$new");
  });

  it("purge drops sessions expired or revoked before the given time, and keeps the rest", async () => {
    const u = await acc.users.create(local("a@example.com", "analyst"));
    await acc.sessions.create(session("expired", u.id)); // expires 2026-01-02
    await acc.sessions.create({ ...session("revoked", u.id), expiresAt: "2026-02-01T00:00:00.000Z" });
    await acc.sessions.revoke("revoked", "2026-01-01T12:00:00.000Z");
    await acc.sessions.create({ ...session("live", u.id), expiresAt: "2026-02-01T00:00:00.000Z" });
    expect(await acc.sessions.purge("2026-01-03T00:00:00.000Z")).toBe(2);
    expect(await acc.sessions.get("expired")).toBeUndefined();
    expect(await acc.sessions.get("revoked")).toBeUndefined();
    expect((await acc.sessions.get("live"))?.revokedAt).toBeNull();
  });

  it("updating an unknown user is not_found", async () => {
    await expect(acc.users.update("nope", { role: "admin" })).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("tokens", () => {
  it("are found by hash, listed per user and revoked once", async () => {
    const u = await acc.users.create(local("a@example.com", "analyst"));
    await acc.tokens.create({
      id: "t1",
      hash: "h1",
      name: "ci",
      role: "analyst",
      userId: u.id,
      prefix: "ctem_abc",
      createdAt: "2026-01-01T00:00:00.000Z",
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
    });
    expect((await acc.tokens.byHash("h1"))?.id).toBe("t1");
    expect(await acc.tokens.byHash("h2")).toBeUndefined();
    expect((await acc.tokens.list(u.id)).map((t) => t.id)).toEqual(["t1"]);
    expect(await acc.tokens.list("someone-else")).toEqual([]);
    expect(await acc.tokens.revoke("t1", "2026-01-01T01:00:00.000Z")).toBe(true);
    expect(await acc.tokens.revoke("t1", "2026-01-01T02:00:00.000Z")).toBe(false);
    expect((await acc.tokens.get("t1"))?.revokedAt).toBe("2026-01-01T01:00:00.000Z");
  });
});

describe("audit log", () => {
  it("lists newest first, filters by action, and pages with a cursor", async () => {
    for (let i = 0; i < 5; i++)
      await acc.audit.append({
        actor: { kind: "user", id: "u1", email: "a@example.com" },
        action: i % 2 ? "auth.login" : "user.update",
        outcome: "success",
        target: `t${i}`,
        before: { role: "analyst" },
        after: { role: "admin" },
        ip: "127.0.0.1",
        requestId: `r${i}`,
      });
    const first = await acc.audit.list({}, { limit: 2 });
    expect(first.items.map((e) => e.target)).toEqual(["t4", "t3"]);
    const second = await acc.audit.list({}, { limit: 2, cursor: first.next! });
    expect(second.items.map((e) => e.target)).toEqual(["t2", "t1"]);
    const logins = await acc.audit.list({ action: "auth.login" }, { limit: 10 });
    expect(logins.items.map((e) => e.target)).toEqual(["t3", "t1"]);
    expect(logins.next).toBeUndefined();
    expect(first.items[0]).toMatchObject({ before: { role: "analyst" }, after: { role: "admin" } });
  });
});

describe("secrets and config", () => {
  it("store sealed values by name and JSON documents by key", async () => {
    await acc.secrets.put("oidc.client_secret", "v1:sealed");
    expect(await acc.secrets.get("oidc.client_secret")).toBe("v1:sealed");
    expect(await acc.secrets.remove("oidc.client_secret")).toBe(true);
    expect(await acc.secrets.get("oidc.client_secret")).toBeUndefined();
    await acc.config.put("sso", { issuer: "https://idp.example.com" });
    expect(await acc.config.get("sso")).toEqual({ issuer: "https://idp.example.com" });
    expect(await acc.config.get("other")).toBeUndefined();
  });
});
