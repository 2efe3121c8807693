// The role matrix: every registered route, called as every role (with a session cookie and with an
// API token of that role) and as nobody, answers what DESIGN's roles say. A route missing from the
// matrix fails the test, so a new route cannot ship without deciding who may call it.
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, PASSWORD, makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

type Who = "nobody" | "admin" | "analyst" | "developer";
const WHO: Who[] = ["nobody", "admin", "analyst", "developer"];
type Via = "session" | "token";

interface Case {
  /** The request for `who`; `fresh` signs in anew (for calls that end the session). */
  req: (
    f: Fixture,
    who: Who,
    fresh: () => Promise<Record<string, string>>,
    via: Via,
  ) => Promise<InjectOptions> | InjectOptions;
  expect: Record<Who, number>;
  /** Where a token's answer differs from a session's (what only a signed-in person may do). */
  token?: Partial<Record<Who, number>>;
  /** Send no credentials even for a role (login). */
  anonymous?: boolean;
}

const all = (n: number): Record<Who, number> => ({ nobody: n, admin: n, analyst: n, developer: n });
const signedIn = (n: number) => ({ nobody: 401, admin: n, analyst: n, developer: n });
const adminOnly = (n: number) => ({ nobody: 401, admin: n, analyst: 403, developer: 403 });
const readers = (n: number) => ({ nobody: 401, admin: n, analyst: n, developer: 403 });

let tokenToRevoke = "";

/** A webhook to call a route on: a shared one, or a fresh one to delete. */
async function hookId(f: Fixture, fresh = false): Promise<string> {
  const list = await f.stores.app.ops.webhooks.list();
  const shared = list.find((w) => w.name === "matrix");
  if (shared && !fresh) return shared.id;
  const id = `wh-matrix-${list.length}`;
  await f.stores.app.ops.webhooks.save({
    id,
    name: fresh ? id : "matrix",
    url: "http://127.0.0.1:9/hook",
    events: ["issue.created"],
    active: true,
    secretName: `webhook:${id}`,
    createdAt: "2026-01-01T00:00:00.000Z",
  });
  return id;
}

