// The SSO configuration an admin stores (when CTEM_OIDC_* is not set): the client secret is sealed
// with AES-256-GCM and never returned; the answer says only whether one is set.
import { z } from "zod";
import { ConflictError, Role } from "@ctem/model";
import { SSO_CONFIG_KEY, SSO_SECRET_NAME, StoredSsoConfig } from "../../auth/oidc.js";
import type { RouteContext, ZodApp } from "../app.js";
import { withErrors } from "../schemas.js";

const SsoView = z
  .object({
    source: z.enum(["env", "stored", "none"]),
    issuer: z.string().nullable(),
    clientId: z.string().nullable(),
    clientSecretSet: z.boolean(),
    groupsClaim: z.string().nullable(),
    roleMap: z.record(z.string(), Role),
    defaultRole: Role.nullable(),
    scopes: z.array(z.string()),
  })
  .meta({ id: "SsoConfig" });

export function registerSsoRoutes(app: ZodApp, ctx: RouteContext): void {
  const accounts = ctx.deps.app.accounts;

  async function view() {
    const source = await ctx.oidc.source();
    const c = await ctx.oidc.current();
    return {
      source,
      issuer: c?.issuer ?? null,
      clientId: c?.clientId ?? null,
      clientSecretSet: Boolean(c?.clientSecret),
      groupsClaim: c?.groupsClaim ?? null,
      roleMap: c?.roleMap ?? {},
      defaultRole: c?.defaultRole ?? null,
      scopes: c?.scopes ?? [],
    };
  }

  app.get(
    "/api/sso/config",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "getSsoConfig",
        tags: ["sso"],
        summary: "The single sign-on configuration (never the client secret)",
        response: withErrors({ 200: SsoView }),
      },
    },
    view,
  );

  app.put(
    "/api/sso/config",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "putSsoConfig",
        tags: ["sso"],
        summary:
          "Store the single sign-on configuration; clientSecret is write-only (omit it to keep the stored one)",
        body: StoredSsoConfig.extend({ clientSecret: z.string().min(1).max(4096).optional() }).strict(),
        response: withErrors({ 200: SsoView }, 409),
      },
    },
    async (req) => {
      if (ctx.deps.config.oidc)
        throw new ConflictError("single sign-on is set in the environment (CTEM_OIDC_*)");
      const before = await view();
      const { clientSecret, ...doc } = req.body;
      await accounts.config.put(SSO_CONFIG_KEY, doc);
      if (clientSecret)
        await accounts.secrets.put(SSO_SECRET_NAME, ctx.deps.secrets.seal(SSO_SECRET_NAME, clientSecret));
      const after = await view();
      await ctx.audit(req, { action: "sso.config", target: "sso", before, after });
      return after;
    },
  );
}
