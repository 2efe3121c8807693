// Scans from the server: run a scope now (or on its schedule), one run per scope at a time, through
// its provider's connector (AWS; Azure, one connector run per subscription recorded as one run;
// GCP — a stored credential is opened only for the scan). The run is recorded in the AppStore the
// moment it starts, before the connector talks to the cloud, so a scan that fails before writing
// anything (bad role, wrong account) is still in the history. The connector's runner names its own run; the service rewrites that id to the one it recorded, so
// the history row, the graph's claims and the progress stream all share one id. After a scan the
// analysis runs (one at a time); if the scan or the analysis crashes, the previous analysis stays
// current (commitAnalysis is one transaction).
import { randomUUID } from "node:crypto";
import {
  createAwsClients,
  createAzureCredential,
  parseAwsScopeConfig,
  parseAzureScopeConfig,
  parseGcpScopeConfig,
  resolveAzureEndpoints,
  scanAws,
  scanAzure,
  scanGcp,
} from "@ctem/discovery";
import type { AwsCredentials, AzureScanOptions, GcpScanOptions, ScanEvent } from "@ctem/discovery";
import { ConflictError, NotFoundError, ValidationError } from "@ctem/model";
import type { AppStore, CollectorRun, GraphStore, ScanRun, Scope } from "@ctem/model";
import { sourcesOf } from "../scopes/sources.js";

export type ScanStores = {
  graph: Pick<GraphStore, "applyScan">;
  scanRuns: Pick<AppStore["scanRuns"], "start" | "finish">;
};

/** Scans one scope through `stores`; throws when the scan cannot start. */
export type ScopeScanner = (
  scope: Scope,
  stores: ScanStores,
  trigger: ScanRun["trigger"],
  onEvent: (e: ScanEvent) => void,
) => Promise<void>;

/** Progress of a run, as the server-sent events stream gives it. */
export type ScanProgress =
  | { t: "start"; key: ScanEvent["key"] }
  | { t: "ok"; key: ScanEvent["key"]; counts: { nodes: number; edges: number; findings: number }; ms: number }
  | { t: "failed"; key: ScanEvent["key"]; errorCode: string; message: string; ms: number }
  | { t: "analysis"; status: "running" | "complete" | "failed"; message?: string }
  | { t: "done"; status: ScanRun["status"] };

export interface ScanServiceDeps {
  app: Pick<AppStore, "scopes" | "scanRuns">;
  graph: Pick<GraphStore, "applyScan">;
  clock: () => Date;
  scanner: ScopeScanner;
  /** The analysis after a scan; its failure leaves the previous analysis current. */
  analyze?: () => Promise<void>;
  /** Runs before a scan writes real data: removes the demo estate (DESIGN "Demo estate"). */
  beforeRealData?: () => Promise<void>;
  /** Where failures are reported (never with credentials: the messages are the connector's). */
  onError?: (msg: string, err: unknown) => void;
}

interface Live {
  scopeId: string;
  events: ScanProgress[];
  listeners: Set<(e: ScanProgress) => void>;
  done: boolean;
  finished: Promise<void>;
}

const KEEP_RUNS = 50;
const KEEP_EVENTS = 2000;

/**
 * The default scanner: AWS scopes through the connector, with the scope's role and external id.
 * The base credentials are the SDK's default chain unless given (tests).
 */
export function awsScanner(
  env: Readonly<Record<string, string | undefined>>,
  credentials?: AwsCredentials,
): ScopeScanner {
  return async (scope, stores, trigger, onEvent) => {
    if (scope.provider !== "aws")
      throw new ValidationError(
        `scope '${scope.name}' is for ${scope.provider}, which this build cannot scan yet`,
      );
    const c = parseAwsScopeConfig(scope.config, scope.name);
    const clients = createAwsClients({
      homeRegion: env.AWS_REGION || env.AWS_DEFAULT_REGION || c.regions[0] || "us-east-1",
      env,
      ...(credentials ? { credentials } : {}),
      // Passed on explicitly: the server's environment comes from the config loader, not process.env.
      ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
      assumeRole: { roleArn: c.roleArn, externalId: c.externalId },
    });
    try {
      await scanAws({
        graph: stores.graph,
        scanRuns: stores.scanRuns,
        trigger,
        clients,
        ...(c.regions.length ? { regions: c.regions } : {}),
        inspector2: c.inspector2,
        expectedAccountId: c.accountId,
        onEvent,
      });
    } finally {
      clients.destroy();
    }
  };
}

