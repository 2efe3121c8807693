// Scopes (admin) and scans. The same scopes `ctem scope` manages: an AWS scope names the account,
// the scanner role and the external id ctem generates (an identifier shown on the setup page, not a
// secret), the regions and Inspector2; an Azure scope its tenant and subscriptions, a GCP scope its
// project, folder or organization — their optional credential (client secret, key file) is sealed
// in the secret store and never returned. Include/exclude filters (scopes/filters.ts) apply at
// analysis and in views, never to what is stored. Scans run in the background; each run is recorded from its start and its
// progress streams as server-sent events.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { AwsScopeConfig, newExternalId } from "@ctem/discovery";
import { ConflictError, NotFoundError, ScanRun, Scope, ValidationError } from "@ctem/model";
import type { ScanRun as ScanRunT, Scope as ScopeT } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { HttpError } from "../errors.js";
import { BoolString, PageQuery, pageOf, withErrors } from "../schemas.js";
import { checkSchedule } from "../../scans/scheduler.js";
import { FILTER_HELP, FilterList } from "../../scopes/filters.js";
import {
  AzureConfigIn,
  ClientSecret,
  GcpConfigIn,
  KeyFile,
  checkSecret,
  patchedGcpInput,
  parseScopeConfig,
  scopeSecretName,
} from "../../scopes/providers.js";
import { sourcesOf } from "../../scopes/sources.js";

const ScopeOut = Scope.extend({
  secret: z.boolean().describe("a credential (Azure client secret, GCP key file) is sealed for this scope"),
}).meta({ id: "Scope" });
const ScanRunOut = ScanRun.meta({ id: "ScanRun" });
const IdParam = z.object({ id: z.string().min(1).max(128) });
const Schedule = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .describe("cron expression, UTC (croner: 5 or 6 fields, e.g. '0 3 * * *')");

/** Stored scopes may predate the filters; `secret` says whether a credential is sealed for it. */
const out = (s: ScopeT, secret = false) => ({
  ...s,
  include: s.include ?? [],
  exclude: s.exclude ?? [],
  schedule: s.schedule ?? null,
  secret,
});

/** The run with its defaults filled (a stored collector may carry no counts). */
const runOut = (r: ScanRunT) => ScanRun.parse(r);

const AwsConfigIn = AwsScopeConfig.extend({
  externalId: AwsScopeConfig.shape.externalId.optional(),
}).strict();

const common = {
  name: Scope.shape.name,
  include: FilterList.default([]).describe(FILTER_HELP),
  exclude: FilterList.default([]).describe(FILTER_HELP),
  schedule: Schedule.nullable().default(null),
};

const ScopeIn = z.discriminatedUnion("provider", [
  z.object({ ...common, provider: z.literal("aws"), config: AwsConfigIn }).strict(),
  z
    .object({
      ...common,
      provider: z.literal("azure"),
      config: AzureConfigIn,
      clientSecret: ClientSecret.optional().describe(
        "the app registration's client secret (needs config.clientId); sealed, never returned",
      ),
    })
    .strict(),
  z
    .object({
      ...common,
      provider: z.literal("gcp"),
      config: GcpConfigIn,
      keyFile: KeyFile.optional().describe("a service-account key file's JSON; sealed, never returned"),
    })
    .strict(),
]);

const ScopePatch = z
  .object({
    config: z
      .record(z.string().max(64), z.unknown())
      .optional()
      .describe(
        "fields to change: AWS roleArn, regions, inspector2 (account and external id stay); Azure tenantId, subscriptions, clientId, cloud, armEndpoint; GCP project | folder | organization (replaces the parent), apiEndpoint",
      ),
    clientSecret: ClientSecret.nullable().optional().describe("Azure: a new client secret; null removes it"),
    keyFile: KeyFile.nullable().optional().describe("GCP: a new key file; null removes it"),
    include: FilterList.optional().describe(FILTER_HELP),
    exclude: FilterList.optional().describe(FILTER_HELP),
    schedule: Schedule.nullable().optional(),
  })
  .strict();

/** What a patch may change of a stored config, per provider. */
const PATCHABLE: Record<ScopeT["provider"], readonly string[]> = {
  aws: ["roleArn", "regions", "inspector2"],
  azure: ["tenantId", "subscriptions", "clientId", "cloud", "armEndpoint"],
  gcp: ["project", "folder", "organization", "apiEndpoint"],
};

