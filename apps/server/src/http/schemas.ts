// Shared zod schemas of the API: bounded query values, pages, and the public shapes of users,
// tokens and audit events (never a hash or a secret: the response schema strips unknown keys).
import { z } from "zod";
import { ApiToken, AuditEvent, Team, User } from "@ctem/model";
import { ErrorBody } from "./errors.js";

export const Cursor = z.string().min(1).max(2048);
export const Limit = z.coerce.number().int().min(1).max(1000).default(100);
export const PageQuery = z.object({ cursor: Cursor.optional(), limit: Limit });

/** One value or a comma-separated list (`?severity=critical,high`), each checked against `item`. */
export function csvOf<T extends z.ZodType<string>>(item: T) {
  // The array's input is the item's (narrower) input; the split strings are what it checks.
  const list = z.array(item).min(1).max(32) as unknown as z.ZodType<z.output<T>[], string[]>;
  return z
    .string()
    .max(1024)
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(list);
}

export const BoolString = z.enum(["true", "false"]).transform((v) => v === "true");

export const UserOut = User.meta({ id: "User" });
export const TeamOut = Team.meta({ id: "Team" });
export const TokenOut = ApiToken.meta({ id: "ApiToken" });
export const AuditOut = AuditEvent.meta({ id: "AuditEvent" });

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().optional() });
}

type ErrorStatuses<S extends number> = { [K in 400 | 401 | 403 | 429 | 500 | S]: typeof ErrorBody };

/** The error answers a route can give, besides its success answers. */
export function withErrors<T extends Record<number, z.ZodType>, S extends number = never>(
  ok: T,
  ...statuses: S[]
): T & ErrorStatuses<S> {
  const out: Record<number, z.ZodType> = { ...ok };
  for (const s of [400, 401, 403, 429, 500, ...statuses]) out[s] = ErrorBody;
  return out as T & ErrorStatuses<S>;
}
