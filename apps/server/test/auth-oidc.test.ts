// OIDC single sign-on against a real OpenID provider (oidc-provider, MIT) started on loopback:
// authorization code + PKCE through openid-client, the ID token's groups mapped to a role, a user
// created on first sign-in, the role following the groups, refusals audited, a forged state refused.
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeFixture, signIn } from "./http-fixture.js";
import type { Fixture } from "./http-fixture.js";

const PUBLIC_URL = "http://ctem.test";
const CLIENT_SECRET = "oidc-client-secret-canary-5521";
const people: Record<string, { email: string; name: string; groups: string[]; verified?: boolean }> = {
  // The fixture's local analyst, once vouched for and once not.
  local: { email: "analyst@example.com", name: "Local Analyst", groups: ["platform-admins"] },
  unverified: { email: "analyst@example.com", name: "Impostor", groups: ["secops"], verified: false },
  ana: { email: "ana@corp.example", name: "Ana Analyst", groups: ["secops", "everyone"] },
  max: { email: "max@corp.example", name: "Max Marketing", groups: ["marketing"] },
};
let signingInAs = "ana";
let idp: Server;
let issuer: string;

beforeAll(async () => {
  idp = createServer();
  await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "ctem",
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${PUBLIC_URL}/api/auth/sso/callback`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
    conformIdTokenClaims: false,
    cookies: { keys: ["test-cookie-key"] },
    jwks: {
      keys: [
        {
          ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }),
          alg: "RS256",
          use: "sig",
        },
      ],
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true, methods: ["S256"] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        email: people[id]!.email,
        email_verified: people[id]!.verified ?? true,
        name: people[id]!.name,
        groups: people[id]!.groups,
      }),
    }),
  });
  const handler = provider.callback();
  // The provider's login and consent pages, answered at once for `signingInAs`.
  idp.on("request", (req, res) => {
    if (!req.url?.startsWith("/interaction/")) return handler(req, res);
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === "login")
        return provider.interactionFinished(
          req,
          res,
          { login: { accountId: signingInAs } },
          { mergeWithLastSubmission: false },
        );
      const grant = new provider.Grant({ accountId: details.session!.accountId!, clientId: "ctem" });
      grant.addOIDCScope("openid email profile");
      return provider.interactionFinished(
        req,
        res,
        { consent: { grantId: await grant.save() } },
        { mergeWithLastSubmission: true },
      );
    })().catch((e: Error) => {
      res.statusCode = 500;
      res.end(e.message);
    });
  });
});
afterAll(() => new Promise<void>((r) => idp.close(() => r())));

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

async function fixture() {
  f = await makeFixture({
    config: {
      publicUrl: PUBLIC_URL,
      oidc: {
        issuer,
        clientId: "ctem",
        clientSecret: CLIENT_SECRET,
        groupsClaim: "groups",
        roleMap: { secops: "analyst", "platform-admins": "admin" },
        scopes: ["openid", "email", "profile"],
        allowHttpLoopback: true,
      },
    },
  });
  return f;
}

/** Drives a browser through the identity provider until it is sent back to ctem. */
async function browserAt(authUrl: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authUrl;
  for (let i = 0; i < 10; i++) {
    const res = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    const loc = res.headers.get("location");
    if (!loc) throw new Error(`the provider stopped at ${url}: ${res.status} ${await res.text()}`);
    const next = new URL(loc, url);
    if (next.origin === PUBLIC_URL) return next;
    url = next.href;
  }
  throw new Error("too many redirects");
}

async function signInWithSso(app: Fixture["app"], tamperState = false) {
  const start = await app.inject({ url: "/api/auth/sso/login" });
  expect(start.statusCode).toBe(302);
  const state = start.cookies.find((c) => c.name === "ctem_sso_state")!;
  expect(state).toMatchObject({ httpOnly: true, sameSite: "Lax" });
  const back = await browserAt(start.headers.location as string);
  expect(back.pathname).toBe("/api/auth/sso/callback");
  return app.inject({
    url: back.pathname + back.search,
    headers: { cookie: `ctem_sso_state=${tamperState ? state.value.slice(0, -4) + "AAAA" : state.value}` },
  });
}

describe("OIDC single sign-on", () => {
  it("signs in as an existing local user (keeping their role) only with a verified e-mail", async () => {
    const { app, users } = await fixture();
    signingInAs = "unverified";
    expect((await signInWithSso(app)).statusCode).toBe(403);
    signingInAs = "local";
    const cb = await signInWithSso(app);
    expect(cb.statusCode).toBe(302);
    const session = cb.cookies.find((c) => c.name === "ctem_session")!;
    const me = await app.inject({
      url: "/api/auth/me",
      headers: { cookie: `ctem_session=${session.value}` },
    });
    expect(me.json()).toMatchObject({ role: "analyst", user: { id: users.analyst.id, source: "local" } });
  });

  it("signs a new user in with the role their groups map to, and the role follows the groups", async () => {
    const { app, stores } = await fixture();
    expect((await app.inject({ url: "/api/auth/sso" })).json()).toEqual({
      enabled: true,
      loginUrl: "/api/auth/sso/login",
    });
    signingInAs = "ana";
    const cb = await signInWithSso(app);
    expect(cb.statusCode).toBe(302);
    expect(cb.headers.location).toBe("/");
    const session = cb.cookies.find((c) => c.name === "ctem_session")!;
    const me = await app.inject({
      url: "/api/auth/me",
      headers: { cookie: `ctem_session=${session.value}` },
    });
    expect(me.json()).toMatchObject({
      role: "analyst",
      user: { email: "ana@corp.example", name: "Ana Analyst", source: "oidc", mustChangePassword: false },
    });
    const issues = await app.inject({
      url: "/api/issues",
      headers: { cookie: `ctem_session=${session.value}` },
    });
    expect(issues.json<{ items: unknown[] }>().items).toHaveLength(3);

    people.ana!.groups = ["platform-admins"];
    try {
      const again = await signInWithSso(app);
      const s2 = again.cookies.find((c) => c.name === "ctem_session")!;
      const me2 = await app.inject({ url: "/api/auth/me", headers: { cookie: `ctem_session=${s2.value}` } });
      expect(me2.json<{ role: string }>().role).toBe("admin");
    } finally {
      people.ana!.groups = ["secops", "everyone"];
    }
    const actions = (await stores.app.accounts.audit.list({}, { limit: 20 })).items.map((e) => e.action);
    expect(actions).toEqual(["auth.login", "user.update", "auth.login", "user.create"]);
  });

  it("refuses a user whose groups map to no role, and audits it", async () => {
    const { app, stores } = await fixture();
    signingInAs = "max";
    const cb = await signInWithSso(app);
    expect(cb.statusCode).toBe(403);
    expect(cb.cookies.find((c) => c.name === "ctem_session" && c.value)).toBeUndefined();
    expect(await stores.app.accounts.users.record("max@corp.example")).toBeUndefined();
    const ev = (await stores.app.accounts.audit.list({ action: "auth.sso_failed" }, { limit: 5 })).items;
    expect(ev[0]).toMatchObject({ outcome: "failure", target: "max@corp.example" });
  });

  it("refuses a forged or missing state", async () => {
    const { app } = await fixture();
    signingInAs = "ana";
    const forged = await signInWithSso(app, true);
    expect(forged.statusCode).toBe(400);
    const none = await app.inject({ url: "/api/auth/sso/callback?code=abc&state=def" });
    expect(none.statusCode).toBe(400);
  });

  it("works from the settings an admin stored (client secret sealed, never answered back)", async () => {
    f = await makeFixture({ config: { publicUrl: PUBLIC_URL } });
    const { app, stores, users } = f;
    expect((await app.inject({ url: "/api/auth/sso" })).json()).toEqual({ enabled: false, loginUrl: null });
    const admin = await signIn(app, users.admin.email);
    const put = await app.inject({
      method: "PUT",
      url: "/api/sso/config",
      headers: admin.headers,
      payload: {
        issuer,
        clientId: "ctem",
        clientSecret: CLIENT_SECRET,
        roleMap: { secops: "analyst" },
        allowHttpLoopback: true,
      },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      source: "stored",
      clientSecretSet: true,
      roleMap: { secops: "analyst" },
    });
    expect(put.body).not.toContain(CLIENT_SECRET);
    expect(await stores.app.accounts.secrets.get("sso.client_secret")).not.toContain(CLIENT_SECRET);
    signingInAs = "ana";
    const cb = await signInWithSso(app);
    expect(cb.statusCode).toBe(302);
    const audit = await stores.app.accounts.audit.list({ action: "sso.config" }, { limit: 1 });
    expect(JSON.stringify(audit.items)).not.toContain(CLIENT_SECRET);
  });

  it("an unreachable identity provider answers 503 unavailable, naming the issuer", async () => {
    f = await makeFixture({
      config: {
        publicUrl: PUBLIC_URL,
        oidc: {
          issuer: "http://127.0.0.1:1",
          clientId: "ctem",
          groupsClaim: "groups",
          roleMap: {},
          scopes: ["openid"],
          allowHttpLoopback: true,
        },
      },
    });
    const res = await f.app.inject({ url: "/api/auth/sso/login" });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("http://127.0.0.1:1") as string,
    });
  });

  it("refuses a plain-http issuer that is not loopback", async () => {
    f = await makeFixture({
      config: {
        oidc: {
          issuer: "http://idp.example.com",
          clientId: "ctem",
          groupsClaim: "groups",
          roleMap: {},
          scopes: ["openid"],
          allowHttpLoopback: true,
        },
      },
    });
    const res = await f.app.inject({ url: "/api/auth/sso/login" });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { field: string } }>().error.field).toBe("issuer");
  });

  it("never logs or returns the client secret", async () => {
    const { app, logs } = await fixture();
    signingInAs = "ana";
    await signInWithSso(app);
    expect(logs.join("")).not.toContain(CLIENT_SECRET);
  });
});
