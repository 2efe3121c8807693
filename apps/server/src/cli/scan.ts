// `ctem scan aws …` (a one-off scan with the standard credential chain, honouring
// AWS_ENDPOINT_URL) and `ctem scan --scope NAME` (a configured scope: assume its role with its
// external id). Progress per region and collector goes to stderr; the summary to stdout (--json
// too). Exit 0 when every collector succeeded, 3 when some failed, 1 when the scan could not run.
import type { Command } from "commander";
import { AWS_REGION_PATTERN, createAwsClients, parseAwsScopeConfig, scanAws } from "@ctem/discovery";
import type { AwsScanResult, ScanEvent } from "@ctem/discovery";
import { NotFoundError } from "@ctem/model";
import type { ScanRun } from "@ctem/model";
import type { CliContext } from "./context.js";
import { UsageError } from "./exit.js";
import { analyzeAfterScan, removeDemoBeforeRealData } from "./after-scan.js";
import { renderTable } from "./table.js";
import { collectorRows, exitForCollectors, failedLines } from "./scan-summary.js";
import { registerScanGcp, scanGcpScope } from "./scan-gcp.js";
import { registerScanAzure, scanAzureScope } from "./scan-azure.js";

export function parseRegions(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const regions = v
    .split(",")
    .map((r) => r.trim())
    .filter(Boolean);
  if (regions.length === 0)
    throw new UsageError("--regions: name at least one region, e.g. us-east-1,eu-west-1");
  for (const r of regions)
    if (!AWS_REGION_PATTERN.test(r)) throw new UsageError(`--regions: '${r}' is not an AWS region name`);
  return [...new Set(regions)];
}

function progressLine(e: ScanEvent): string | undefined {
  const where = `${e.key.region.padEnd(14)} ${e.key.collector.padEnd(28)}`;
  if (e.t === "ok")
    return `  ${where} ok      ${e.counts.nodes} nodes, ${e.counts.edges} edges${e.counts.findings ? `, ${e.counts.findings} findings` : ""} (${e.ms} ms)`;
  if (e.t === "failed") return `  ${where} FAILED  ${e.message}`;
  return undefined;
}

async function runAwsScan(
  ctx: CliContext,
  cmd: Command,
  o: {
    regions?: string[];
    roleArn?: string;
    externalId?: string;
    profile?: string;
    inspector2?: boolean;
    expectedAccountId?: string;
    trigger: ScanRun["trigger"];
    analyze: boolean;
    keepDemo: boolean;
  },
): Promise<void> {
  const cfg = ctx.config(cmd);
  const env = cfg.env;
  const homeRegion = env.AWS_REGION || env.AWS_DEFAULT_REGION || o.regions?.[0] || "us-east-1";
  const clients = createAwsClients({
    homeRegion,
    env,
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.roleArn
      ? { assumeRole: { roleArn: o.roleArn, ...(o.externalId ? { externalId: o.externalId } : {}) } }
      : {}),
  });
  const { graph, app } = await ctx.stores(cmd);
  await removeDemoBeforeRealData(ctx, cmd, o.keepDemo);
  let result: AwsScanResult;
  try {
    result = await scanAws({
      graph,
      scanRuns: app.scanRuns,
      trigger: o.trigger,
      clients,
      ...(o.regions ? { regions: o.regions } : {}),
      ...(o.inspector2 ? { inspector2: true } : {}),
      ...(o.expectedAccountId ? { expectedAccountId: o.expectedAccountId } : {}),
      onPlan: (p) =>
        ctx.progress(
          `scanning AWS account ${p.accountId} (source ${p.source}) in ${p.regions.join(", ")}: ${p.collectors} collectors`,
        ),
      onEvent: (e) => {
        const line = progressLine(e);
        if (line) ctx.progress(line);
      },
    });
  } finally {
    clients.destroy();
  }
  const collectors = collectorRows(result);
  // Findings are matched per scan, not per collector: the one findings collector carries the counts.
  const findingRows = collectors.filter((r) => r.name === "aws-inspector2-findings" && r.status === "ok");
  if (findingRows.length === 1) {
    findingRows[0]!.matched = result.apply.findings.matched;
    findingRows[0]!.unmatched = result.apply.findings.unmatched;
    findingRows[0]!.merged = result.apply.findings.merged;
  }
  const failed = collectors.filter((c) => c.status === "failed");
  // Partial scans are analysed too (DESIGN): the failed collectors' hops become unknown.
  const analysis =
    failed.length === collectors.length ? ("skipped" as const) : await analyzeAfterScan(ctx, cmd, o.analyze);
  const summary = {
    runId: result.run.id,
    source: result.source,
    accountId: result.accountId,
    regions: result.regions,
    status: result.run.status,
    collectors,
    deleted: result.apply.deleted,
    analysis,
    elapsedMs: result.elapsedMs,
  };
  ctx.print(cmd, summary, () => {
    const table = renderTable(
      ["region", "collector", "status", "found", "written", "error"],
      collectors.map((c) => [
        c.region,
        c.name,
        c.status,
        String(c.found),
        String(c.written),
        c.errorCode ?? "",
      ]),
    );
    const lines = [
      table.trimEnd(),
      "",
      `scan ${result.run.id} of ${result.source}: ${result.run.status}, ${collectors.length - failed.length} of ${collectors.length} collectors ok, ` +
        `${result.apply.deleted.nodes} nodes and ${result.apply.deleted.edges} edges removed, ${result.elapsedMs} ms`,
    ];
    lines.push(...failedLines(failed, (f) => `${f.region} `));
    return lines.join("\n") + "\n";
  });
  exitForCollectors(ctx, collectors);
}