const MATRIX: Record<string, Case> = {
  "GET /api/health": { req: () => ({}), expect: all(200) },
  "GET /api/docs": { req: () => ({}), expect: all(200) },
  "POST /api/auth/login": {
    anonymous: true,
    req: (f) => ({ payload: { email: f.users.analyst.email, password: PASSWORD } }),
    expect: all(200),
  },
  "POST /api/auth/logout": {
    req: async (_f, who, fresh) => ({ headers: who === "nobody" ? {} : await fresh() }),
    expect: signedIn(204),
  },
  "GET /api/auth/me": { req: () => ({}), expect: signedIn(200) },
  "POST /api/auth/password": {
    req: () => ({ payload: { currentPassword: "not the password", newPassword: "a brand new password" } }),
    expect: signedIn(400),
    token: { admin: 403, analyst: 403, developer: 403 },
  },
  "GET /api/auth/sso": { req: () => ({}), expect: all(200) },
  // Not configured here: 404 for everyone (the OIDC test covers the configured flow).
  "GET /api/auth/sso/login": { req: () => ({}), expect: all(404) },
  "GET /api/auth/sso/callback": { req: () => ({ query: { code: "x", state: "y" } }), expect: all(400) },
  "GET /api/sso/config": { req: () => ({}), expect: adminOnly(200) },
  "PUT /api/sso/config": {
    req: () => ({
      payload: { issuer: "https://idp.example.com", clientId: "ctem", clientSecret: "s3cr3t-value" },
    }),
    expect: adminOnly(200),
  },
  "GET /api/users": { req: () => ({}), expect: adminOnly(200) },
  "POST /api/users": {
    req: (_f, who, _fresh, via) => ({ payload: { email: `new-${who}-${via}@example.com`, role: "analyst" } }),
    expect: adminOnly(201),
  },
  "PATCH /api/users/:id": {
    req: (f, who) => ({ payload: { name: `renamed by ${who}` }, url: `/api/users/${f.users.dev2.id}` }),
    expect: adminOnly(200),
  },
  // dev2's password: the developer's own session (dev1) is not affected.
  "POST /api/users/:id/password-reset": {
    req: (f) => ({ url: `/api/users/${f.users.dev2.id}/password-reset` }),
    expect: adminOnly(200),
  },
  "GET /api/teams": { req: () => ({}), expect: readers(200) },
  "POST /api/teams": {
    req: (_f, who, _fresh, via) => ({ payload: { name: `team-${who}-${via}` } }),
    expect: adminOnly(201),
  },
  // A team of its own for each call (renamed, deleted, or holding the analyst).
  "PATCH /api/teams/:id": {
    req: async (f, who, _fresh, via) => {
      const t = await f.stores.app.accounts.teams.ensure(`rename-${who}-${via}`);
      return { url: `/api/teams/${t.id}`, payload: { name: `renamed-${who}-${via}` } };
    },
    expect: adminOnly(200),
  },
  "DELETE /api/teams/:id": {
    req: async (f, who, _fresh, via) => {
      const t = await f.stores.app.accounts.teams.ensure(`delete-${who}-${via}`);
      return { url: `/api/teams/${t.id}` };
    },
    expect: adminOnly(200),
  },
  "GET /api/teams/:id/members": {
    req: async (f) => ({
      url: `/api/teams/${(await f.stores.app.accounts.teams.get("payments"))!.id}/members`,
    }),
    expect: adminOnly(200),
  },
  "PUT /api/teams/:id/members/:userId": {
    req: async (f, who, _fresh, via) => {
      const t = await f.stores.app.accounts.teams.ensure(`join-${who}-${via}`);
      return { url: `/api/teams/${t.id}/members/${f.users.analyst.id}` };
    },
    expect: adminOnly(200),
  },
  "DELETE /api/teams/:id/members/:userId": {
    req: async (f, who, _fresh, via) => {
      const t = await f.stores.app.accounts.teams.ensure(`leave-${who}-${via}`);
      await f.stores.app.accounts.teams.addMember(t.id, f.users.analyst.id);
      return { url: `/api/teams/${t.id}/members/${f.users.analyst.id}` };
    },
    expect: adminOnly(200),
  },
  "GET /api/tokens": { req: () => ({}), expect: signedIn(200) },
  "POST /api/tokens": {
    req: (_f, who) => ({ payload: { name: `ci-${who}` } }),
    expect: signedIn(201),
    token: { admin: 403, analyst: 403, developer: 403 },
  },
  // The admin's own token: the admin revokes it; to others it does not exist.
  "DELETE /api/tokens/:id": {
    req: () => ({ url: `/api/tokens/${tokenToRevoke}` }),
    expect: { nobody: 401, admin: 204, analyst: 404, developer: 404 },
  },
  "GET /api/audit": { req: () => ({}), expect: adminOnly(200) },
  "GET /api/issues": { req: () => ({}), expect: signedIn(200) },
  // The unassigned issue: a developer may not see it.
  "GET /api/issues/:key": {
    req: (f) => ({ url: `/api/issues/${f.issues.other}` }),
    expect: { nobody: 401, admin: 200, analyst: 200, developer: 403 },
  },
  // dev1's own issue: a developer may move it to in_progress (DESIGN's status table).
  "PATCH /api/issues/:key": {
    req: (f) => ({ url: `/api/issues/${f.issues.mine}`, payload: { status: "in_progress" } }),
    expect: signedIn(200),
  },
  "POST /api/issues/:key/comments": {
    req: (f, who) => ({ url: `/api/issues/${f.issues.mine}/comments`, payload: { text: `seen by ${who}` } }),
    expect: signedIn(201),
  },
  "GET /api/issues/:key/history": {
    req: (f) => ({ url: `/api/issues/${f.issues.other}/history` }),
    expect: { nobody: 401, admin: 200, analyst: 200, developer: 403 },
  },
  "POST /api/issues/bulk": {
    req: (f) => ({ payload: { keys: [f.issues.other], change: { status: "in_progress" } } }),
    expect: readers(200),
  },
  "GET /api/settings": { req: () => ({}), expect: readers(200) },
  "PATCH /api/settings": {
    req: () => ({ payload: { slaDays: { critical: 5, high: 30, medium: 90, low: 180 } } }),
    expect: adminOnly(200),
  },
  "GET /api/scopes": { req: () => ({}), expect: readers(200) },
  "GET /api/scopes/:id": { req: () => ({ url: "/api/scopes/prod" }), expect: readers(200) },
  "POST /api/scopes": {
    req: (_f, who, _fresh, via) => ({
      payload: {
        name: `s-${who}-${via}`,
        provider: "aws",
        config: { accountId: "444455556666", roleArn: "arn:aws:iam::444455556666:role/ctem-scanner" },
      },
    }),
    expect: adminOnly(201),
  },
  "PATCH /api/scopes/:id": {
    req: () => ({ url: "/api/scopes/prod", payload: { include: ["tag:env=prod"] } }),
    expect: adminOnly(200),
  },
  // A scope of its own for each call, so every role finds one to (not) delete.
  "DELETE /api/scopes/:id": {
    req: async (f, who, _fresh, via) => {
      const id = `scope-del-${who}-${via}`;
      await f.stores.app.scopes.save({
        id,
        name: id,
        provider: "aws",
        config: { accountId: "777788889999" },
        include: [],
        exclude: [],
        createdAt: "2026-01-01T00:00:00.000Z",
      });
      return { url: `/api/scopes/${id}`, query: { keepData: "true" } };
    },
    expect: adminOnly(200),
  },
  // The fixture's scanner fails at once; the pause lets the previous call's run end (else 409).
  "POST /api/scopes/:id/scans": {
    req: async () => {
      await new Promise((r) => setTimeout(r, 30));
      return { url: "/api/scopes/prod/scans" };
    },
    expect: adminOnly(202),
  },
  "GET /api/scopes/:id/setup": { req: () => ({ url: "/api/scopes/prod/setup" }), expect: adminOnly(200) },
  "GET /api/scans": { req: () => ({}), expect: readers(200) },
  "GET /api/scans/:id": { req: () => ({ url: "/api/scans/scan-fixture" }), expect: readers(200) },
  "GET /api/scans/:id/events": {
    req: () => ({ url: "/api/scans/scan-fixture/events" }),
    expect: readers(200),
  },
  "GET /api/fixplan": { req: () => ({}), expect: readers(200) },
  "GET /api/issues/:key/fixplan": {
    req: (f) => ({ url: `/api/issues/${f.issues.other}/fixplan` }),
    expect: { nobody: 401, admin: 200, analyst: 200, developer: 403 },
  },
  // The fixture has no analysis with a fix plan: an unknown option is 404 to those who may ask.
  "POST /api/whatif": {
    req: () => ({ payload: { options: ["no-such-option"] } }),
    expect: { nobody: 401, admin: 404, analyst: 404, developer: 403 },
  },
  "GET /api/kpis": { req: () => ({}), expect: readers(200) },
  "POST /api/jobs/daily": { req: () => ({}), expect: adminOnly(200) },
  "GET /api/exports/issues": { req: () => ({}), expect: signedIn(200) },
  "GET /api/exports/findings.sarif": { req: () => ({}), expect: readers(200) },
  "GET /api/exports/findings.ocsf": { req: () => ({}), expect: readers(200) },
  "GET /api/webhooks": { req: () => ({}), expect: adminOnly(200) },
  // Pointed at a closed port: deliveries fail quietly into the log.
  "POST /api/webhooks": {
    req: (_f, who) => ({ payload: { name: `hook-${who}`, url: "http://127.0.0.1:9/hook" } }),
    expect: adminOnly(201),
  },
  "PATCH /api/webhooks/:id": {
    req: async (f) => ({ url: `/api/webhooks/${await hookId(f)}`, payload: { active: false } }),
    expect: adminOnly(200),
  },
  "DELETE /api/webhooks/:id": {
    req: async (f) => ({ url: `/api/webhooks/${await hookId(f, true)}` }),
    expect: adminOnly(204),
  },
  "GET /api/webhooks/:id/deliveries": {
    req: async (f) => ({ url: `/api/webhooks/${await hookId(f)}/deliveries` }),
    expect: adminOnly(200),
  },
  "GET /api/intel/status": { req: () => ({}), expect: readers(200) },
  "GET /api/assets": { req: () => ({}), expect: readers(200) },
  "GET /api/assets/:id": {
    req: () => ({ url: `/api/assets/${encodeURIComponent(BUCKET)}` }),
    expect: readers(200),
  },
  "GET /api/findings": { req: () => ({}), expect: readers(200) },
};

