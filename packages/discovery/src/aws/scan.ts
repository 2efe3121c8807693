// One AWS scan: who are we (STS), which regions, then every enabled module per region through
// the scan runner, under the source `aws:<account>`.
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { CtemError } from "@ctem/model";
import type { GraphStore, ScanRun, ScanRunStore } from "@ctem/model";
import { runScan } from "../runner/runner.js";
import type { ScanEvent, ScanResult, ScanTask } from "../runner/runner.js";
import { partitionOf } from "./arn.js";
import type { AwsClients } from "./clients.js";
import { awsErrorCode, CollectError, toCollectError } from "./errors.js";
import type { AwsModule } from "./module.js";
import { AWS_MODULES } from "./modules/index.js";

export interface AwsScanOptions {
  graph: Pick<GraphStore, "applyScan">;
  scanRuns: Pick<ScanRunStore, "start" | "finish">;
  trigger: ScanRun["trigger"];
  clients: AwsClients;
  /** Regions to list; default: the account's enabled regions (ec2:DescribeRegions). */
  regions?: string[];
  /** Run opt-in modules (Inspector2). */
  inspector2?: boolean;
  /** A scope's account: the scan refuses to write another account's data under it. */
  expectedAccountId?: string;
  modules?: readonly AwsModule[];
  concurrency?: number;
  onEvent?: (e: ScanEvent) => void;
  /** Called once the account and regions are known, before any collector runs. */
  onPlan?: (plan: { accountId: string; regions: string[]; source: string; collectors: number }) => void;
}

export interface AwsScanResult extends ScanResult {
  accountId: string;
  regions: string[];
  source: string;
}

export function awsSource(accountId: string): string {
  return `aws:${accountId}`;
}

export async function scanAws(opts: AwsScanOptions): Promise<AwsScanResult> {
  const { clients } = opts;
  let identity;
  try {
    identity = await clients.sts().send(new GetCallerIdentityCommand({}));
  } catch (e) {
    throw new CtemError(
      "unavailable",
      `could not identify the AWS account: sts:GetCallerIdentity: ${awsErrorCode(e)}: ${(e as Error).message} (check the credentials, the region and AWS_ENDPOINT_URL)`,
    );
  }
  const accountId = identity.Account ?? "";
  if (!/^\d{12}$/.test(accountId))
    throw new CtemError("unavailable", "sts:GetCallerIdentity named no account");
  if (opts.expectedAccountId && opts.expectedAccountId !== accountId)
    throw new CtemError(
      "conflict",
      `the credentials are for account ${accountId}, but the scope is for ${opts.expectedAccountId}`,
    );
  const partition = partitionOf(identity.Arn ?? "arn:aws");
  let regions = opts.regions;
  if (!regions?.length) {
    try {
      const r = await clients.ec2(clients.homeRegion).send(new DescribeRegionsCommand({}));
      regions = (r.Regions ?? [])
        .map((x) => x.RegionName ?? "")
        .filter(Boolean)
        .sort();
    } catch (e) {
      throw new CtemError(
        "unavailable",
        `could not list the enabled regions (ec2:DescribeRegions: ${awsErrorCode(e)}); pass --regions`,
      );
    }
  }
  const source = awsSource(accountId);
  const modules = (opts.modules ?? AWS_MODULES).filter(
    (m) => !m.optIn || (m.optIn === "inspector2" && opts.inspector2),
  );
  const tasks: ScanTask[] = [];
  for (const m of modules) {
    const regionsOf = m.scope === "global" ? ["global"] : regions;
    for (const region of regionsOf) {
      const key = { source, region, collector: m.id };
      tasks.push({
        key,
        dependsOn: m.dependsOn.map((d) => `${source}|${region}|${d}`),
        collect: () => m.collect({ accountId, partition, region, clients }),
        transform: (raw, deps) => m.transform(raw, { accountId, partition, region, key }, deps),
      });
    }
  }
  opts.onPlan?.({ accountId, regions, source, collectors: tasks.length });
  const result = await runScan({
    graph: opts.graph,
    scanRuns: opts.scanRuns,
    trigger: opts.trigger,
    tasks,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    classify: (e) => {
      const c = e instanceof CollectError ? e : toCollectError(e, "collect");
      return { code: c.code, message: c.message };
    },
  });
  return { ...result, accountId, regions, source };
}
