// Turns zod failures into errors that name the item and the field, so a user can find the bad fact.
import type { z } from "zod";
import { ValidationError } from "./errors.js";

function describeItem(item: unknown): string | undefined {
  if (item && typeof item === "object") {
    const o = item as Record<string, unknown>;
    if (typeof o.id === "string") return o.id;
    if (typeof o.from === "string" && typeof o.kind === "string" && typeof o.to === "string")
      return `${o.from} -${o.kind}-> ${o.to}`;
    if (typeof o.ruleId === "string") {
      const res = o.resource as { ids?: unknown } | undefined;
      const rid = Array.isArray(res?.ids) ? String(res.ids[0]) : "?";
      return `${o.ruleId} on ${rid}`;
    }
  }
  return undefined;
}

export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return "(the item itself)";
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/**
 * Parses one item; on failure throws a ValidationError naming what (`node`, `edge`, `finding`),
 * the item's id (or position), the field and zod's reason.
 */
export function parseItem<S extends z.ZodType>(
  schema: S,
  item: unknown,
  what: string,
  position?: string,
): z.output<S> {
  const r = schema.safeParse(item);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const id = describeItem(item);
  const field = first ? formatIssuePath(first.path) : "?";
  const where = id ? `${what} '${id}'` : `${what} ${position ?? ""}`.trim();
  throw new ValidationError(`${where}: field ${field}: ${first?.message ?? "invalid"}`, {
    item: id ?? position,
    field,
    problems: r.error.issues.slice(0, 5).map((i) => ({ field: formatIssuePath(i.path), message: i.message })),
  });
}
