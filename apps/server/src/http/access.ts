// Who may call what. Every route declares `config.access`; registering a route without one fails
// at start-up, so no route is reachable by accident. Authentication runs in onRequest, before the
// body is parsed or validated: nobody learns anything about a protected route's input rules.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AccountStore, Role, User } from "@ctem/model";
import type { SessionService } from "../auth/sessions.js";
import { API_TOKEN_PREFIX, sha256 } from "../auth/tokens.js";
import { HttpError } from "./errors.js";

/** "public": anyone; "signed_in": any role; else the roles listed. */
export type Access = "public" | "signed_in" | readonly Role[];

export interface Principal {
  user: User;
  /** The effective role: a token's role, capped by its user's current role. */
  role: Role;
  via: "session" | "token";
  sessionId?: string;
  tokenId?: string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
    /** Reachable while the user must still replace a one-time password (me, password, logout). */
    beforePasswordChange?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /** Every route registered, with its access: the role-matrix test checks it covers them all. */
    ctemRoutes: Array<{ method: string; url: string; access: Access; schema: unknown }>;
  }
}

export const RANK: Record<Role, number> = { developer: 1, analyst: 2, admin: 3 };
export const weaker = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

export interface CookieNames {
  session: string;
}

export function cookieNames(secure: boolean): CookieNames {
  // __Host-: the browser refuses it without Secure, a Domain, or a path other than "/".
  return { session: secure ? "__Host-ctem_session" : "ctem_session" };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function registerAccess(
  app: FastifyInstance,
  o: {
    accounts: AccountStore;
    sessions: SessionService;
    cookies: CookieNames;
    secure: boolean;
    now: () => Date;
  },
): void {
  app.decorateRequest("principal", undefined);
  const routes: FastifyInstance["ctemRoutes"] = [];
  app.decorate("ctemRoutes", routes);
  app.addHook("onRoute", (route) => {
    const access = route.config?.access;
    if (access === undefined)
      throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access)`);
    // The OpenAPI document says which routes need a session cookie or a bearer token.
    if (access !== "public" && route.schema)
      (route.schema as { security?: unknown }).security = [{ session: [] }, { token: [] }];
    for (const method of [route.method].flat())
      routes.push({ method, url: route.url, access, schema: route.schema });
  });

  const clearSession = (reply: FastifyReply) =>
    reply.clearCookie(o.cookies.session, { path: "/", httpOnly: true, sameSite: "lax", secure: o.secure });

  async function authenticate(req: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined> {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m || !m[1]!.startsWith(API_TOKEN_PREFIX))
        throw new HttpError(401, "unauthenticated", "Authorization: expected 'Bearer ctem_…'");
      const token = await o.accounts.tokens.byHash(sha256(m[1]!));
      const t = o.now();
      if (!token || token.revokedAt || (token.expiresAt && Date.parse(token.expiresAt) <= t.getTime()))
        throw new HttpError(401, "unauthenticated", "the API token is unknown, revoked or expired");
      const user = await o.accounts.users.get(token.userId);
      if (!user || user.disabled) throw new HttpError(401, "unauthenticated", "the token's user is disabled");
      if (!token.lastUsedAt || t.getTime() - Date.parse(token.lastUsedAt) > 60_000)
        await o.accounts.tokens.touch(token.id, t.toISOString());
      return { user, role: weaker(token.role, user.role), via: "token", tokenId: token.id };
    }
    const cookie = req.cookies[o.cookies.session];
    if (!cookie) return undefined;
    const r = await o.sessions.resolve(cookie);
    if (!r.ok) {
      clearSession(reply);
      return undefined;
    }
    if (
      !SAFE_METHODS.has(req.method) &&
      !o.sessions.csrfMatches(r.session, req.headers["x-csrf-token"] as string)
    )
      throw new HttpError(
        403,
        "forbidden",
        "missing or wrong CSRF token (send the x-csrf-token header)",
        "header.x-csrf-token",
      );
    return { user: r.user, role: r.user.role, via: "session", sessionId: r.session.id };
  }

  app.addHook("onRequest", async (req, reply) => {
    const access = req.routeOptions.config?.access;
    if (access === undefined) return; // no route matched: the 404 handler answers.
    if (access === "public") {
      // Public routes still learn who is calling (logout, me) but never require it.
      try {
        req.principal = await authenticate(req, reply);
      } catch {
        req.principal = undefined;
      }
      return;
    }
    const p = await authenticate(req, reply);
    if (!p)
      throw new HttpError(401, "unauthenticated", "sign in first (session cookie or Authorization: Bearer)");
    req.principal = p;
    if (p.user.mustChangePassword && !req.routeOptions.config.beforePasswordChange)
      throw new HttpError(
        403,
        "password_change_required",
        "choose a new password first (POST /api/auth/password)",
      );
    if (access !== "signed_in" && !access.includes(p.role))
      throw new HttpError(403, "forbidden", `this needs the role ${access.join(" or ")}; you are ${p.role}`);
  });
}

export function principal(req: FastifyRequest): Principal {
  if (!req.principal) throw new HttpError(401, "unauthenticated", "sign in first");
  return req.principal;
}