export interface CloudScannerOptions {
  /** The environment the SDKs read (credentials, AWS_ENDPOINT_URL, AZURE_*); from the config loader. */
  env: Readonly<Record<string, string | undefined>>;
  /** The scope's sealed credential (Azure client secret, GCP key file), opened; undefined when none. */
  secretOf: (scope: Scope) => Promise<string | undefined>;
  /** AWS base credentials instead of the SDK's default chain (tests). */
  awsCredentials?: AwsCredentials;
  /** Azure: the transport and credential (tests point them at the testkit's replay server). */
  azure?: {
    httpClient?: AzureScanOptions["httpClient"];
    credential?: (scope: Scope, clientSecret: string | undefined) => AzureScanOptions["credential"];
    maxRetries?: number;
  };
  /** GCP: the Cloud Asset endpoint and auth (tests). */
  gcp?: Pick<GcpScanOptions, "apiEndpoint" | "port" | "protocol" | "authClient">;
}

/** The default scanner: each scope through its provider's connector. */
export function cloudScanner(o: CloudScannerOptions): ScopeScanner {
  const aws = awsScanner(o.env, o.awsCredentials);
  return async (scope, stores, trigger, onEvent) => {
    if (scope.provider === "aws") return aws(scope, stores, trigger, onEvent);
    const secret = await o.secretOf(scope);
    if (scope.provider === "gcp") {
      const c = parseGcpScopeConfig(scope.config, scope.name);
      let credentials: GcpScanOptions["credentials"];
      if (secret !== undefined) credentials = JSON.parse(secret) as GcpScanOptions["credentials"];
      await scanGcp({
        graph: stores.graph,
        scanRuns: stores.scanRuns,
        trigger,
        parent: c.parent,
        ...(c.apiEndpoint ? { apiEndpoint: c.apiEndpoint } : {}),
        ...(credentials ? { credentials } : {}),
        ...o.gcp,
        onEvent,
      });
      return;
    }
    const c = parseAzureScopeConfig(scope.config, scope.name);
    // A custom ARM endpoint names its login host and token audience in its metadata (as the CLI does).
    const endpoints = await resolveAzureEndpoints({
      cloud: c.cloud,
      ...(c.armEndpoint ? { armEndpoint: c.armEndpoint } : {}),
    });
    const credential =
      o.azure?.credential?.(scope, secret) ??
      createAzureCredential({
        tenantId: c.tenantId,
        ...(c.clientId ? { clientId: c.clientId } : {}),
        ...(secret !== undefined ? { clientSecret: secret } : {}),
        cloud: c.cloud,
        authorityHost: endpoints.authorityHost,
        custom: endpoints.custom,
        env: o.env,
      });
    // One connector run per subscription, recorded as the one run of the scope: each
    // subscription's collectors are added to those before it; the run ends with the last.
    const collectors: CollectorRun[] = [];
    const statuses: ScanRun["status"][] = [];
    for (const [i, subscriptionId] of c.subscriptions.entries()) {
      const final = i === c.subscriptions.length - 1;
      const merge = (run: ScanRun): ScanRun => ({
        ...run,
        collectors: [...collectors, ...run.collectors],
      });
      await scanAzure({
        graph: stores.graph,
        scanRuns: {
          start: (run) => stores.scanRuns.start(merge(run)),
          finish: async (run) => {
            if (run.status === "running") return stores.scanRuns.finish(merge(run));
            const merged = merge(run);
            statuses.push(run.status);
            if (final) return stores.scanRuns.finish({ ...merged, status: combined(statuses) });
            collectors.splice(0, collectors.length, ...merged.collectors);
            return stores.scanRuns.finish({ ...merged, status: "running" });
          },
        },
        trigger,
        subscriptionId,
        credential,
        cloud: c.cloud,
        ...(endpoints.custom ? { armEndpoint: endpoints.arm, audience: endpoints.audience } : {}),
        ...(o.azure?.httpClient ? { httpClient: o.azure.httpClient } : {}),
        ...(o.azure?.maxRetries !== undefined ? { maxRetries: o.azure.maxRetries } : {}),
        onEvent,
      });
    }
  };
}

/** One status for runs of several subscriptions: complete or failed when all are, else partial. */
function combined(statuses: readonly ScanRun["status"][]): ScanRun["status"] {
  if (statuses.every((s) => s === "complete")) return "complete";
  if (statuses.every((s) => s === "failed")) return "failed";
  return "partial";
}

export type ScanService = ReturnType<typeof createScanService>;