export function registerScopeRoutes(app: ZodApp, ctx: RouteContext): void {
  const store = ctx.deps.app;
  const scans = ctx.scans;
  const secrets = store.accounts.secrets;
  const hasSecret = async (s: ScopeT) =>
    s.provider !== "aws" && (await secrets.get(scopeSecretName(s.id))) !== undefined;
  const stored = async (id: string) => {
    const s = await store.scopes.get(id);
    if (!s) throw new NotFoundError(`no scope ${id}`);
    return s;
  };
  const find = async (id: string) => {
    const s = await stored(id);
    return out(s, await hasSecret(s));
  };
  const seal = (scopeId: string, secret: string) =>
    secrets.put(scopeSecretName(scopeId), ctx.deps.secrets.seal(scopeSecretName(scopeId), secret));

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
    async () => ({
      items: await Promise.all((await store.scopes.list()).map(async (s) => out(s, await hasSecret(s)))),
    }),
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
          "Add a scope: AWS (without an external id, ctem generates one for the scanner role's trust policy, sts:ExternalId), Azure (tenant, subscriptions, optional client id + sealed client secret) or GCP (project, folder or organization, optional sealed key file)",
        body: ScopeIn,
        response: withErrors({ 201: ScopeOut }, 409),
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (await store.scopes.get(b.name)) throw new ConflictError(`a scope named '${b.name}' exists already`);
      if (b.schedule) checkSchedule(b.schedule);
      const config = parseScopeConfig(
        b.provider,
        b.provider === "aws" ? { ...b.config, externalId: b.config.externalId ?? newExternalId() } : b.config,
        b.name,
      );
      const secret = b.provider === "azure" ? b.clientSecret : b.provider === "gcp" ? b.keyFile : undefined;
      if (secret !== undefined)
        checkSecret(
          b.provider,
          secret,
          config,
          b.provider === "azure" ? "body.clientSecret" : "body.keyFile",
        );
      const scope: ScopeT = {
        id: `scope-${randomUUID()}`,
        name: b.name,
        provider: b.provider,
        config,
        include: b.include,
        exclude: b.exclude,
        schedule: b.schedule,
        createdAt: ctx.now().toISOString(),
      };
      if (secret !== undefined) await seal(scope.id, secret);
      await store.scopes.save(scope);
      await ctx.scheduler.reload();
      // The audit keeps the scope, never the secret (it is not part of the scope).
      await ctx.audit(req, {
        action: "scope.create",
        target: scope.id,
        after: { ...scope, secret: secret !== undefined },
      });
      return reply.status(201).send(out(scope, secret !== undefined));
    },
  );

  app.patch(
    "/api/scopes/:id",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "updateScope",
        tags: ["scopes"],
        summary:
          "Change a scope's config (AWS: role, regions, Inspector2 — account and external id stay), its credential, filters or schedule",
        params: IdParam,
        body: ScopePatch,
        response: withErrors({ 200: ScopeOut }, 404),
      },
    },
    async (req) => {
      const before = await stored(req.params.id);
      const b = req.body;
      const allowed = PATCHABLE[before.provider];
      for (const k of Object.keys(b.config ?? {}))
        if (!allowed.includes(k))
          throw new ValidationError(
            `body.config.${k}: cannot be changed on a ${before.provider} scope (changeable: ${allowed.join(", ")})`,
            { field: `body.config.${k}` },
          );
      let config = before.config;
      if (b.config && Object.keys(b.config).length) {
        const merged =
          before.provider === "gcp"
            ? patchedGcpInput(before.config, b.config)
            : { ...before.config, ...b.config };
        config = parseScopeConfig(before.provider, merged, before.name);
      }
      const secretField = before.provider === "azure" ? "clientSecret" : "keyFile";
      for (const k of ["clientSecret", "keyFile"] as const)
        if (b[k] !== undefined && (before.provider === "aws" || k !== secretField))
          throw new ValidationError(`body.${k}: not a field of a ${before.provider} scope`, {
            field: `body.${k}`,
          });
      const newSecret = b[secretField];
      if (typeof newSecret === "string")
        checkSecret(before.provider, newSecret, config, `body.${secretField}`);
      else if (
        before.provider === "azure" &&
        newSecret === undefined &&
        typeof config.clientId !== "string" &&
        (await hasSecret(before))
      )
        throw new ValidationError("body.config.clientId: the stored client secret needs a client id", {
          field: "body.config.clientId",
        });
      const after: ScopeT = {
        ...before,
        config,
        include: b.include ?? before.include ?? [],
        exclude: b.exclude ?? before.exclude ?? [],
        schedule: b.schedule !== undefined ? b.schedule : (before.schedule ?? null),
      };
      if (after.schedule) checkSchedule(after.schedule);
      if (typeof newSecret === "string") await seal(after.id, newSecret);
      else if (newSecret === null) await secrets.remove(scopeSecretName(after.id));
      await store.scopes.save(after);
      await ctx.scheduler.reload();
      await ctx.audit(req, {
        action: "scope.update",
        target: after.id,
        before,
        after: {
          ...after,
          ...(newSecret !== undefined ? { secret: newSecret === null ? "removed" : "replaced" } : {}),
        },
      });
      return out(after, await hasSecret(after));
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
      const s = await stored(req.params.id);
      if (scans.running(s.id))
        throw new ConflictError(`scope '${s.name}' is being scanned; try when it ends`);
      await store.scopes.remove(s.id);
      await ctx.scheduler.reload();
      await secrets.remove(scopeSecretName(s.id));
      // Each of the scope's sources goes unless another scope covers it (or keepData).
      let removedData = false;
      if (!req.query.keepData) {
        const kept = new Set((await store.scopes.list()).flatMap(sourcesOf));
        for (const source of sourcesOf(s))
          if (!kept.has(source)) {
            await ctx.deps.graph.removeSource(source);
            removedData = true;
          }
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
