// The audit log, newest first (admin).
import { z } from "zod";
import type { AuditFilter } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { AuditOut, Cursor, Limit, pageOf, withErrors } from "../schemas.js";

export function registerAuditRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    "/api/audit",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "listAudit",
        tags: ["audit"],
        summary: "Who changed what and every sign-in, newest first",
        querystring: z
          .object({
            action: z
              .string()
              .regex(/^[a-z_]+(\.[a-z_]+)*$/)
              .max(64)
              .optional(),
            actor: z.string().min(1).max(256).optional(),
            target: z.string().min(1).max(512).optional(),
            since: z.iso.datetime({ offset: true }).optional(),
            cursor: Cursor.optional(),
            limit: Limit,
          })
          .strict(),
        response: withErrors({ 200: pageOf(AuditOut) }),
      },
    },
    async (req) => {
      const q = req.query;
      const filter: AuditFilter = {};
      if (q.action) filter.action = q.action;
      if (q.actor) filter.actorId = q.actor;
      if (q.target) filter.target = q.target;
      if (q.since) filter.since = q.since;
      return ctx.deps.app.accounts.audit.list(filter, {
        limit: q.limit,
        ...(q.cursor ? { cursor: q.cursor } : {}),
      });
    },
  );
}
