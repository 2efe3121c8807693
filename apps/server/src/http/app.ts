// buildApp(deps): the Fastify API as a factory. Tests call it and use app.inject; `ctem serve`
// calls it and listens. Routes are thin: validation and the OpenAPI document come from their zod
// schemas; logic lives in the stores and the auth services passed in (CONVENTIONS 5, 6).
import { randomUUID } from "node:crypto";
import Fastify from "fastify";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import fastifyCookie from "@fastify/cookie";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { AppStore, AuditActor, GraphStore, NewAuditEvent } from "@ctem/model";
import type { ServerConfig } from "../config.js";
import type { PasswordHasher } from "../auth/passwords.js";
import type { SecretBox } from "../auth/secrets.js";
import { createSessionService } from "../auth/sessions.js";
import type { SessionService } from "../auth/sessions.js";
import { createOidcService } from "../auth/oidc.js";
import type { OidcService } from "../auth/oidc.js";
import { cookieNames, registerAccess } from "./access.js";
import type { CookieNames } from "./access.js";
import { registerErrorHandling } from "./errors.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerHealthRoutes } from "./routes/health.js";
import { registerUserRoutes } from "./routes/users.js";
import { registerTeamRoutes } from "./routes/teams.js";
import { registerTokenRoutes } from "./routes/tokens.js";
import { registerAuditRoutes } from "./routes/audit.js";
import { registerIssueRoutes } from "./routes/issues.js";
import { registerInventoryRoutes } from "./routes/inventory.js";
import { registerSsoRoutes } from "./routes/sso.js";
import { registerSettingsRoutes } from "./routes/settings.js";
import { registerScopeRoutes } from "./routes/scopes.js";
import { registerFixPlanRoutes } from "./routes/fixplan.js";
import { registerKpiRoutes } from "./routes/kpis.js";
import { registerExportRoutes } from "./routes/exports.js";
import { registerWebhookRoutes } from "./routes/webhooks.js";
import { registerIntelRoutes } from "./routes/intel.js";
import { registerSetupRoutes } from "./routes/setup.js";
import type { Intel } from "@ctem/intel";
import { analysisEvents, createWebhookService } from "../webhooks/service.js";
import type { FetchLike, WebhookService } from "../webhooks/service.js";
import { allIssues, runDailyJob } from "../kpis/kpis.js";
import { createScheduler } from "../scans/scheduler.js";
import type { Scheduler } from "../scans/scheduler.js";
import { cloudScanner, createScanService } from "../scans/service.js";
import { scopeSecretName } from "../scopes/providers.js";
import type { ScanService, ScopeScanner } from "../scans/service.js";
import { collectAfterAnalysis, removeDemo } from "@ctem/engine";
import { analyzeStored, cachedIntel } from "../scans/analysis.js";
import { registerWebApp } from "./static.js";

export interface AppDeps {
  graph: GraphStore;
  app: AppStore;
  graphKind: "sqlite" | "neo4j";
  config: ServerConfig;
  dataDir: string;
  /** The 32-byte key behind stored secrets and CSRF tokens. */
  secretKey: Buffer;
  secrets: SecretBox;
  hasher: PasswordHasher;
  /** Where pino writes (tests collect it); `false` for no log. Default: stdout at info. */
  log?: false | { stream?: { write(line: string): void }; level?: string };
  now?: () => Date;
  /** What /api/health and `ctem serve` say about the data when there is no analysis. */
  dataNote?: string;
  /** The OIDC client; built from config (or the stored SSO settings) when absent. */
  oidc?: OidcService;
  /** The environment the cloud SDKs read (AWS credentials, AWS_ENDPOINT_URL, AZURE_*); from the config loader. */
  awsEnv?: Readonly<Record<string, string | undefined>>;
  /** Scans a scope; default: its provider's connector (AWS, Azure, GCP) with `awsEnv`. */
  scanner?: ScopeScanner;
  /**
   * The analysis after a scan; default: the engine's over these stores, with threat intel and the
   * scopes' filters (scans/analysis.ts).
   */
  analyze?: () => Promise<void>;
  /** How webhooks are sent; default: the global fetch. */
  fetch?: FetchLike;
  /** Timers for webhook retries (`ctem serve`); off in tests, which call the services. */
  background?: boolean;
  /** Scheduled scans and the daily job; default: as `background`. */
  schedules?: boolean;
  /** Threat intel for feed freshness and analysis; default: the feeds in the data directory (or the snapshot). */
  intel?: Pick<Intel, "load">;
}

