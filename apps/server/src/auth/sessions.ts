// Browser sessions: a random cookie value the server keeps only as a SHA-256, an idle and an
// absolute timeout, and a CSRF token bound to the session (an HMAC of the cookie value, so it can
// be handed out again without being stored). A new session on every login (rotation); logout and
// disabling the user revoke it.
import { createHmac, hkdfSync } from "node:crypto";
import type { AccountStore, SessionRecord, User } from "@ctem/model";
import { randomToken, sameDigest, sha256 } from "./tokens.js";

export interface SessionService {
  start(userId: string): Promise<{ cookie: string; csrfToken: string; session: SessionRecord }>;
  /** The live session and its user, or why there is none. */
  resolve(
    cookie: string,
  ): Promise<
    | { ok: true; session: SessionRecord; user: User }
    | { ok: false; reason: "unknown" | "revoked" | "expired" | "disabled" }
  >;
  csrfToken(cookie: string): string;
  csrfMatches(session: SessionRecord, presented: string | undefined): boolean;
  end(cookie: string): Promise<void>;
  idleMs: number;
  maxMs: number;
}

export function createSessionService(o: {
  accounts: Pick<AccountStore, "sessions" | "users">;
  key: Buffer;
  idleMinutes: number;
  maxHours: number;
  now: () => Date;
}): SessionService {
  const csrfKey = Buffer.from(hkdfSync("sha256", o.key, Buffer.alloc(0), "ctem csrf v1", 32));
  const idleMs = o.idleMinutes * 60_000;
  const maxMs = o.maxHours * 3_600_000;
  // Writing lastSeenAt on every request would make every read a write; a minute's slack is enough.
  const touchEveryMs = Math.min(60_000, idleMs / 4);
  const csrfToken = (cookie: string) => createHmac("sha256", csrfKey).update(cookie).digest("base64url");
  return {
    idleMs,
    maxMs,
    csrfToken,
    async start(userId) {
      const cookie = randomToken();
      const t = o.now();
      const session: SessionRecord = {
        id: sha256(cookie),
        userId,
        csrfHash: sha256(csrfToken(cookie)),
        createdAt: t.toISOString(),
        lastSeenAt: t.toISOString(),
        expiresAt: new Date(t.getTime() + maxMs).toISOString(),
        revokedAt: null,
      };
      await o.accounts.sessions.create(session);
      return { cookie, csrfToken: csrfToken(cookie), session };
    },
    async resolve(cookie) {
      const session = await o.accounts.sessions.get(sha256(cookie));
      if (!session) return { ok: false, reason: "unknown" };
      if (session.revokedAt) return { ok: false, reason: "revoked" };
      const t = o.now();
      if (
        t.getTime() >= Date.parse(session.expiresAt) ||
        t.getTime() - Date.parse(session.lastSeenAt) >= idleMs
      ) {
        await o.accounts.sessions.revoke(session.id, t.toISOString());
        return { ok: false, reason: "expired" };
      }
      const user = await o.accounts.users.get(session.userId);
      if (!user || user.disabled) return { ok: false, reason: "disabled" };
      if (t.getTime() - Date.parse(session.lastSeenAt) >= touchEveryMs)
        await o.accounts.sessions.touch(session.id, t.toISOString());
      return { ok: true, session, user };
    },
    csrfMatches(session, presented) {
      return (
        typeof presented === "string" &&
        presented.length > 0 &&
        sameDigest(sha256(presented), session.csrfHash)
      );
    },
    async end(cookie) {
      await o.accounts.sessions.revoke(sha256(cookie), o.now().toISOString());
    },
  };
}