export function registerScan(program: Command, ctx: CliContext): void {
  const scan = program
    .command("scan")
    .description("discover a cloud account: a configured scope (--scope NAME) or a one-off scan (scan aws)")
    .option("--scope <name>", "scan this configured scope (ctem scope list)")
    .option("--no-analyze", "do not run the analysis afterwards")
    .option("--keep-demo", "keep the demo estate (the first real scan removes it)")
    .action(async (opts: { scope?: string; analyze: boolean; keepDemo?: boolean }, cmd: Command) => {
      if (!opts.scope)
        throw new UsageError("name a scope (ctem scan --scope NAME) or a provider (ctem scan aws)");
      const { app } = await ctx.stores(cmd);
      const scope = await app.scopes.get(opts.scope);
      if (!scope) throw new NotFoundError(`no scope named '${opts.scope}' (ctem scope list)`);
      if (scope.provider === "gcp")
        return scanGcpScope(ctx, cmd, scope, { analyze: opts.analyze, keepDemo: opts.keepDemo ?? false });
      if (scope.provider === "azure")
        return scanAzureScope(ctx, cmd, scope, { analyze: opts.analyze, keepDemo: opts.keepDemo ?? false });
      const c = parseAwsScopeConfig(scope.config, scope.name);
      await runAwsScan(ctx, cmd, {
        ...(c.regions.length ? { regions: c.regions } : {}),
        roleArn: c.roleArn,
        externalId: c.externalId,
        inspector2: c.inspector2,
        expectedAccountId: c.accountId,
        trigger: { kind: "scope", scopeId: scope.id },
        analyze: opts.analyze,
        keepDemo: opts.keepDemo ?? false,
      });
    });

  scan
    .command("aws")
    .description(
      "one-off AWS scan with the standard credential chain (honours AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL)",
    )
    .option("--regions <a,b>", "regions to list (default: every region enabled in the account)")
    .option("--role-arn <arn>", "assume this role first (cross-account)")
    .option("--external-id <id>", "the external id the role's trust policy requires")
    .option("--profile <name>", "a profile from the AWS config files")
    .option("--inspector2", "also read Inspector2 findings")
    .option("--no-analyze", "do not run the analysis afterwards")
    .option("--keep-demo", "keep the demo estate (the first real scan removes it)")
    .action(
      async (
        opts: {
          regions?: string;
          roleArn?: string;
          externalId?: string;
          profile?: string;
          inspector2?: boolean;
          analyze: boolean;
          keepDemo?: boolean;
        },
        cmd: Command,
      ) => {
        if (opts.externalId && !opts.roleArn) throw new UsageError("--external-id needs --role-arn");
        const regions = parseRegions(opts.regions);
        await runAwsScan(ctx, cmd, {
          ...(regions ? { regions } : {}),
          ...(opts.roleArn ? { roleArn: opts.roleArn } : {}),
          ...(opts.externalId ? { externalId: opts.externalId } : {}),
          ...(opts.profile ? { profile: opts.profile } : {}),
          ...(opts.inspector2 ? { inspector2: true } : {}),
          trigger: { kind: "adhoc" },
          // Commander sets analyze from the subcommand's own --no-analyze or the parent's.
          analyze: opts.analyze && (cmd.parent?.opts<{ analyze?: boolean }>().analyze ?? true),
          keepDemo:
            (opts.keepDemo ?? false) || (cmd.parent?.opts<{ keepDemo?: boolean }>().keepDemo ?? false),
        });
      },
    );

  registerScanGcp(scan, ctx);
  registerScanAzure(scan, ctx);
}