export interface RouteContext {
  deps: AppDeps;
  sessions: SessionService;
  cookies: CookieNames;
  oidc: OidcService;
  now: () => Date;
  scans: ScanService;
  webhooks: WebhookService;
  scheduler: Scheduler;
  /** Threat intel (deps.intel, else the data directory's feeds, reloaded when they change). */
  intel: Pick<Intel, "load">;
  audit(
    req: FastifyRequest,
    e: Omit<NewAuditEvent, "actor" | "ip" | "requestId" | "outcome"> & {
      outcome?: "success" | "failure";
      actor?: AuditActor;
    },
  ): Promise<void>;
}

export const SERVER_VERSION = "0.1.0";

export async function buildApp(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  const app = Fastify({
    logger:
      deps.log === false
        ? false
        : {
            level: deps.log?.level ?? "info",
            ...(deps.log?.stream ? { stream: deps.log.stream } : {}),
            // Defence in depth: the serializers below already leave headers and bodies out.
            redact: {
              paths: [
                "req.headers.authorization",
                "req.headers.cookie",
                'req.headers["x-csrf-token"]',
                'res.headers["set-cookie"]',
                "*.password",
                "*.currentPassword",
                "*.newPassword",
                "*.clientSecret",
                "*.keyFile",
                "*.token",
              ],
              censor: "[redacted]",
            },
            serializers: {
              // The route pattern, not the URL: path parameters and query strings carry what a
              // client chose to send (ids, search terms, in the worst case a pasted secret).
              req: (req: { method: string; id: string; routeOptions?: { url?: string } }) => ({
                method: req.method,
                route: req.routeOptions?.url ?? "(no route)",
                id: req.id,
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
    genReqId: () => randomUUID(),
    exposeHeadRoutes: false,
    bodyLimit: 1024 * 1024,
    trustProxy: deps.config.trustProxy,
    routerOptions: { maxParamLength: 2048 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a cross-site form can post text/plain without a preflight; refusing it closes that
  // route to login CSRF.
  app.removeContentTypeParser("text/plain");

  app.addHook("onSend", async (req, reply) => {
    reply.header("x-request-id", req.id);
    if (req.url.startsWith("/api/")) reply.header("cache-control", "no-store");
  });

  registerErrorHandling(app);
  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        // Over plain http (loopback, a TLS-terminating proxy not declared) upgrading would break the UI.
        upgradeInsecureRequests: deps.config.cookieSecure ? [] : null,
      },
    },
    hsts: deps.config.cookieSecure,
  });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "ctem API",
        version: SERVER_VERSION,
        description:
          "Continuous Threat Exposure Management. Sign in with POST /api/auth/login (session cookie; send the returned csrfToken as x-csrf-token on changes) or send Authorization: Bearer <API token>.",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: cookieNames(deps.config.cookieSecure).session },
          token: { type: "http", scheme: "bearer" },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  const cookies = cookieNames(deps.config.cookieSecure);
  const sessions = createSessionService({
    accounts: deps.app.accounts,
    key: deps.secretKey,
    idleMinutes: deps.config.sessionIdleMinutes,
    maxHours: deps.config.sessionMaxHours,
    now,
  });
  registerAccess(app, {
    accounts: deps.app.accounts,
    sessions,
    cookies,
    secure: deps.config.cookieSecure,
    now,
  });

  const webhooks = createWebhookService({
    ops: deps.app.ops,
    secrets: deps.app.accounts.secrets,
    box: deps.secrets,
    clock: now,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    onError: (msg, err) => app.log.error({ err: { name: (err as Error)?.name } }, msg),
  });
  if (deps.background) {
    const retry = setInterval(() => void webhooks.deliverDue(), 60_000);
    retry.unref();
    app.addHook("onClose", () => {
      clearInterval(retry);
      return Promise.resolve();
    });
  }
  const intel = deps.intel ?? cachedIntel({ dataDir: deps.dataDir, now });
  const scans = createScanService({
    app: deps.app,
    graph: deps.graph,
    clock: now,
    scanner:
      deps.scanner ??
      cloudScanner({
        env: deps.awsEnv ?? {},
        // A scope's credential is opened only for its scan, never kept.
        secretOf: async (scope) => {
          const name = scopeSecretName(scope.id);
          const sealed = await deps.app.accounts.secrets.get(name);
          return sealed === undefined ? undefined : deps.secrets.open(name, sealed);
        },
      }),
    // The first real scan removes the demo estate: its graph data, issues, analyses, KPI snapshots.
    beforeRealData: async () => {
      const graphRemoved = await removeDemo({ graph: deps.graph });
      const appRemoved = await deps.app.removeDemoData();
      if (graphRemoved || appRemoved.issues || appRemoved.analyses)
        app.log.info({ demo: appRemoved }, "removed the demo estate before the first real scan");
    },
    // The analysis, and the webhook events it caused (created, resolved, reopened, updated).
    analyze: async () => {
      const before = new Map((await allIssues(deps.app)).map((i) => [i.key, i.status]));
      try {
        if (deps.analyze) await deps.analyze();
        else await analyzeStored({ graph: deps.graph, app: deps.app }, { dataDir: deps.dataDir, now, intel });
      } finally {
        // The analysis (finished or failed) raised the heap's limit for itself; its result is let
        // go: the limit follows what is live again (@ctem/engine heap.ts), rather than after the
        // heap has grown to it.
        collectAfterAnalysis();
      }
      await webhooks.emit(analysisEvents(before, await allIssues(deps.app)));
    },
    onError: (msg, err) =>
      app.log.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message } }, msg),
  });
  const scheduler = createScheduler({
    listScopes: () => deps.app.scopes.list(),
    startScan: (id) => scans.start(id),
    daily: async () => {
      const r = await runDailyJob(deps.app, now());
      await webhooks.emit(
        r.reopened.map((issue) => ({
          event: "issue.updated" as const,
          issue,
          from: "risk_accepted" as const,
        })),
      );
    },
    onError: (msg, err) => app.log.error({ err: { name: (err as Error)?.name } }, msg),
  });
  if (deps.schedules ?? deps.background) await scheduler.start();
  // Closing stops the schedules and waits for scans in flight, so a clean shutdown never leaves a
  // run "running".
  app.addHook("onClose", async () => {
    scheduler.stop();
    await scans.idle();
  });

  const ctx: RouteContext = {
    deps,
    sessions,
    cookies,
    now,
    scans,
    webhooks,
    scheduler,
    intel,
    oidc:
      deps.oidc ??
      createOidcService({ accounts: deps.app.accounts, secrets: deps.secrets, config: deps.config }),
    async audit(req, e) {
      const p = req.principal;
      const actor: AuditActor =
        e.actor ??
        (p
          ? {
              kind: p.via === "token" ? "token" : "user",
              id: p.via === "token" ? p.tokenId! : p.user.id,
              email: p.user.email,
            }
          : { kind: "anonymous", id: null, email: null });
      await deps.app.accounts.audit.append({
        actor,
        action: e.action,
        outcome: e.outcome ?? "success",
        target: e.target,
        ...(e.before !== undefined ? { before: e.before } : {}),
        ...(e.after !== undefined ? { after: e.after } : {}),
        ip: req.ip ?? null,
        requestId: req.id,
        at: now().toISOString(),
      });
    },
  };

  const z = app.withTypeProvider<ZodTypeProvider>();
  registerHealthRoutes(z, ctx);
  registerAuthRoutes(z, ctx);
  registerSsoRoutes(z, ctx);
  registerUserRoutes(z, ctx);
  registerTeamRoutes(z, ctx);
  registerTokenRoutes(z, ctx);
  registerAuditRoutes(z, ctx);
  registerIssueRoutes(z, ctx);
  registerInventoryRoutes(z, ctx);
  registerSettingsRoutes(z, ctx);
  registerScopeRoutes(z, ctx);
  registerFixPlanRoutes(z, ctx);
  registerKpiRoutes(z, ctx);
  registerExportRoutes(z, ctx);
  registerWebhookRoutes(z, ctx);
  registerIntelRoutes(z, ctx);
  registerSetupRoutes(z, ctx);
  registerWebApp(app);
  await app.ready();
  return app;
}

export type CtemApp = Awaited<ReturnType<typeof buildApp>>;
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
