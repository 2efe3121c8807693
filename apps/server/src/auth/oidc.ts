// OIDC single sign-on with openid-client: authorization code flow with PKCE, state and nonce, the
// user's groups mapped to a role (docs/server.md). The configuration comes from the environment
// (CTEM_OIDC_*) or, when that is unset, from what an admin stored (client secret sealed).
import * as client from "openid-client";
import { z } from "zod";
import { CtemError, Role, ValidationError } from "@ctem/model";
import type { AccountStore } from "@ctem/model";
import type { OidcConfig, ServerConfig } from "../config.js";
import type { SecretBox } from "./secrets.js";

export const SSO_CONFIG_KEY = "sso";
export const SSO_SECRET_NAME = "sso.client_secret";

/** The stored SSO configuration (the client secret lives sealed in the secrets table). */
export const StoredSsoConfig = z.object({
  issuer: z.url({ protocol: /^https?$/ }).max(2048),
  clientId: z.string().min(1).max(512),
  groupsClaim: z.string().min(1).max(128).default("groups"),
  roleMap: z.record(z.string().min(1).max(256), Role).default({}),
  defaultRole: Role.nullable().default(null),
  scopes: z
    .array(
      z
        .string()
        .regex(/^[\x21-\x7e]+$/)
        .max(128),
    )
    .max(32)
    .default(["openid", "email", "profile"]),
  allowHttpLoopback: z.boolean().default(false),
});
export type StoredSsoConfig = z.infer<typeof StoredSsoConfig>;

export interface SsoIdentity {
  subject: string;
  email: string;
  name: string | null;
  groups: string[];
  /** The provider said `email_verified: true` (needed to sign in as an existing local user). */
  emailVerified: boolean;
  /** From the group mapping; undefined: no mapped group and no default role. */
  role: z.infer<typeof Role> | undefined;
}

export interface OidcService {
  /** Where the configuration comes from, or "none". */
  source(): Promise<"env" | "stored" | "none">;
  current(): Promise<OidcConfig | undefined>;
  begin(redirectUri: string): Promise<{ url: string; state: string }>;
  /** `stateValue` is what begin() returned (kept sealed in a cookie by the route). */
  finish(callbackUrl: URL, stateValue: string, redirectUri: string): Promise<SsoIdentity>;
}

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  exp: number;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

export function roleFor(cfg: Pick<OidcConfig, "roleMap" | "defaultRole">, groups: string[]) {
  const rank = { developer: 1, analyst: 2, admin: 3 } as const;
  let best: z.infer<typeof Role> | undefined;
  for (const g of groups) {
    const r = cfg.roleMap[g];
    if (r && (!best || rank[r] > rank[best])) best = r;
  }
  return best ?? cfg.defaultRole;
}

export function createOidcService(o: {
  accounts: Pick<AccountStore, "config" | "secrets">;
  secrets: SecretBox;
  config: Pick<ServerConfig, "oidc">;
  now?: () => Date;
}): OidcService {
  const now = o.now ?? (() => new Date());
  let cached: { key: string; conf: client.Configuration } | undefined;

  async function current(): Promise<OidcConfig | undefined> {
    if (o.config.oidc) return o.config.oidc;
    const raw = await o.accounts.config.get(SSO_CONFIG_KEY);
    if (!raw) return undefined;
    const s = StoredSsoConfig.parse(raw);
    const sealed = await o.accounts.secrets.get(SSO_SECRET_NAME);
    return {
      issuer: s.issuer,
      clientId: s.clientId,
      groupsClaim: s.groupsClaim,
      roleMap: s.roleMap,
      scopes: s.scopes,
      allowHttpLoopback: s.allowHttpLoopback,
      ...(s.defaultRole ? { defaultRole: s.defaultRole } : {}),
      ...(sealed ? { clientSecret: o.secrets.open(SSO_SECRET_NAME, sealed) } : {}),
    };
  }

  async function configuration(c: OidcConfig): Promise<client.Configuration> {
    const key = JSON.stringify([c.issuer, c.clientId, c.clientSecret ?? "", c.allowHttpLoopback]);
    if (cached?.key === key) return cached.conf;
    const issuer = new URL(c.issuer);
    const insecure = issuer.protocol === "http:";
    if (insecure && !(c.allowHttpLoopback && LOOPBACK.test(issuer.hostname)))
      throw new ValidationError(
        "the OIDC issuer must be https (plain http only for a loopback test issuer)",
        {
          field: "issuer",
        },
      );
    let conf: client.Configuration;
    try {
      conf = await client.discovery(
        issuer,
        c.clientId,
        undefined,
        c.clientSecret ? client.ClientSecretPost(c.clientSecret) : client.None(),
        insecure ? { execute: [client.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
      );
    } catch (e) {
      throw new CtemError(
        "unavailable",
        `the OIDC issuer ${c.issuer} cannot be reached or read (${(e as Error).message})`,
      );
    }
    cached = { key, conf };
    return conf;
  }

  return {
    async source() {
      if (o.config.oidc) return "env";
      return (await o.accounts.config.get(SSO_CONFIG_KEY)) ? "stored" : "none";
    },
    current,
    async begin(redirectUri) {
      const c = await current();
      if (!c) throw new CtemError("not_found", "single sign-on is not configured");
      const conf = await configuration(c);
      const pending: Pending = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
        exp: now().getTime() + 10 * 60_000,
      };
      const url = client.buildAuthorizationUrl(conf, {
        redirect_uri: redirectUri,
        scope: c.scopes.join(" "),
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: "S256",
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, state: o.secrets.seal("sso.state", JSON.stringify(pending)) };
    },
    async finish(callbackUrl, stateValue, redirectUri) {
      const c = await current();
      if (!c) throw new CtemError("not_found", "single sign-on is not configured");
      let pending: Pending;
      try {
        pending = JSON.parse(o.secrets.open("sso.state", stateValue)) as Pending;
      } catch {
        throw new CtemError("invalid_input", "the sign-in attempt is unknown or expired; start again");
      }
      if (pending.exp < now().getTime())
        throw new CtemError("invalid_input", "the sign-in attempt expired; start again");
      const conf = await configuration(c);
      let claims: Record<string, unknown> | undefined;
      try {
        const tokens = await client.authorizationCodeGrant(
          conf,
          callbackUrl,
          {
            pkceCodeVerifier: pending.verifier,
            expectedState: pending.state,
            expectedNonce: pending.nonce,
            idTokenExpected: true,
          },
          { redirect_uri: redirectUri },
        );
        claims = tokens.claims();
      } catch (e) {
        throw new CtemError("forbidden", `single sign-on failed: ${(e as Error).message}`);
      }
      if (!claims) throw new CtemError("forbidden", "single sign-on failed: no ID token");
      const email = typeof claims.email === "string" ? claims.email.toLowerCase() : undefined;
      if (!email) throw new CtemError("forbidden", "single sign-on failed: the ID token has no e-mail claim");
      if (claims.email_verified === false)
        throw new CtemError(
          "forbidden",
          "single sign-on failed: the identity provider has not verified the e-mail",
        );
      const rawGroups = claims[c.groupsClaim];
      const groups = Array.isArray(rawGroups)
        ? rawGroups.filter((g): g is string => typeof g === "string")
        : [];
      return {
        subject: String(claims.sub),
        email,
        name: typeof claims.name === "string" ? claims.name : null,
        groups,
        emailVerified: claims.email_verified === true,
        role: roleFor(c, groups),
      };
    },
  };
}
