// API tokens for automation: shown once, stored as a SHA-256, each with a role no stronger than
// its user's; they stop working when revoked, expired, or when the user is disabled.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { NotFoundError, Role } from "@ctem/model";
import type { ApiTokenRecord } from "@ctem/model";
import { API_TOKEN_PREFIX, randomToken, sha256 } from "../../auth/tokens.js";
import type { RouteContext, ZodApp } from "../app.js";
import { RANK, principal } from "../access.js";
import { HttpError } from "../errors.js";
import { BoolString, TokenOut, withErrors } from "../schemas.js";

const strip = ({ hash: _hash, ...t }: ApiTokenRecord) => t;

export function registerTokenRoutes(app: ZodApp, ctx: RouteContext): void {
  const accounts = ctx.deps.app.accounts;

  app.get(
    "/api/tokens",
    {
      config: { access: "signed_in" },
      schema: {
        operationId: "listTokens",
        tags: ["tokens"],
        summary: "Your API tokens (admins: everyone's with all=true); never the token itself",
        querystring: z.object({ all: BoolString.optional() }).strict(),
        response: withErrors({ 200: z.object({ items: z.array(TokenOut) }) }),
      },
    },
    async (req) => {
      const p = principal(req);
      if (req.query.all && p.role !== "admin")
        throw new HttpError(403, "forbidden", "all=true needs the role admin");
      const items = await accounts.tokens.list(req.query.all ? undefined : p.user.id);
      return { items: items.map(strip) };
    },
  );

  app.post(
    "/api/tokens",
    {
      config: { access: "signed_in" },
      schema: {
        operationId: "createToken",
        tags: ["tokens"],
        summary: "Create an API token; the answer holds it once",
        body: z
          .object({
            name: z.string().trim().min(1).max(128),
            role: Role.optional(),
            expiresInDays: z.number().int().min(1).max(3650).optional(),
          })
          .strict(),
        response: withErrors({ 201: z.object({ token: z.string(), info: TokenOut }) }),
      },
    },
    async (req, reply) => {
      const p = principal(req);
      if (p.via === "token") throw new HttpError(403, "forbidden", "a token cannot create tokens; sign in");
      const role = req.body.role ?? p.role;
      if (RANK[role] > RANK[p.role])
        throw new HttpError(
          403,
          "forbidden",
          `a token's role cannot be stronger than yours (${p.role})`,
          "body.role",
        );
      const token = randomToken(API_TOKEN_PREFIX);
      const t = ctx.now();
      const rec: ApiTokenRecord = {
        id: randomUUID(),
        hash: sha256(token),
        name: req.body.name,
        role,
        userId: p.user.id,
        prefix: token.slice(0, API_TOKEN_PREFIX.length + 4),
        createdAt: t.toISOString(),
        lastUsedAt: null,
        expiresAt: req.body.expiresInDays
          ? new Date(t.getTime() + req.body.expiresInDays * 86_400_000).toISOString()
          : null,
        revokedAt: null,
      };
      await accounts.tokens.create(rec);
      await ctx.audit(req, {
        action: "token.create",
        target: rec.id,
        after: { name: rec.name, role, userId: rec.userId },
      });
      return reply.status(201).send({ token, info: strip(rec) });
    },
  );

  app.delete(
    "/api/tokens/:id",
    {
      config: { access: "signed_in" },
      schema: {
        operationId: "revokeToken",
        tags: ["tokens"],
        summary: "Revoke an API token (yours; admins: anyone's)",
        params: z.object({ id: z.string().min(1).max(64) }),
        response: withErrors({ 204: z.null() }, 404),
      },
    },
    async (req, reply) => {
      const p = principal(req);
      const tok = await accounts.tokens.get(req.params.id);
      // Someone else's token is reported as missing: its existence is not the caller's business.
      if (!tok || (tok.userId !== p.user.id && p.role !== "admin"))
        throw new NotFoundError(`no token ${req.params.id}`);
      await accounts.tokens.revoke(tok.id, ctx.now().toISOString());
      await ctx.audit(req, {
        action: "token.revoke",
        target: tok.id,
        before: { name: tok.name, revokedAt: tok.revokedAt },
      });
      return reply.status(204).send(null);
    },
  );
}