export function createScanService(deps: ScanServiceDeps) {
  const live = new Map<string, Live>();
  const activeByScope = new Map<string, string>();
  let analysisChain: Promise<void> = Promise.resolve();

  const emit = (l: Live, e: ScanProgress) => {
    if (l.events.length < KEEP_EVENTS) l.events.push(e);
    for (const f of l.listeners) f(e);
  };

  function forget() {
    if (live.size <= KEEP_RUNS) return;
    for (const [id, l] of live) {
      if (live.size <= KEEP_RUNS) break;
      if (l.done) live.delete(id);
    }
  }

  async function execute(scope: Scope, pre: ScanRun, l: Live): Promise<void> {
    const id = pre.id;
    let last: ScanRun = pre;
    const stores: ScanStores = {
      graph: { applyScan: (run, chunks) => deps.graph.applyScan({ ...run, id }, chunks) },
      scanRuns: {
        // The runner's run becomes the one recorded at the start.
        start: (run) => deps.app.scanRuns.finish((last = { ...run, id, startedAt: pre.startedAt })),
        finish: (run) => deps.app.scanRuns.finish((last = { ...run, id, startedAt: pre.startedAt })),
      },
    };
    try {
      if (deps.beforeRealData) await deps.beforeRealData();
      await deps.scanner(scope, stores, pre.trigger, (e) => emit(l, e));
      if (last.status === "running") throw new Error("the scan ended without finishing its run");
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const code = (e as { code?: unknown }).code;
      const setup: CollectorRun = {
        source: sourcesOf(scope)[0]!,
        region: "global",
        collector: "scan-setup",
        status: "failed",
        errorCode: typeof code === "string" ? code.slice(0, 128) : "error",
        message: message.slice(0, 4096),
        counts: {},
      };
      last = {
        ...last,
        status: "failed",
        finishedAt: deps.clock().toISOString(),
        collectors: [...(last.collectors ?? []), setup],
      };
      try {
        await deps.app.scanRuns.finish(last);
      } catch (err) {
        deps.onError?.(`scan ${id}: could not record its failure`, err);
      }
    }
    if (last.status !== "failed" && deps.analyze) {
      emit(l, { t: "analysis", status: "running" });
      const analyze = deps.analyze;
      const run = analysisChain.then(analyze);
      analysisChain = run.catch(() => undefined);
      try {
        await run;
        emit(l, { t: "analysis", status: "complete" });
      } catch (err) {
        deps.onError?.(`analysis after scan ${id} failed; the previous analysis stays current`, err);
        emit(l, {
          t: "analysis",
          status: "failed",
          message: "the analysis failed; the previous one is still served",
        });
      }
    }
    emit(l, { t: "done", status: last.status });
  }

  return {
    /** Starts a scan of the scope; answers the run as recorded. 409 while the scope's last run is going. */
    async start(idOrName: string, trigger: ScanRun["trigger"]["kind"] = "scope"): Promise<ScanRun> {
      const scope = await deps.app.scopes.get(idOrName);
      if (!scope) throw new NotFoundError(`no scope ${idOrName}`);
      const running = activeByScope.get(scope.id);
      if (running) throw new ConflictError(`scope '${scope.name}' is being scanned (run ${running})`);
      const startedAt = deps.clock();
      const pre: ScanRun = {
        id: `scan-${startedAt.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 8)}`,
        trigger: { kind: trigger === "scope" ? "scope" : trigger, scopeId: scope.id },
        status: "running",
        startedAt: startedAt.toISOString(),
        collectors: [],
      };
      activeByScope.set(scope.id, pre.id);
      try {
        await deps.app.scanRuns.start(pre);
      } catch (e) {
        activeByScope.delete(scope.id);
        throw e;
      }
      const l: Live = {
        scopeId: scope.id,
        events: [],
        listeners: new Set(),
        done: false,
        finished: Promise.resolve(),
      };
      live.set(pre.id, l);
      l.finished = execute(scope, pre, l).finally(() => {
        l.done = true;
        l.listeners.clear();
        activeByScope.delete(scope.id);
        forget();
      });
      return pre;
    },
    /** Progress so far and a subscription to what follows; undefined for runs this process did not start. */
    watch(runId: string, listener: (e: ScanProgress) => void) {
      const l = live.get(runId);
      if (!l) return undefined;
      const past = [...l.events];
      if (!l.done) l.listeners.add(listener);
      return { past, done: l.done, stop: () => l.listeners.delete(listener) };
    },
    /** Resolves when the run (and its analysis) has ended; for tests and shutdown. */
    settled(runId: string): Promise<void> {
      return live.get(runId)?.finished ?? Promise.resolve();
    },
    /** Resolves when every run this process started has ended. */
    async idle(): Promise<void> {
      await Promise.all([...live.values()].map((l) => l.finished));
    },
    running(scopeId: string): string | undefined {
      return activeByScope.get(scopeId);
    },
  };
}
