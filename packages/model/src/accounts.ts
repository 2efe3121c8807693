// Accounts: users, teams, browser sessions, API tokens, the audit log and stored secrets
// (DESIGN "Server and UI"). Secrets, password hashes and token hashes live only in the *Record
// types the AppStore and the server's auth code exchange; what the API returns never holds them.
import { z } from "zod";
import { IsoTime } from "./graph.js";

export const ROLES = ["admin", "analyst", "developer"] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .min(3)
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, "an e-mail address such as ana@example.com");

export const TeamName = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, "letters, digits, spaces, '.', '_' and '-'");

export const User = z.object({
  id: z.string().min(1).max(64),
  email: Email,
  name: z.string().max(256).nullable(),
  role: Role,
  /** The team's name, or null. */
  team: TeamName.nullable(),
  disabled: z.boolean(),
  /** Set for a one-time password: every route but the password change answers 403 until it is changed. */
  mustChangePassword: z.boolean(),
  /** "local" (password) or "oidc" (single sign-on; no password). */
  source: z.enum(["local", "oidc"]),
  createdAt: IsoTime,
  lastLoginAt: IsoTime.nullable(),
});
export type User = z.infer<typeof User>;

/** A user with the password hash: never leaves the store and the auth code. */
export interface UserRecord extends User {
  passwordHash: string | null;
}

export const Team = z.object({ id: z.string(), name: TeamName, createdAt: IsoTime });
export type Team = z.infer<typeof Team>;

/** A browser session. `id` is the SHA-256 of the cookie value; the cookie value is never stored. */
export interface SessionRecord {
  id: string;
  userId: string;
  /** SHA-256 of the session's CSRF token. */
  csrfHash: string;
  createdAt: string;
  lastSeenAt: string;
  /** Absolute expiry; idle expiry is lastSeenAt + the configured idle timeout. */
  expiresAt: string;
  revokedAt: string | null;
}

export const ApiToken = z.object({
  id: z.string(),
  name: z.string().min(1).max(128),
  role: Role,
  /** The user the token acts for; it stops working when that user is disabled. */
  userId: z.string(),
  /** The first characters of the token, to recognise it in a list. */
  prefix: z.string(),
  createdAt: IsoTime,
  lastUsedAt: IsoTime.nullable(),
  expiresAt: IsoTime.nullable(),
  revokedAt: IsoTime.nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export interface ApiTokenRecord extends ApiToken {
  /** SHA-256 of the token. */
  hash: string;
}

export const AuditActor = z.object({
  kind: z.enum(["user", "token", "system", "anonymous"]),
  id: z.string().max(256).nullable(),
  /** The user's e-mail at the time, for reading the log after the user is gone. */
  email: z.string().max(254).nullable(),
});
export type AuditActor = z.infer<typeof AuditActor>;

export const AuditEvent = z.object({
  id: z.number().int(),
  at: IsoTime,
  actor: AuditActor,
  /** Dotted: auth.login, auth.login_failed, user.create, token.revoke, sso.config, … */
  action: z.string().max(64),
  outcome: z.enum(["success", "failure"]),
  /** What was acted on (a user id, a token id, an issue key). */
  target: z.string().max(512).nullable(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  ip: z.string().max(64).nullable(),
  requestId: z.string().max(128).nullable(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
export type NewAuditEvent = Omit<AuditEvent, "id" | "at"> & { at?: string };

export interface AuditFilter {
  action?: string;
  actorId?: string;
  target?: string;
  /** ISO time, inclusive. */
  since?: string;
}

export interface NewUser {
  email: string;
  name?: string | null;
  role: Role;
  team?: string | null;
  passwordHash: string | null;
  mustChangePassword: boolean;
  source: "local" | "oidc";
}

export interface UserPatch {
  name?: string | null;
  role?: Role;
  team?: string | null;
  disabled?: boolean;
}
