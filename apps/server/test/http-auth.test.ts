// Accounts and sessions through the API: cookies and CSRF, rotation, timeouts, logout and
// disabling, one-time passwords, API tokens, login rate limiting, developer visibility, 400s that
// name the field, security headers, and the audit trail.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { InjectOptions } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { PASSWORD, makeFixture, signIn } from "./http-fixture.js";
import type { Fixture } from "./http-fixture.js";

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

type Err = { error: { code: string; field?: string; message: string; requestId: string } };

describe("sessions", () => {
  it("login sets an HttpOnly, SameSite cookie and answers the CSRF token; a wrong password is 401 and audited", async () => {
    f = await makeFixture();
    const bad = await f.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: f.users.analyst.email, password: "wrong password!!" },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.cookies).toEqual([]);
    const ok = await f.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: "ANALYST@example.com", password: PASSWORD },
    });
    expect(ok.statusCode).toBe(200);
    const c = ok.cookies.find((x) => x.name === "ctem_session")!;
    expect(c).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
    expect(ok.json<{ csrfToken: string; role: string }>()).toMatchObject({ role: "analyst" });
    const audit = await f.stores.app.accounts.audit.list({}, { limit: 10 });
    expect(audit.items.map((e) => [e.action, e.outcome])).toEqual([
      ["auth.login", "success"],
      ["auth.login_failed", "failure"],
    ]);
  });

  it("a change with the session cookie needs the CSRF token; a bearer token does not", async () => {
    f = await makeFixture();
    const s = await signIn(f.app, f.users.analyst.email);
    const noCsrf = await f.app.inject({
      method: "POST",
      url: "/api/tokens",
      headers: { cookie: s.headers.cookie! },
      payload: { name: "ci" },
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json<Err>().error.field).toBe("header.x-csrf-token");
    const wrong = await f.app.inject({
      method: "POST",
      url: "/api/tokens",
      headers: { cookie: s.headers.cookie!, "x-csrf-token": "forged" },
      payload: { name: "ci" },
    });
    expect(wrong.statusCode).toBe(403);
    const ok = await f.app.inject({
      method: "POST",
      url: "/api/tokens",
      headers: s.headers,
      payload: { name: "ci" },
    });
    expect(ok.statusCode).toBe(201);
    const token = ok.json<{ token: string }>().token;
    const viaToken = await f.app.inject({
      method: "POST",
      url: "/api/auth/logout",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(viaToken.statusCode).toBe(204);
  });

  it("a new login rotates the session: the old cookie stops working", async () => {
    f = await makeFixture();
    const first = await signIn(f.app, f.users.analyst.email);
    const again = await f.app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { cookie: first.headers.cookie! },
      payload: { email: f.users.analyst.email, password: PASSWORD },
    });
    expect(again.statusCode).toBe(200);
    const newCookie = again.cookies.find((x) => x.name === "ctem_session")!.value;
    expect(newCookie).not.toBe(first.cookie);
    const old = await f.app.inject({ url: "/api/auth/me", headers: { cookie: first.headers.cookie! } });
    expect(old.statusCode).toBe(401);
    const now = await f.app.inject({ url: "/api/auth/me", headers: { cookie: `ctem_session=${newCookie}` } });
    expect(now.statusCode).toBe(200);
  });

  it("idle and absolute timeouts end a session", async () => {
    let t = Date.parse("2026-03-01T08:00:00.000Z");
    f = await makeFixture({ now: () => new Date(t), config: { sessionIdleMinutes: 30, sessionMaxHours: 2 } });
    const s = await signIn(f.app, f.users.analyst.email);
    const me = () => f!.app.inject({ url: "/api/auth/me", headers: { cookie: s.headers.cookie! } });
    t += 29 * 60_000;
    expect((await me()).statusCode).toBe(200);
    t += 29 * 60_000; // active within the idle window: still in
    expect((await me()).statusCode).toBe(200);
    t += 31 * 60_000; // idle for 31 minutes
    expect((await me()).statusCode).toBe(401);

    const s2 = await signIn(f.app, f.users.analyst.email);
    const me2 = () => f!.app.inject({ url: "/api/auth/me", headers: { cookie: s2.headers.cookie! } });
    for (let i = 0; i < 4; i++) {
      t += 25 * 60_000;
      expect((await me2()).statusCode).toBe(200);
    }
    t += 25 * 60_000; // 125 minutes after login: past the 2-hour limit although active
    expect((await me2()).statusCode).toBe(401);
  });

  it("logout revokes the session; disabling a user ends their sessions and tokens at once", async () => {
    f = await makeFixture();
    const s = await signIn(f.app, f.users.analyst.email);
    expect(
      (await f.app.inject({ method: "POST", url: "/api/auth/logout", headers: s.headers })).statusCode,
    ).toBe(204);
    expect(
      (await f.app.inject({ url: "/api/auth/me", headers: { cookie: s.headers.cookie! } })).statusCode,
    ).toBe(401);

    const a = await signIn(f.app, f.users.analyst.email);
    const tok = (
      await f.app.inject({ method: "POST", url: "/api/tokens", headers: a.headers, payload: { name: "x" } })
    ).json<{ token: string }>().token;
    const admin = await signIn(f.app, f.users.admin.email);
    const dis = await f.app.inject({
      method: "PATCH",
      url: `/api/users/${f.users.analyst.id}`,
      headers: admin.headers,
      payload: { disabled: true },
    });
    expect(dis.statusCode).toBe(200);
    expect(
      (await f.app.inject({ url: "/api/issues", headers: { cookie: a.headers.cookie! } })).statusCode,
    ).toBe(401);
    expect(
      (await f.app.inject({ url: "/api/issues", headers: { authorization: `Bearer ${tok}` } })).statusCode,
    ).toBe(401);
    const relogin = await f.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: f.users.analyst.email, password: PASSWORD },
    });
    expect(relogin.statusCode).toBe(401);
    const audit = await f.stores.app.accounts.audit.list({ action: "user.disable" }, { limit: 5 });
    expect(audit.items[0]).toMatchObject({
      target: f.users.analyst.id,
      actor: { kind: "user", id: f.users.admin.id },
      before: { disabled: false },
      after: { disabled: true },
    });
  });

  it("the last admin cannot be demoted or disabled", async () => {
    f = await makeFixture();
    const admin = await signIn(f.app, f.users.admin.email);
    const res = await f.app.inject({
      method: "PATCH",
      url: `/api/users/${f.users.admin.id}`,
      headers: admin.headers,
      payload: { role: "analyst" },
    });
    expect(res.statusCode).toBe(409);
  });
});

