// Scopes (admin) and scans. The same scopes `ctem scope` manages: an AWS scope names the account,
// the scanner role and the external id ctem generates (an identifier shown on the setup page, not a
// secret), the regions and Inspector2. Include/exclude filters apply at analysis and in views, never
// to what is stored. Scans run in the background; each run is recorded from its start and its
// progress streams as server-sent events.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { AwsScopeConfig, newExternalId, parseAwsScopeConfig } from "@ctem/discovery";
import { ConflictError, NotFoundError, ScanRun, Scope } from "@ctem/model";
import type { ScanRun as ScanRunT, Scope as ScopeT } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { HttpError } from "../errors.js";
import { BoolString, PageQuery, pageOf, withErrors } from "../schemas.js";
import { sourceOf } from "../../scans/service.js";
import { checkSchedule } from "../../scans/scheduler.js";

const ScopeOut = Scope.meta({ id: "Scope" });
const ScanRunOut = ScanRun.meta({ id: "ScanRun" });
const IdParam = z.object({ id: z.string().min(1).max(128) });
const Schedule = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .describe("cron expression, UTC (croner: 5 or 6 fields, e.g. '0 3 * * *')");
const Filter = z.array(z.string().min(1).max(512)).max(100);

/** Stored scopes may predate the filters. */
const out = (s: ScopeT) => ({
  ...s,
  include: s.include ?? [],
  exclude: s.exclude ?? [],
  schedule: s.schedule ?? null,
});

/** The run with its defaults filled (a stored collector may carry no counts). */
const runOut = (r: ScanRunT) => ScanRun.parse(r);

const AwsConfigIn = AwsScopeConfig.extend({
  externalId: AwsScopeConfig.shape.externalId.optional(),
}).strict();

const ScopeIn = z
  .object({
    name: Scope.shape.name,
    // Azure and GCP scopes come with their connectors.
    provider: z.enum(["aws"]),
    config: AwsConfigIn,
    include: Filter.default([]),
    exclude: Filter.default([]),
    schedule: Schedule.nullable().default(null),
  })
  .strict();

const ScopePatch = z
  .object({
    config: AwsScopeConfig.pick({ roleArn: true, regions: true, inspector2: true })
      .partial()
      .strict()
      .optional(),
    include: Filter.optional(),
    exclude: Filter.optional(),
    schedule: Schedule.nullable().optional(),
  })
  .strict();

