// Sign-in and sessions: login (rate limited; a new session every time), logout, who am I (with the
// CSRF token), password change (required after a one-time password), and the OIDC redirects.
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { Role } from "@ctem/model";
import type { User } from "@ctem/model";
import { Password } from "../../auth/passwords.js";
import { removeInitialPasswordFile } from "../../auth/bootstrap.js";
import { resolveSsoUser } from "../../auth/sso-users.js";
import type { RouteContext, ZodApp } from "../app.js";
import { principal } from "../access.js";
import { HttpError } from "../errors.js";
import { UserOut, withErrors } from "../schemas.js";

const SSO_STATE_COOKIE = "ctem_sso_state";
const SSO_PATH = "/api/auth/sso";

const Me = z
  .object({
    user: UserOut,
    role: Role,
    via: z.enum(["session", "token"]),
    /** Send as x-csrf-token on every change made with the session cookie. */
    csrfToken: z.string().nullable(),
  })
  .meta({ id: "Me" });

export function registerAuthRoutes(app: ZodApp, ctx: RouteContext): void {
  const accounts = ctx.deps.app.accounts;
  const hasher = ctx.deps.hasher;

  const setSession = (reply: FastifyReply, cookie: string) =>
    reply.setCookie(ctx.cookies.session, cookie, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: ctx.deps.config.cookieSecure,
      maxAge: Math.floor(ctx.sessions.maxMs / 1000),
    });

  /** Rotation: whatever session the browser had ends; a fresh one starts. */
  async function startSession(req: FastifyRequest, reply: FastifyReply, user: User) {
    const old = req.cookies[ctx.cookies.session];
    if (old) await ctx.sessions.end(old);
    const s = await ctx.sessions.start(user.id);
    await accounts.users.recordLogin(user.id, s.session.createdAt);
    setSession(reply, s.cookie);
    return s;
  }

  app.post(
    "/api/auth/login",
    {
      config: {
        access: "public",
        rateLimit: { max: ctx.deps.config.loginRateLimit, timeWindow: 60_000 },
      },
      schema: {
        operationId: "login",
        tags: ["auth"],
        summary: "Sign in with e-mail and password; sets the session cookie",
        body: z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(1024) }),
        response: withErrors({ 200: Me }),
      },
    },
    async (req, reply) => {
      const rec = await accounts.users.record(req.body.email.trim().toLowerCase());
      // Always verify (against a dummy hash when there is no such user): the time does not tell.
      const ok = await hasher.verify(
        req.body.password,
        rec && rec.source === "local" ? rec.passwordHash : null,
      );
      if (!rec || !ok || rec.disabled) {
        await ctx.audit(req, {
          action: "auth.login_failed",
          outcome: "failure",
          target: rec?.id ?? null,
          after: { reason: !rec ? "unknown_user" : rec.disabled ? "disabled" : "wrong_password" },
        });
        throw new HttpError(401, "unauthenticated", "wrong e-mail or password, or the account is disabled");
      }
      const { passwordHash: _h, ...user } = rec;
      const s = await startSession(req, reply, user);
      req.principal = { user, role: user.role, via: "session", sessionId: s.session.id };
      await ctx.audit(req, { action: "auth.login", target: user.id });
      return { user, role: user.role, via: "session" as const, csrfToken: s.csrfToken };
    },
  );

  app.post(
    "/api/auth/logout",
    {
      config: { access: "signed_in", beforePasswordChange: true },
      schema: {
        operationId: "logout",
        tags: ["auth"],
        summary: "End this session",
        response: withErrors({ 204: z.null() }),
      },
    },
    async (req, reply) => {
      const p = principal(req);
      const cookie = req.cookies[ctx.cookies.session];
      if (p.via === "session" && cookie) await ctx.sessions.end(cookie);
      await ctx.audit(req, { action: "auth.logout", target: p.user.id });
      reply.clearCookie(ctx.cookies.session, {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: ctx.deps.config.cookieSecure,
      });
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/auth/me",
    {
      config: { access: "signed_in", beforePasswordChange: true },
      schema: {
        operationId: "getMe",
        tags: ["auth"],
        summary: "The signed-in user, the effective role and the CSRF token",
        response: withErrors({ 200: Me }),
      },
    },
    (req) => {
      const p = principal(req);
      const cookie = req.cookies[ctx.cookies.session];
      return {
        user: p.user,
        role: p.role,
        via: p.via,
        csrfToken: p.via === "session" && cookie ? ctx.sessions.csrfToken(cookie) : null,
      };
    },
  );

  app.post(
    "/api/auth/password",
    {
      config: { access: "signed_in", beforePasswordChange: true },
      schema: {
        operationId: "changePassword",
        tags: ["auth"],
        summary: "Replace your password (required after a one-time password); ends your other sessions",
        body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: Password }),
        response: withErrors({ 204: z.null() }),
      },
    },
    async (req, reply) => {
      const p = principal(req);
      if (p.via !== "session")
        throw new HttpError(403, "forbidden", "change a password with a signed-in session, not a token");
      const rec = await accounts.users.record(p.user.id);
      if (
        !rec ||
        rec.source !== "local" ||
        !(await hasher.verify(req.body.currentPassword, rec.passwordHash))
      ) {
        await ctx.audit(req, { action: "auth.password_change", outcome: "failure", target: p.user.id });
        throw new HttpError(
          400,
          "invalid_input",
          "body.currentPassword: wrong password",
          "body.currentPassword",
        );
      }
      if (req.body.newPassword === req.body.currentPassword)
        throw new HttpError(
          400,
          "invalid_input",
          "body.newPassword: must differ from the current one",
          "body.newPassword",
        );
      await accounts.users.setPassword(p.user.id, await hasher.hash(req.body.newPassword), {
        mustChange: false,
        ...(p.sessionId ? { keepSession: p.sessionId } : {}),
        at: ctx.now().toISOString(),
      });
      if (rec.mustChangePassword && rec.role === "admin") removeInitialPasswordFile(ctx.deps.dataDir);
      await ctx.audit(req, { action: "auth.password_change", target: p.user.id });
      return reply.status(204).send(null);
    },
  );

  // --- OIDC single sign-on -------------------------------------------------------------------
  const redirectUri = (req: FastifyRequest) =>
    `${ctx.deps.config.publicUrl ?? `${req.protocol}://${req.host}`}${SSO_PATH}/callback`;

  app.get(
    SSO_PATH,
    {
      config: { access: "public" },
      schema: {
        operationId: "getSso",
        tags: ["auth"],
        summary: "Whether single sign-on is available, and where it starts",
        response: withErrors({ 200: z.object({ enabled: z.boolean(), loginUrl: z.string().nullable() }) }),
      },
    },
    async () => {
      const enabled = (await ctx.oidc.source()) !== "none";
      return { enabled, loginUrl: enabled ? `${SSO_PATH}/login` : null };
    },
  );

  app.get(
    `${SSO_PATH}/login`,
    {
      config: { access: "public" },
      schema: {
        operationId: "startSso",
        tags: ["auth"],
        summary: "Redirects to the identity provider",
        response: withErrors({ 302: z.null() }, 404, 503),
      },
    },
    async (req, reply) => {
      const { url, state } = await ctx.oidc.begin(redirectUri(req));
      reply.setCookie(SSO_STATE_COOKIE, state, {
        path: SSO_PATH,
        httpOnly: true,
        sameSite: "lax",
        secure: ctx.deps.config.cookieSecure,
        maxAge: 600,
      });
      return reply.redirect(url, 302);
    },
  );

  app.get(
    `${SSO_PATH}/callback`,
    {
      config: { access: "public" },
      schema: {
        operationId: "finishSso",
        tags: ["auth"],
        summary: "The identity provider's redirect back: signs the user in and redirects to the app",
        querystring: z
          .object({
            code: z.string().max(4096).optional(),
            state: z.string().max(1024).optional(),
            error: z.string().max(256).optional(),
            iss: z.string().max(2048).optional(),
            session_state: z.string().max(1024).optional(),
            error_description: z.string().max(1024).optional(),
          })
          .strict(),
        response: withErrors({ 302: z.null() }, 404, 503),
      },
    },
    async (req, reply) => {
      const state = req.cookies[SSO_STATE_COOKIE];
      reply.clearCookie(SSO_STATE_COOKIE, { path: SSO_PATH });
      if (!state)
        throw new HttpError(
          400,
          "invalid_input",
          "no sign-in in progress in this browser; start again",
          "cookie",
        );
      if (req.query.error) {
        await ctx.audit(req, {
          action: "auth.sso_failed",
          outcome: "failure",
          target: null,
          after: { error: req.query.error },
        });
        throw new HttpError(
          403,
          "forbidden",
          `the identity provider refused the sign-in (${req.query.error})`,
        );
      }
      const callbackUrl = new URL(req.url, redirectUri(req));
      let id;
      try {
        id = await ctx.oidc.finish(callbackUrl, state, redirectUri(req));
      } catch (e) {
        await ctx.audit(req, { action: "auth.sso_failed", outcome: "failure", target: null });
        throw e;
      }
      const user = await resolveSsoUser(accounts, id, (e) => ctx.audit(req, e));
      await startSession(req, reply, user);
      req.principal = { user, role: user.role, via: "session" };
      await ctx.audit(req, { action: "auth.login", target: user.id, after: { via: "sso" } });
      return reply.redirect("/", 302);
    },
  );
}
