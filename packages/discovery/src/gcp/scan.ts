// One GCP scan: every module lists the parent (a project, folder or organization) through the
// Cloud Asset API, under the source `gcp:<id>` and region "global" (one call covers every
// location). A listing that fails is a failed collector carrying the google.rpc code; the runner
// then keeps that collector's earlier claims (nothing is deleted).
import { ValidationError } from "@ctem/model";
import type { GraphStore, ScanRun, ScanRunStore } from "@ctem/model";
import type { AuthClient } from "google-auth-library";
import { runScan } from "../runner/runner.js";
import type { ScanEvent, ScanResult, ScanTask } from "../runner/runner.js";
import { createGcpAssetClient } from "./client.js";
import type { GcpAssetClient } from "./client.js";
import { gcpErrorCode, gcpErrorMessage } from "./errors.js";
import type { GcpModule } from "./module.js";
import { GCP_MODULES } from "./modules.js";
import { GCP_PARENT_PATTERN, gcpSource } from "./source.js";

export interface GcpScanOptions {
  graph: Pick<GraphStore, "applyScan">;
  scanRuns: Pick<ScanRunStore, "start" | "finish">;
  trigger: ScanRun["trigger"];
  /** `projects/<id>` | `folders/<n>` | `organizations/<n>`. */
  parent: string;
  keyFile?: string;
  credentials?: { client_email?: string; private_key?: string; [k: string]: unknown };
  authClient?: AuthClient;
  apiEndpoint?: string;
  port?: number;
  protocol?: "http" | "https";
  /** A ready client (replaces the options above). */
  client?: GcpAssetClient;
  modules?: readonly GcpModule[];
  onEvent?: (e: ScanEvent) => void;
  onPlan?: (plan: { parent: string; source: string; collectors: number }) => void;
}

export interface GcpScanResult extends ScanResult {
  parent: string;
  source: string;
}

export async function scanGcp(opts: GcpScanOptions): Promise<GcpScanResult> {
  if (!GCP_PARENT_PATTERN.test(opts.parent))
    throw new ValidationError(
      `not a GCP scan parent: '${opts.parent}' (projects/<id>, folders/<number> or organizations/<number>)`,
      { field: "parent" },
    );
  const client =
    opts.client ??
    createGcpAssetClient({
      ...(opts.keyFile ? { keyFile: opts.keyFile } : {}),
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
      ...(opts.authClient ? { authClient: opts.authClient } : {}),
      ...(opts.apiEndpoint ? { apiEndpoint: opts.apiEndpoint } : {}),
      ...(opts.port ? { port: opts.port } : {}),
      ...(opts.protocol ? { protocol: opts.protocol } : {}),
    });
  const source = gcpSource(opts.parent);
  const parent = opts.parent;
  const tasks: ScanTask[] = (opts.modules ?? GCP_MODULES).map((m) => {
    const key = { source, region: "global", collector: m.id };
    return {
      key,
      dependsOn: m.dependsOn.map((d) => `${source}|global|${d}`),
      collect: () => m.collect({ parent, client }),
      transform: (raw) => m.transform(raw as Parameters<GcpModule["transform"]>[0], { parent, key }),
    };
  });
  opts.onPlan?.({ parent, source, collectors: tasks.length });
  try {
    const result = await runScan({
      graph: opts.graph,
      scanRuns: opts.scanRuns,
      trigger: opts.trigger,
      tasks,
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      classify: (e) => ({ code: gcpErrorCode(e), message: gcpErrorMessage(e) }),
    });
    return { ...result, parent, source };
  } finally {
    if (!opts.client) await client.close().catch(() => undefined);
  }
}
