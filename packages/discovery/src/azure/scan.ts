// One Azure scan: one subscription, every module through the scan runner, under the source
// `azure:<subscription>` with region "global" (ARM listings are not partitioned by region; each
// node's region is its resource location).
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { ValidationError } from "@ctem/model";
import type { GraphStore, ScanRun, ScanRunStore } from "@ctem/model";
import { runScan } from "../runner/runner.js";
import type { ScanEvent, ScanResult, ScanTask } from "../runner/runner.js";
import { createAzureClients } from "./clients.js";
import { AZURE_CLOUDS } from "./endpoints.js";
import type { AzureCloud } from "./endpoints.js";
import { toAzureCollectError } from "./errors.js";
import { createGraphReader } from "./graph.js";
import type { AzureModule } from "./module.js";
import { AZURE_MODULES } from "./modules/index.js";
import { AZURE_GUID_PATTERN } from "./scope.js";

export interface AzureScanOptions {
  graph: Pick<GraphStore, "applyScan">;
  scanRuns: Pick<ScanRunStore, "start" | "finish">;
  trigger: ScanRun["trigger"];
  subscriptionId: string;
  credential: TokenCredential;
  cloud?: AzureCloud;
  /** A custom ARM endpoint (resolveAzureEndpoints gives it and its audience). */
  armEndpoint?: string;
  /** The ARM token audience; default the cloud's, or the custom endpoint itself. */
  audience?: string;
  /** Also read Microsoft Graph (service principals and their secrets); needs Application.Read.All. */
  microsoftGraph?: boolean;
  /** Microsoft Graph's endpoint; default the cloud's (resolveAzureEndpoints gives a custom cloud's). */
  graphEndpoint?: string;
  /** Replaces the SDK's transport (tests). */
  httpClient?: HttpClient;
  maxRetries?: number;
  modules?: readonly AzureModule[];
  concurrency?: number;
  onEvent?: (e: ScanEvent) => void;
  onPlan?: (plan: {
    subscriptionId: string;
    source: string;
    collectors: number;
    armEndpoint: string;
  }) => void;
}

export interface AzureScanResult extends ScanResult {
  subscriptionId: string;
  source: string;
}

export function azureSource(subscriptionId: string): string {
  return `azure:${subscriptionId.toLowerCase()}`;
}

export async function scanAzure(opts: AzureScanOptions): Promise<AzureScanResult> {
  const subscriptionId = opts.subscriptionId.toLowerCase();
  if (!AZURE_GUID_PATTERN.test(subscriptionId))
    throw new ValidationError(`'${opts.subscriptionId}' is not a subscription id (a GUID)`);
  const cloud = AZURE_CLOUDS[opts.cloud ?? "public"];
  const armEndpoint = opts.armEndpoint ?? cloud.arm;
  const clients = createAzureClients({
    subscriptionId,
    credential: opts.credential,
    armEndpoint,
    audience: opts.audience ?? (opts.armEndpoint ? opts.armEndpoint : cloud.audience),
    ...(opts.httpClient ? { httpClient: opts.httpClient } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
  });
  const graphEndpoint = opts.graphEndpoint ?? cloud.graph;
  const graphReader =
    opts.microsoftGraph && graphEndpoint
      ? createGraphReader({
          endpoint: graphEndpoint,
          credential: opts.credential,
          ...(opts.httpClient ? { httpClient: opts.httpClient } : {}),
          ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
        })
      : undefined;
  const source = azureSource(subscriptionId);
  const modules = (opts.modules ?? AZURE_MODULES).filter(
    (m) => !m.optIn || (m.optIn === "graph" && opts.microsoftGraph),
  );
  const tasks: ScanTask[] = modules.map((m) => {
    const key = { source, region: "global", collector: m.id };
    return {
      key,
      dependsOn: m.dependsOn.map((d) => `${source}|global|${d}`),
      collect: () => m.collect({ subscriptionId, clients, ...(graphReader ? { graph: graphReader } : {}) }),
      transform: (raw, deps) => m.transform(raw, { subscriptionId, key }, deps),
    };
  });
  opts.onPlan?.({ subscriptionId, source, collectors: tasks.length, armEndpoint });
  const result = await runScan({
    graph: opts.graph,
    scanRuns: opts.scanRuns,
    trigger: opts.trigger,
    tasks,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    classify: (e) => {
      const c = toAzureCollectError(e, "collect");
      return { code: c.code, message: c.message };
    },
  });
  return { ...result, subscriptionId, source };
}