describe("one-time passwords", () => {
  it("a user added without a password must choose one before anything else", async () => {
    f = await makeFixture();
    const admin = await signIn(f.app, f.users.admin.email);
    const created = await f.app.inject({
      method: "POST",
      url: "/api/users",
      headers: admin.headers,
      payload: { email: "new@example.com", role: "analyst", team: "secops" },
    });
    expect(created.statusCode).toBe(201);
    const { oneTimePassword, user } = created.json<{ oneTimePassword: string; user: { team: string } }>();
    expect(oneTimePassword).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(user.team).toBe("secops");
    const s = await signIn(f.app, "new@example.com", oneTimePassword);
    const blocked = await f.app.inject({ url: "/api/issues", headers: s.headers });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json<Err>().error.code).toBe("password_change_required");
    const short = await f.app.inject({
      method: "POST",
      url: "/api/auth/password",
      headers: s.headers,
      payload: { currentPassword: oneTimePassword, newPassword: "short" },
    });
    expect(short.statusCode).toBe(400);
    expect(short.json<Err>().error.field).toBe("body.newPassword");
    const changed = await f.app.inject({
      method: "POST",
      url: "/api/auth/password",
      headers: s.headers,
      payload: { currentPassword: oneTimePassword, newPassword: "my own long passphrase" },
    });
    expect(changed.statusCode).toBe(204);
    expect((await f.app.inject({ url: "/api/issues", headers: s.headers })).statusCode).toBe(200);
    await expect(signIn(f.app, "new@example.com", oneTimePassword)).rejects.toThrow(/401/);
  });
});

