// No secret in logs, none returned: canary values (an AWS secret key, a session cookie, passwords,
// an API token, a CSRF token) go through every route — in headers, cookies, the query, the body and
// the path — and then the whole log (at trace level) and every answer body are searched for them.
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFixture, signIn } from "./http-fixture.js";
import type { Fixture } from "./http-fixture.js";

const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARY0001";
const PASSWORD_CANARY = "Canary-Passw0rd-do-not-log-7731";
const NEW_PASSWORD_CANARY = "Canary-NewPassw0rd-do-not-log-9902";
/** A GCP key file's private key: sealed with the scope, never returned or logged. */
const KEY_CANARY = "-----BEGIN PRIVATE KEY-----\\nCANARYKEYdoNotLog0042\\n-----END PRIVATE KEY-----";
const KEY_FILE = JSON.stringify({
  type: "service_account",
  private_key: KEY_CANARY,
  client_email: "x@y.iam",
});
/** Not a secret (path parameters, names, search terms are echoed back by design), but never logged. */
const INPUT_CANARY = "input-canary-arn:aws:iam::000000000000:user/c4n4ry";

let f: Fixture;
let canaries: Record<string, string>;
const bodies: string[] = [];

beforeAll(async () => {
  f = await makeFixture({ logLevel: "trace" });
  const admin = await signIn(f.app, f.users.admin.email);
  const tok = await f.app.inject({
    method: "POST",
    url: "/api/tokens",
    headers: admin.headers,
    payload: { name: "canary" },
  });
  const token = tok.json<{ token: string }>().token;
  canaries = {
    awsSecret: AWS_SECRET,
    password: PASSWORD_CANARY,
    newPassword: NEW_PASSWORD_CANARY,
    sessionCookie: admin.cookie,
    csrfToken: admin.csrf,
    apiToken: token,
    keyFile: "CANARYKEYdoNotLog0042",
  };
  const body = {
    email: "canary@example.com",
    password: PASSWORD_CANARY,
    currentPassword: PASSWORD_CANARY,
    newPassword: NEW_PASSWORD_CANARY,
    clientSecret: AWS_SECRET,
    keyFile: KEY_FILE,
    secretAccessKey: AWS_SECRET,
    name: INPUT_CANARY,
    token,
  };
  const query = { q: INPUT_CANARY, cursor: AWS_SECRET, password: PASSWORD_CANARY, token };
  const send = async (opts: InjectOptions) => {
    const res = await f.app.inject(opts);
    bodies.push(res.body);
    return res;
  };

  // Meaningful calls that accept a secret: it must be stored sealed and never come back.
  await send({
    method: "PUT",
    url: "/api/sso/config",
    headers: admin.headers,
    payload: { issuer: "https://idp.example.com", clientId: "ctem", clientSecret: AWS_SECRET },
  });
  await send({ method: "GET", url: "/api/sso/config", headers: admin.headers });
  // Scope credentials: an Azure client secret and a GCP key file, created, replaced, read back.
  const az = await send({
    method: "POST",
    url: "/api/scopes",
    headers: admin.headers,
    payload: {
      name: "canary-azure",
      provider: "azure",
      config: {
        tenantId: "11111111-2222-3333-4444-555555555555",
        subscriptions: ["aaaaaaaa-0000-0000-0000-000000000001"],
        clientId: "cccccccc-0000-0000-0000-000000000003",
      },
      clientSecret: AWS_SECRET,
    },
  });
  expect(az.statusCode).toBe(201);
  await send({
    method: "PATCH",
    url: `/api/scopes/${az.json<{ id: string }>().id}`,
    headers: admin.headers,
    payload: { clientSecret: AWS_SECRET, include: ["tag:env=prod"] },
  });
  const gcp = await send({
    method: "POST",
    url: "/api/scopes",
    headers: admin.headers,
    payload: {
      name: "canary-gcp",
      provider: "gcp",
      config: { project: "canary-project" },
      keyFile: KEY_FILE,
    },
  });
  expect(gcp.statusCode).toBe(201);
  await send({
    method: "POST",
    url: "/api/scopes",
    headers: admin.headers,
    payload: {
      name: "canary-gcp-bad",
      provider: "gcp",
      config: { project: "canary-project" },
      keyFile: KEY_CANARY,
    },
  });
  await send({ method: "GET", url: "/api/scopes", headers: admin.headers });
  await send({
    method: "POST",
    url: "/api/users",
    headers: admin.headers,
    payload: { email: "c2@example.com", role: "analyst", password: PASSWORD_CANARY },
  });
  await send({
    method: "POST",
    url: "/api/auth/login",
    payload: { email: "c2@example.com", password: PASSWORD_CANARY },
  });
  await send({
    method: "POST",
    url: "/api/auth/login",
    payload: { email: "c2@example.com", password: NEW_PASSWORD_CANARY },
  });
  await send({ method: "GET", url: "/api/users", headers: admin.headers });
  // Team management past validation: a real team, renamed, given a member, deleted.
  const team = await send({
    method: "POST",
    url: "/api/teams",
    headers: admin.headers,
    payload: { name: "canary-team" },
  });
  const teamUrl = `/api/teams/${team.json<{ team: { id: string } }>().team.id}`;
  const c2 = (await f.stores.app.accounts.users.record("c2@example.com"))!.id;
  await send({ method: "PATCH", url: teamUrl, headers: admin.headers, payload: { name: "canary-team-2" } });
  await send({ method: "PUT", url: `${teamUrl}/members/${c2}`, headers: admin.headers });
  await send({ method: "GET", url: `${teamUrl}/members`, headers: admin.headers });
  await send({ method: "DELETE", url: teamUrl, headers: admin.headers });
  await send({ method: "GET", url: "/api/audit?limit=1000", headers: admin.headers });

  // Every route, as the admin's session, as the admin's token, and as nobody, with canaries everywhere.
  const withCookie = {
    cookie: `ctem_session=${admin.cookie}; other=${AWS_SECRET}`,
    "x-csrf-token": admin.csrf,
  };
  const withToken = { authorization: `Bearer ${token}`, "x-api-key": AWS_SECRET };
  const nobody = { "x-forwarded-for": AWS_SECRET, cookie: `ctem_session=${token}` };
  const routes = f.app.ctemRoutes.filter((r) => r.url !== "/api/auth/logout");
  for (const headers of [nobody, withToken, withCookie])
    for (const r of routes) {
      const url = r.url.replace(/:(\w+)/g, () => encodeURIComponent(INPUT_CANARY));
      await send({
        method: r.method as "GET",
        url,
        headers,
        query,
        ...(r.method === "GET" || r.method === "DELETE" ? {} : { payload: body }),
      });
      // And once with a body that is not JSON, carrying a canary (parser messages quote the input).
      if (r.method !== "GET" && r.method !== "DELETE")
        await send({
          method: r.method as "POST",
          url,
          headers: { ...headers, "content-type": "application/json" },
          payload: `{"password": "${PASSWORD_CANARY}", oops`,
        });
    }
  // The password change last (it would end the other sessions of the admin).
  await send({
    method: "POST",
    url: "/api/auth/password",
    headers: admin.headers,
    payload: { currentPassword: PASSWORD_CANARY, newPassword: NEW_PASSWORD_CANARY },
  });
  await send({ method: "POST", url: "/api/auth/logout", headers: admin.headers });
});
afterAll(() => f.close());