export function registerScopeRoutes(app: ZodApp, ctx: RouteContext): void {
  const store = ctx.deps.app;
  const scans = ctx.scans;
  const find = async (id: string) => {
    const s = await store.scopes.get(id);
    if (!s) throw new NotFoundError(`no scope ${id}`);
    return out(s);
  };

  app.get(
    "/api/scopes",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "listScopes",
        tags: ["scopes"],
        summary: "Configured cloud scopes",
        response: withErrors({ 200: z.object({ items: z.array(ScopeOut) }) }),
      },
    },
    async () => ({ items: (await store.scopes.list()).map(out) }),
  );

  app.get(
    "/api/scopes/:id",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "getScope",
        tags: ["scopes"],
        summary: "One scope by id or name",
        params: IdParam,
        response: withErrors({ 200: ScopeOut }, 404),
      },
    },
    async (req) => find(req.params.id),
  );

  app.post(
    "/api/scopes",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "createScope",
        tags: ["scopes"],
        summary:
          "Add an AWS scope; without an external id, ctem generates one for the scanner role's trust policy (sts:ExternalId)",
        body: ScopeIn,
        response: withErrors({ 201: ScopeOut }, 409),
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (await store.scopes.get(b.name)) throw new ConflictError(`a scope named '${b.name}' exists already`);
      if (b.schedule) checkSchedule(b.schedule);
      const config = parseAwsScopeConfig(
        { ...b.config, externalId: b.config.externalId ?? newExternalId() },
        b.name,
      );
      const scope: ScopeT = {
        id: `scope-${randomUUID()}`,
        name: b.name,
        provider: b.provider,
        config: { ...config },
        include: b.include,
        exclude: b.exclude,
        schedule: b.schedule,
        createdAt: ctx.now().toISOString(),
      };
      await store.scopes.save(scope);
      await ctx.scheduler.reload();
      await ctx.audit(req, { action: "scope.create", target: scope.id, after: scope });
      return reply.status(201).send(out(scope));
    },
  );

  app.patch(
    "/api/scopes/:id",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "updateScope",
        tags: ["scopes"],
        summary: "Change a scope's role, regions, Inspector2 or filters (account and external id stay)",
        params: IdParam,
        body: ScopePatch,
        response: withErrors({ 200: ScopeOut }, 404),
      },
    },
    async (req) => {
      const before = await find(req.params.id);
      const config = req.body.config
        ? { ...parseAwsScopeConfig({ ...before.config, ...req.body.config }, before.name) }
        : before.config;
      const after: ScopeT = {
        ...before,
        config,
        include: req.body.include ?? before.include ?? [],
        exclude: req.body.exclude ?? before.exclude ?? [],
        schedule: req.body.schedule !== undefined ? req.body.schedule : (before.schedule ?? null),
      };
      if (after.schedule) checkSchedule(after.schedule);
      await store.scopes.save(after);
      await ctx.scheduler.reload();
      await ctx.audit(req, { action: "scope.update", target: after.id, before, after });
      return out(after);
    },
  );

  app.delete(
    "/api/scopes/:id",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "deleteScope",
        tags: ["scopes"],
        summary: "Remove a scope and, unless keepData or another scope covers the account, its scanned data",
        params: IdParam,
        querystring: z.object({ keepData: BoolString.optional() }).strict(),
        response: withErrors({ 200: z.object({ removed: z.string(), removedData: z.boolean() }) }, 404, 409),
      },
    },
    async (req) => {
      const s = await find(req.params.id);
      if (scans.running(s.id))
        throw new ConflictError(`scope '${s.name}' is being scanned; try when it ends`);
      await store.scopes.remove(s.id);
      await ctx.scheduler.reload();
      const source = sourceOf(s);
      let removedData = false;
      if (!req.query.keepData && !(await store.scopes.list()).some((o) => sourceOf(o) === source)) {
        await ctx.deps.graph.removeSource(source);
        removedData = true;
      }
      await ctx.audit(req, { action: "scope.delete", target: s.id, before: s, after: { removedData } });
      return { removed: s.name, removedData };
    },
  );

  app.post(
    "/api/scopes/:id/scans",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "scanScope",
        tags: ["scans"],
        summary: "Scan the scope now; answers the run as recorded (progress: GET /api/scans/{id}/events)",
        params: IdParam,
        response: withErrors({ 202: ScanRunOut }, 404, 409),
      },
    },
    async (req, reply) => {
      const run = await scans.start(req.params.id);
      await ctx.audit(req, { action: "scan.start", target: run.id });
      return reply.status(202).send(runOut(run));
    },
  );

  app.get(
    "/api/scans",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "listScans",
        tags: ["scans"],
        summary: "Scan runs, newest first, with per-collector results",
        querystring: PageQuery.strict(),
        response: withErrors({ 200: pageOf(ScanRunOut) }),
      },
    },
    async (req) => {
      const page = await store.scanRuns.list({
        limit: req.query.limit,
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      });
      return { ...page, items: page.items.map(runOut) };
    },
  );

  app.get(
    "/api/scans/:id",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "getScan",
        tags: ["scans"],
        summary: "One scan run",
        params: IdParam,
        response: withErrors({ 200: ScanRunOut }, 404),
      },
    },
    async (req) => {
      const run = await store.scanRuns.get(req.params.id);
      if (!run) throw new NotFoundError(`no scan run ${req.params.id}`);
      return runOut(run);
    },
  );

  app.get(
    "/api/scans/:id/events",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "scanEvents",
        tags: ["scans"],
        summary:
          "Server-sent events of a run this server started: collector start/ok/failed, analysis, done (then the stream ends)",
        params: IdParam,
        produces: ["text/event-stream"],
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const send = (e: unknown) => reply.raw.write(`data: ${JSON.stringify(e)}\n\n`);
      const w = scans.watch(id, (e) => {
        send(e);
        if (e.t === "done") reply.raw.end();
      });
      if (!w) {
        const run = await store.scanRuns.get(id);
        if (!run) throw new NotFoundError(`no scan run ${id}`);
        if (run.status === "running")
          throw new HttpError(404, "not_found", `run ${id} is not running in this server process`);
      }
      reply.hijack();
      reply.raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-request-id": req.id,
      });
      if (!w) {
        const run = (await store.scanRuns.get(id))!;
        send({ t: "done", status: run.status });
        reply.raw.end();
        return;
      }
      for (const e of w.past) send(e);
      if (w.done) reply.raw.end();
      else req.raw.on("close", () => w.stop());
    },
  );
}