describe("password reset", () => {
  it("an admin gives a user a one-time password; the user's sessions end and the old password stops working", async () => {
    f = await makeFixture();
    const admin = await signIn(f.app, f.users.admin.email);
    const a = await signIn(f.app, f.users.analyst.email);
    const res = await f.app.inject({
      method: "POST",
      url: `/api/users/${f.users.analyst.id}/password-reset`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(200);
    const { oneTimePassword } = res.json<{ oneTimePassword: string }>();
    expect((await f.app.inject({ url: "/api/auth/me", headers: a.headers })).statusCode).toBe(401);
    await expect(signIn(f.app, f.users.analyst.email)).rejects.toThrow(/401/);
    const s = await signIn(f.app, f.users.analyst.email, oneTimePassword);
    const blocked = await f.app.inject({ url: "/api/issues", headers: s.headers });
    expect(blocked.json<Err>().error.code).toBe("password_change_required");
    const audit = await f.stores.app.accounts.audit.list({ action: "user.password_reset" }, { limit: 1 });
    expect(audit.items[0]).toMatchObject({ target: f.users.analyst.id, actor: { id: f.users.admin.id } });
  });
});

describe("API tokens", () => {
  it("are shown once, stored only as a hash, capped at the creator's role, and listed without the secret", async () => {
    f = await makeFixture();
    const a = await signIn(f.app, f.users.analyst.email);
    const tooStrong = await f.app.inject({
      method: "POST",
      url: "/api/tokens",
      headers: a.headers,
      payload: { name: "x", role: "admin" },
    });
    expect(tooStrong.statusCode).toBe(403);
    expect(tooStrong.json<Err>().error.field).toBe("body.role");
    const res = await f.app.inject({
      method: "POST",
      url: "/api/tokens",
      headers: a.headers,
      payload: { name: "ci", role: "developer", expiresInDays: 30 },
    });
    const { token, info } = res.json<{ token: string; info: { id: string; role: string } }>();
    expect(token).toMatch(/^ctem_[A-Za-z0-9_-]{43}$/);
    expect(info.role).toBe("developer");
    const listed = await f.app.inject({ url: "/api/tokens", headers: a.headers });
    expect(listed.body).not.toContain(token);
    expect(listed.body).not.toContain('"hash"');
    f.stores.handle.writer.pragma("wal_checkpoint(TRUNCATE)");
    expect(readFileSync(path.join(f.dir, "ctem.db")).includes(Buffer.from(token))).toBe(false);
    // A developer-role token of an analyst sees what a developer sees: issues assigned to the analyst (none).
    const issues = await f.app.inject({ url: "/api/issues", headers: { authorization: `Bearer ${token}` } });
    expect(issues.json<{ items: unknown[] }>().items).toEqual([]);
    const assets = await f.app.inject({ url: "/api/assets", headers: { authorization: `Bearer ${token}` } });
    expect(assets.statusCode).toBe(403);
    const bogus = await f.app.inject({ url: "/api/issues", headers: { authorization: "Bearer ctem_nope" } });
    expect(bogus.statusCode).toBe(401);
    const del = await f.app.inject({ method: "DELETE", url: `/api/tokens/${info.id}`, headers: a.headers });
    expect(del.statusCode).toBe(204);
    const after = await f.app.inject({ url: "/api/issues", headers: { authorization: `Bearer ${token}` } });
    expect(after.statusCode).toBe(401);
  });
});

describe("login rate limiting", () => {
  it("answers 429 after the configured number of attempts a minute", async () => {
    f = await makeFixture({ config: { loginRateLimit: 3 } });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++)
      codes.push(
        (
          await f.app.inject({
            method: "POST",
            url: "/api/auth/login",
            payload: { email: f.users.analyst.email, password: "wrong password!!" },
          })
        ).statusCode,
      );
    expect(codes).toEqual([401, 401, 401, 429]);
  });
});

describe("developer visibility", () => {
  it("a developer sees issues assigned to them or their team; another existing one is 403, an unknown one 404", async () => {
    f = await makeFixture();
    const d1 = await signIn(f.app, f.users.dev1.email);
    const d2 = await signIn(f.app, f.users.dev2.email);
    const keys = async (h: Record<string, string>) =>
      (await f!.app.inject({ url: "/api/issues", headers: h }))
        .json<{ items: Array<{ key: string }> }>()
        .items.map((i) => i.key);
    expect(await keys(d1.headers)).toEqual([f.issues.mine]);
    expect(await keys(d2.headers)).toEqual([f.issues.team]);
    const get = (h: Record<string, string>, k: string) =>
      f!.app.inject({ url: `/api/issues/${k}`, headers: h });
    expect((await get(d1.headers, f.issues.mine)).statusCode).toBe(200);
    expect((await get(d1.headers, "ISS-1")).statusCode).toBe(200);
    expect((await get(d1.headers, f.issues.team)).statusCode).toBe(403);
    expect((await get(d2.headers, f.issues.team)).statusCode).toBe(200);
    expect((await get(d1.headers, "ISS-999")).statusCode).toBe(404);
    const a = await signIn(f.app, f.users.analyst.email);
    expect(await keys(a.headers)).toHaveLength(3);
  });
});

describe("read routes", () => {
  it("filter and page issues, list assets and findings, and show one asset with edges, findings and issues", async () => {
    f = await makeFixture();
    const a = await signIn(f.app, f.users.analyst.email);
    const page1 = await f.app.inject({ url: "/api/issues?limit=2", headers: a.headers });
    const p1 = page1.json<{ items: Array<{ severity: string }>; next: string }>();
    expect(p1.items.map((i) => i.severity)).toEqual(["critical", "high"]);
    const page2 = await f.app.inject({ url: `/api/issues?limit=2&cursor=${p1.next}`, headers: a.headers });
    expect(page2.json<{ items: Array<{ severity: string }>; next?: string }>()).toEqual({
      items: [expect.objectContaining({ severity: "medium" })],
    });
    const high = await f.app.inject({ url: "/api/issues?severity=high,medium", headers: a.headers });
    expect(high.json<{ items: unknown[] }>().items).toHaveLength(2);
    const assets = await f.app.inject({ url: "/api/assets?kind=data_store", headers: a.headers });
    expect(assets.json<{ items: Array<{ id: string; demo: boolean }> }>().items).toEqual([
      expect.objectContaining({ id: "arn:aws:s3:::customer-data", demo: false }),
    ]);
    const web = "arn:aws:ec2:us-east-1:111122223333:instance/i-0000000000000001";
    const one = await f.app.inject({ url: `/api/assets/${encodeURIComponent(web)}`, headers: a.headers });
    expect(one.statusCode).toBe(200);
    const body = one.json<{
      asset: { id: string };
      edges: Array<{ kind: string }>;
      findings: { items: Array<{ ruleId: string }> };
      issues: Array<{ alias: string }>;
    }>();
    expect(body.asset.id).toBe(web);
    expect(body.edges.map((e) => e.kind)).toEqual(["HAS_ROLE"]);
    expect(body.findings.items.map((x) => x.ruleId)).toEqual(["CVE-2021-44228"]);
    expect(body.issues.map((i) => i.alias)).toEqual(["ISS-1"]);
    const missing = await f.app.inject({
      url: `/api/assets/${encodeURIComponent("arn:aws:s3:::nope")}`,
      headers: a.headers,
    });
    expect(missing.statusCode).toBe(404);
    const findings = await f.app.inject({ url: "/api/findings?rule=CVE-2021-44228", headers: a.headers });
    expect(findings.json<{ items: unknown[] }>().items).toHaveLength(1);
  });
});

describe("bad input", () => {
  it("answers 400 naming the field", async () => {
    f = await makeFixture();
    const admin = await signIn(f.app, f.users.admin.email);
    const cases: Array<[InjectOptions, string]> = [
      [
        { method: "POST", url: "/api/users", payload: { email: "not-an-email", role: "analyst" } },
        "body.email",
      ],
      [{ method: "POST", url: "/api/users", payload: { email: "x@example.com", role: "root" } }, "body.role"],
      [{ method: "POST", url: "/api/users", payload: { role: "analyst" } }, "body.email"],
      [{ url: "/api/issues?limit=0" }, "query.limit"],
      [{ url: "/api/issues?severity=urgent" }, "query.severity.0"],
      [{ url: "/api/audit?since=yesterday" }, "query.since"],
      [{ url: "/api/issues?colour=red" }, "query.colour"],
      [{ method: "PATCH", url: "/api/users/x", payload: { role: "admin", shoeSize: 9 } }, "body.shoeSize"],
      [
        {
          method: "POST",
          url: "/api/auth/login",
          payload: "{not json",
          headers: { "content-type": "application/json" },
        },
        "body",
      ],
    ];
    for (const [req, field] of cases) {
      const res = await f.app.inject({ ...req, headers: { ...admin.headers, ...req.headers } });
      expect([res.statusCode, res.json<Err>().error.field], JSON.stringify(req)).toEqual([400, field]);
    }
    const text = await f.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: "email=a&password=b",
      headers: { "content-type": "text/plain" },
    });
    expect(text.statusCode).toBe(415);
  });
});

describe("headers", () => {
  it("every answer carries the request id and security headers", async () => {
    f = await makeFixture();
    const res = await f.app.inject({ url: "/api/health" });
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(String(res.headers["content-security-policy"])).toContain("frame-ancestors 'none'");
    // Served over plain http here: no upgrade-insecure-requests, no HSTS.
    expect(String(res.headers["content-security-policy"])).not.toContain("upgrade-insecure-requests");
    expect(res.headers["strict-transport-security"]).toBeUndefined();
    expect(res.headers["cache-control"]).toBe("no-store");
  });
});

describe("health", () => {
  it("answers 503 naming the store that failed", async () => {
    const base = await makeFixture();
    f = await makeFixture({
      deps: {
        graph: {
          ...base.stores.graph,
          health: () => Promise.resolve({ ok: false, detail: "neo4j: connection refused" }),
        },
      },
    });
    await base.close();
    const res = await f.app.inject({ url: "/api/health" });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      ok: false,
      stores: { graph: { ok: false, detail: "neo4j: connection refused" }, app: { ok: true } },
      data: { analysis: { id: "a1" } },
    });
  });
});