describe("canaries", () => {
  it("the log has lines for the requests (the search below is not vacuous)", () => {
    expect(f.logs.length).toBeGreaterThan(200);
    expect(f.logs.join("")).toContain('"route":"/api/sso/config"');
  });

  it("no canary appears anywhere in the log", () => {
    const log = f.logs.join("");
    const found = Object.entries({ ...canaries, input: INPUT_CANARY }).filter(
      ([, v]) => log.includes(v) || log.includes(encodeURIComponent(v)),
    );
    expect(found.map(([k]) => k)).toEqual([]);
  });

  it("no answer body returns a secret, a password, the session cookie or the API token", () => {
    const all = bodies.join("\n");
    const found = Object.entries(canaries)
      .filter(([k]) => k !== "csrfToken") // the CSRF token is the one thing /api/auth/me hands back by design
      .filter(([, v]) => all.includes(v));
    expect(found.map(([k]) => k)).toEqual([]);
    expect(all).toContain('"clientSecretSet":true');
    expect(all).toContain('"name":"canary-gcp","provider":"gcp"');
    expect(all).toContain('"secret":true');
  });

  it("the stored client secret is sealed, not plain text", async () => {
    const sealed = await f.stores.app.accounts.secrets.get("sso.client_secret");
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain(AWS_SECRET);
  });
});
