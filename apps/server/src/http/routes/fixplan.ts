// The fix plan (remediation options ranked by total risk removed across all paths: choke points
// first) and what-if: apply options to an overlay of the current graph and list the issues that
// would close. What-if analyses what is stored now (with the analysis' threat intel and scope
// filters) and writes nothing.
import { z } from "zod";
import { FixPlanItem } from "@ctem/model";
import { whatIfStored } from "@ctem/engine";
import type { RouteContext, ZodApp } from "../app.js";
import { principal } from "../access.js";
import { withErrors } from "../schemas.js";
import { createIssueService } from "../../issues/service.js";
import { analysisInputs } from "../../scans/analysis.js";

const FixPlanItemOut = FixPlanItem.meta({ id: "FixPlanItem" });
const OptionId = z.string().min(1).max(512);

export function registerFixPlanRoutes(app: ZodApp, ctx: RouteContext): void {
  const store = ctx.deps.app;
  const issues = createIssueService({
    issues: store,
    users: store.accounts.users,
    teams: store.accounts.teams,
    clock: ctx.now,
  });
  // One what-if at a time: each is a whole analysis in memory.
  let whatIfChain: Promise<unknown> = Promise.resolve();

  app.get(
    "/api/fixplan",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "fixPlan",
        tags: ["fix plan"],
        summary: "Remediation options of the current analysis, most risk removed first",
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict(),
        response: withErrors({
          200: z.object({ items: z.array(FixPlanItemOut), total: z.number().int() }),
        }),
      },
    },
    async (req) => {
      const all = await store.fixPlan();
      return { items: all.slice(0, req.query.limit), total: all.length };
    },
  );

  app.get(
    "/api/issues/:key/fixplan",
    {
      config: { access: ["admin", "analyst", "developer"] },
      schema: {
        operationId: "issueFixPlan",
        tags: ["fix plan"],
        summary: "The fix-plan options that cut this issue's paths, most risk removed first",
        params: z.object({ key: z.string().min(1).max(128) }),
        response: withErrors({ 200: z.object({ items: z.array(FixPlanItemOut) }) }, 404),
      },
    },
    async (req) => {
      const p = principal(req);
      const issue = await issues.visible(req.params.key, { user: p.user, role: p.role });
      const all = await store.fixPlan();
      return { items: all.filter((o) => o.cuts.some((c) => c.issueKey === issue.key)) };
    },
  );

  app.post(
    "/api/whatif",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "whatIf",
        tags: ["fix plan"],
        summary: "Which issues would close if these fix-plan options were applied (nothing is changed)",
        body: z.object({ options: z.array(OptionId).min(1).max(200) }).strict(),
        response: withErrors(
          {
            200: z.object({
              closes: z.array(z.object({ key: z.string(), alias: z.string().nullable() })),
              remaining: z.array(
                z.object({
                  key: z.string(),
                  alias: z.string().nullable(),
                  before: z.number(),
                  after: z.number(),
                }),
              ),
              riskRemoved: z.number(),
            }),
          },
          404,
        ),
      },
    },
    async (req) => {
      const run = whatIfChain.then(() =>
        analysisInputs(store, {
          dataDir: ctx.deps.dataDir,
          now: ctx.now,
          intel: ctx.intel,
        }).then((inputs) => whatIfStored({ graph: ctx.deps.graph, app: store }, req.body.options, inputs)),
      );
      whatIfChain = run.catch(() => undefined);
      const r = await run;
      const aliasOf = async (key: string) => (await store.getIssue(key))?.alias ?? null;
      return {
        closes: await Promise.all(r.closes.map(async (key) => ({ key, alias: await aliasOf(key) }))),
        // Only the issues whose score moves: the others are the current analysis.
        remaining: await Promise.all(
          r.remaining
            .filter((x) => x.after !== x.before)
            .map(async (x) => ({ ...x, alias: await aliasOf(x.key) })),
        ),
        riskRemoved: r.riskRemoved,
      };
    },
  );
}
