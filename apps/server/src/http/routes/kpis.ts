// KPIs (analysts and admins) and the daily job, which an admin may also run by hand: expired
// acceptances reopen and today's KPI snapshot is taken.
import { z } from "zod";
import { KpiSnapshot } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { withErrors } from "../schemas.js";
import { allIssues, computeKpis, dayOf, runDailyJob } from "../../kpis/kpis.js";

const Mttr = z.object({ mean: z.number().nullable(), count: z.number().int() });
const KpisOut = z
  .object({
    days: z.number().int(),
    openBySeverity: z.array(KpiSnapshot),
    mttrHours: z.object({ critical: Mttr, high: Mttr, medium: Mttr, low: Mttr }),
    sla: z.object({
      resolvedOnTime: z.number().int(),
      resolvedLate: z.number().int(),
      compliance: z.number().nullable(),
      openOverdue: z.number().int(),
    }),
    exposure: z.object({
      now: z.number(),
      periodStart: z.number().nullable(),
      reduction: z.number().nullable(),
    }),
    perAnalysis: z.array(
      z.object({ analysisId: z.string(), at: z.string(), new: z.number().int(), resolved: z.number().int() }),
    ),
  })
  .meta({ id: "Kpis" });

export function registerKpiRoutes(app: ZodApp, ctx: RouteContext): void {
  const store = ctx.deps.app;

  app.get(
    "/api/kpis",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "kpis",
        tags: ["kpis"],
        summary:
          "Open issues by severity over time (daily snapshots and now), MTTR per severity, SLA compliance, exposure reduction over the period, new vs resolved per analysis",
        querystring: z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }).strict(),
        response: withErrors({ 200: KpisOut }),
      },
    },
    async (req) => {
      const now = ctx.now();
      const days = req.query.days;
      const from = new Date(now.getTime() - days * 86_400_000);
      const [issues, snapshots, analyses] = await Promise.all([
        allIssues(store),
        store.ops.kpiSnapshots.list(dayOf(from), dayOf(now)),
        store.listAnalyses({ limit: 1000 }),
      ]);
      return computeKpis({ issues, snapshots, analyses: analyses.items, now, days });
    },
  );

  app.post(
    "/api/jobs/daily",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "runDailyJob",
        tags: ["kpis"],
        summary: "Run the daily job now: reopen expired acceptances, take today's KPI snapshot",
        response: withErrors({ 200: z.object({ reopened: z.array(z.string()), snapshot: KpiSnapshot }) }),
      },
    },
    async (req) => {
      const r = await runDailyJob(store, ctx.now());
      const reopened = r.reopened.map((i) => i.alias);
      await ctx.audit(req, { action: "job.daily", target: r.snapshot.day, after: { reopened } });
      await ctx.webhooks.emit(
        r.reopened.map((issue) => ({ event: "issue.updated", issue, from: "risk_accepted" })),
      );
      return { reopened, snapshot: r.snapshot };
    },
  );
}