let f: Fixture;
const sessions: Partial<Record<Who, As>> = {};
const tokens: Partial<Record<Who, string>> = {};
const emailOf = (who: Exclude<Who, "nobody">) =>
  who === "developer" ? f.users.dev1.email : f.users[who].email;

beforeAll(async () => {
  f = await makeFixture();
  for (const who of ["admin", "analyst", "developer"] as const)
    sessions[who] = await signIn(f.app, emailOf(who));
  const t = await f.app.inject({
    method: "POST",
    url: "/api/tokens",
    headers: sessions.admin!.headers,
    payload: { name: "to-revoke" },
  });
  tokenToRevoke = t.json<{ info: { id: string } }>().info.id;
  for (const who of ["admin", "analyst", "developer"] as const) {
    const res = await f.app.inject({
      method: "POST",
      url: "/api/tokens",
      headers: sessions[who]!.headers,
      payload: { name: `matrix-${who}` },
    });
    tokens[who] = res.json<{ token: string }>().token;
  }
});
afterAll(() => f.close());

describe("role matrix", () => {
  it("covers every registered route, and nothing that is not registered", () => {
    const registered = f.app.ctemRoutes.map((r) => `${r.method} ${r.url}`).sort();
    expect(registered).toEqual(Object.keys(MATRIX).sort());
  });

  for (const [route, c] of Object.entries(MATRIX)) {
    it(route, async () => {
      const [method, url] = route.split(" ") as [InjectOptions["method"], string];
      const got: Record<string, number> = {};
      const want: Record<string, number> = {};
      for (const via of ["session", "token"] as const)
        for (const who of WHO) {
          const bearer = (): Record<string, string> => ({ authorization: `Bearer ${tokens[who]}` });
          const fresh = async () =>
            via === "token"
              ? bearer()
              : (await signIn(f.app, emailOf(who as Exclude<Who, "nobody">))).headers;
          const r = await c.req(f, who, fresh, via);
          const auth =
            who === "nobody" || c.anonymous ? {} : via === "token" ? bearer() : sessions[who]!.headers;
          const res = await f.app.inject({
            method,
            url,
            ...r,
            headers: { ...auth, ...(r.headers as Record<string, string> | undefined) },
          });
          got[`${via} ${who}`] = res.statusCode;
          want[`${via} ${who}`] = (via === "token" ? c.token?.[who] : undefined) ?? c.expect[who];
          if (res.statusCode >= 400) {
            const body = res.json<{ error: { code: string; requestId: string } }>();
            expect(body.error.requestId).toBe(res.headers["x-request-id"]);
          }
        }
      expect(got).toEqual(want);
    });
  }
});

describe("before a one-time password is replaced", () => {
  const PUBLIC = new Set([
    "GET /api/health",
    "GET /api/docs",
    "POST /api/auth/login",
    "GET /api/auth/sso",
    "GET /api/auth/sso/login",
    "GET /api/auth/sso/callback",
  ]);
  const ALLOWED = new Set(["GET /api/auth/me", "POST /api/auth/password", "POST /api/auth/logout"]);

  it("every other protected route answers 403 password_change_required", async () => {
    const created = await f.app.inject({
      method: "POST",
      url: "/api/users",
      headers: sessions.admin!.headers,
      payload: { email: "fresh-admin@example.com", role: "admin" },
    });
    const otp = created.json<{ oneTimePassword: string }>().oneTimePassword;
    const s = await signIn(f.app, "fresh-admin@example.com", otp);
    const blocked: string[] = [];
    const passed: string[] = [];
    for (const r of f.app.ctemRoutes) {
      const route = `${r.method} ${r.url}`;
      if (PUBLIC.has(route) || route === "POST /api/auth/logout") continue;
      const url = r.url.replace(/:(\w+)/g, "x");
      const res = await f.app.inject({ method: r.method as "GET", url, headers: s.headers, payload: {} });
      const code = res.statusCode === 403 ? res.json<{ error: { code: string } }>().error.code : "";
      (code === "password_change_required" ? blocked : passed).push(route);
    }
    expect(passed.sort()).toEqual([...ALLOWED].filter((r) => r !== "POST /api/auth/logout").sort());
    expect(blocked.length).toBe(f.app.ctemRoutes.length - PUBLIC.size - ALLOWED.size);
  });
});
