// `ctem scan azure --subscription ID [--cloud public|usgov|china] [--arm-endpoint URL] [--tenant T]`
// (a one-off scan signed in with AZURE_CLIENT_ID/AZURE_CLIENT_SECRET when set, else
// DefaultAzureCredential), `ctem scan --scope NAME` for Azure scopes (each subscription in turn),
// and `ctem scope add NAME --provider azure --tenant T --subscription S`. With --arm-endpoint the
// login endpoint and token audience come from `<arm>/metadata/endpoints`. Progress per collector
// goes to stderr, the summary to stdout (--json too); the demo goes first and the analysis runs
// afterwards, as for `scan aws`. Exit 0 all ok, 3 some collectors failed, 1 nothing could be read.
import type { Command } from "commander";
import {
  AZURE_GUID_PATTERN,
  createAzureCredential,
  parseAzureScopeConfig,
  resolveAzureEndpoints,
  scanAzure,
} from "@ctem/discovery";
import type { AzureCloud, AzureScanResult, ScanEvent } from "@ctem/discovery";
import { ConflictError } from "@ctem/model";
import type { Scope, ScanRun } from "@ctem/model";
import type { CliContext } from "./context.js";
import { saveNewScope } from "./scope-new.js";
import { UsageError } from "./exit.js";
import { analyzeAfterScan, removeDemoBeforeRealData } from "./after-scan.js";
import { collectorRows, exitForCollectors, failedLines } from "./scan-summary.js";
import type { ScanSummaryRow } from "./scan-summary.js";
import { renderTable } from "./table.js";

const CLOUDS = ["public", "usgov", "china"] as const;

function parseCloud(v: string | undefined): AzureCloud {
  if (v === undefined) return "public";
  if (!(CLOUDS as readonly string[]).includes(v))
    throw new UsageError(`--cloud: '${v}' is not one of ${CLOUDS.join(", ")}`);
  return v as AzureCloud;
}

function parseSubscriptions(v: string | undefined, flag = "--subscription"): string[] {
  const subs = (v ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (!subs.length) throw new UsageError(`${flag}: name a subscription id (a GUID)`);
  for (const s of subs)
    if (!AZURE_GUID_PATTERN.test(s))
      throw new UsageError(`${flag}: '${s}' is not a subscription id (a GUID)`);
  return [...new Set(subs)];
}

function parseArmEndpoint(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError(`--arm-endpoint: '${v}' is not a URL`);
  }
  if (u.protocol !== "https:")
    throw new UsageError("--arm-endpoint: must be https (ARM tokens are never sent in clear)");
  return v.replace(/\/+$/, "");
}

function progressLine(sub: string, e: ScanEvent): string | undefined {
  const where = `${sub.slice(0, 8)}… ${e.key.collector.padEnd(30)}`;
  if (e.t === "ok") return `  ${where} ok      ${e.counts.nodes} nodes, ${e.counts.edges} edges (${e.ms} ms)`;
  if (e.t === "failed") return `  ${where} FAILED  ${e.message}`;
  return undefined;
}

interface AzureScanOpts {
  subscriptions: string[];
  tenantId?: string;
  clientId?: string;
  cloud: AzureCloud;
  armEndpoint?: string;
  /** Also read Microsoft Graph (service principals with secrets; needs Application.Read.All). */
  microsoftGraph?: boolean;
  trigger: ScanRun["trigger"];
  analyze: boolean;
  keepDemo: boolean;
}

type Row = ScanSummaryRow & { subscription: string };

export async function runAzureScan(ctx: CliContext, cmd: Command, o: AzureScanOpts): Promise<void> {
  const env = ctx.config(cmd).env;
  const endpoints = await resolveAzureEndpoints({
    cloud: o.cloud,
    ...(o.armEndpoint ? { armEndpoint: o.armEndpoint } : {}),
  });
  const tenantId = o.tenantId ?? env.AZURE_TENANT_ID;
  if (!tenantId && env.AZURE_CLIENT_SECRET)
    throw new UsageError("--tenant (or AZURE_TENANT_ID) is needed to sign in with a client secret");
  const credential = createAzureCredential({
    tenantId: tenantId ?? "",
    ...(o.clientId ? { clientId: o.clientId } : {}),
    cloud: o.cloud,
    authorityHost: endpoints.authorityHost,
    custom: endpoints.custom,
    env,
  });
  const { graph, app } = await ctx.stores(cmd);
  await removeDemoBeforeRealData(ctx, cmd, o.keepDemo);
  const results: AzureScanResult[] = [];
  for (const sub of o.subscriptions)
    results.push(
      await scanAzure({
        graph,
        scanRuns: app.scanRuns,
        trigger: o.trigger,
        subscriptionId: sub,
        credential,
        cloud: o.cloud,
        ...(endpoints.custom ? { armEndpoint: endpoints.arm, audience: endpoints.audience } : {}),
        ...(o.microsoftGraph ? { microsoftGraph: true } : {}),
        ...(endpoints.graph ? { graphEndpoint: endpoints.graph } : {}),
        onPlan: (p) =>
          ctx.progress(
            `scanning Azure subscription ${p.subscriptionId} (source ${p.source}) at ${p.armEndpoint}: ${p.collectors} collectors`,
          ),
        onEvent: (e) => {
          const line = progressLine(sub, e);
          if (line) ctx.progress(line);
        },
      }),
    );
  const collectors: Row[] = results.flatMap((r) =>
    collectorRows(r).map((row) => ({ ...row, subscription: r.subscriptionId })),
  );
  const failed = collectors.filter((c) => c.status === "failed");
  const analysis =
    failed.length === collectors.length ? ("skipped" as const) : await analyzeAfterScan(ctx, cmd, o.analyze);
  const deleted = results.reduce(
    (a, r) => ({
      nodes: a.nodes + r.apply.deleted.nodes,
      edges: a.edges + r.apply.deleted.edges,
      findings: a.findings + r.apply.deleted.findings,
    }),
    { nodes: 0, edges: 0, findings: 0 },
  );
  const status =
    failed.length === 0 ? "complete" : failed.length === collectors.length ? "failed" : "partial";
  const summary = {
    runIds: results.map((r) => r.run.id),
    sources: results.map((r) => r.source),
    subscriptions: results.map((r) => r.subscriptionId),
    armEndpoint: endpoints.arm,
    status,
    collectors,
    deleted,
    analysis,
    elapsedMs: results.reduce((a, r) => a + r.elapsedMs, 0),
  };
  ctx.print(cmd, summary, () => {
    const table = renderTable(
      ["subscription", "collector", "status", "found", "written", "error"],
      collectors.map((c) => [
        c.subscription,
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
      `scan of ${summary.sources.join(", ")}: ${status}, ${collectors.length - failed.length} of ${collectors.length} collectors ok, ` +
        `${deleted.nodes} nodes and ${deleted.edges} edges removed, ${summary.elapsedMs} ms`,
    ];
    lines.push(...failedLines(failed, (f) => `${f.subscription} `));
    return lines.join("\n") + "\n";
  });
  exitForCollectors(ctx, collectors);
}

/** `ctem scan --scope NAME` for an Azure scope. */
export async function scanAzureScope(
  ctx: CliContext,
  cmd: Command,
  scope: Scope,
  o: { analyze: boolean; keepDemo: boolean },
): Promise<void> {
  const c = parseAzureScopeConfig(scope.config, scope.name);
  await runAzureScan(ctx, cmd, {
    subscriptions: c.subscriptions,
    tenantId: c.tenantId,
    ...(c.clientId ? { clientId: c.clientId } : {}),
    cloud: c.cloud,
    ...(c.armEndpoint ? { armEndpoint: c.armEndpoint } : {}),
    trigger: { kind: "scope", scopeId: scope.id },
    ...o,
  });
}

export function registerScanAzure(scan: Command, ctx: CliContext): void {
  scan
    .command("azure")
    .description(
      "one-off Azure scan of a subscription (AZURE_CLIENT_ID/AZURE_CLIENT_SECRET when set, else DefaultAzureCredential)",
    )
    .requiredOption("--subscription <id>", "the subscription id")
    .option("--tenant <id>", "the Entra tenant (id or domain; default AZURE_TENANT_ID)")
    .option("--cloud <cloud>", "public, usgov or china", "public")
    .option(
      "--arm-endpoint <url>",
      "a custom ARM endpoint (Azure Stack, test); login comes from its metadata",
    )
    .option(
      "--graph",
      "also read Microsoft Graph: service principals and their secrets (Application.Read.All)",
    )
    .option("--no-analyze", "do not run the analysis afterwards")
    .option("--keep-demo", "keep the demo estate (the first real scan removes it)")
    .action(
      async (
        opts: {
          subscription: string;
          tenant?: string;
          cloud?: string;
          armEndpoint?: string;
          graph?: boolean;
          analyze: boolean;
          keepDemo?: boolean;
        },
        cmd: Command,
      ) => {
        const subscriptions = parseSubscriptions(opts.subscription);
        if (subscriptions.length > 1)
          throw new UsageError(
            "--subscription: one subscription per one-off scan (a scope can hold several)",
          );
        const armEndpoint = parseArmEndpoint(opts.armEndpoint);
        await runAzureScan(ctx, cmd, {
          subscriptions,
          ...(opts.tenant ? { tenantId: opts.tenant } : {}),
          cloud: parseCloud(opts.cloud),
          ...(armEndpoint ? { armEndpoint } : {}),
          ...(opts.graph ? { microsoftGraph: true } : {}),
          trigger: { kind: "adhoc" },
          analyze: opts.analyze && (cmd.parent?.opts<{ analyze?: boolean }>().analyze ?? true),
          keepDemo:
            (opts.keepDemo ?? false) || (cmd.parent?.opts<{ keepDemo?: boolean }>().keepDemo ?? false),
        });
      },
    );
}

/** `ctem scope add NAME --provider azure --tenant T --subscription S[,S2]`. */
export async function addAzureScope(
  ctx: CliContext,
  cmd: Command,
  name: string,
  opts: { tenant?: string; subscription?: string; cloud?: string; armEndpoint?: string; clientId?: string },
): Promise<void> {
  if (!opts.tenant) throw new UsageError("--tenant is required for an Azure scope");
  const subscriptions = parseSubscriptions(opts.subscription);
  const armEndpoint = parseArmEndpoint(opts.armEndpoint);
  const { app } = await ctx.stores(cmd);
  if (await app.scopes.get(name)) throw new ConflictError(`a scope named '${name}' exists already`);
  const config = parseAzureScopeConfig(
    {
      tenantId: opts.tenant,
      subscriptions,
      cloud: parseCloud(opts.cloud),
      ...(armEndpoint ? { armEndpoint } : {}),
      ...(opts.clientId ? { clientId: opts.clientId } : {}),
    },
    name,
  );
  await saveNewScope(
    ctx,
    cmd,
    app,
    { name, provider: "azure", config: { ...config } },
    () =>
      `scope '${name}' added: Azure tenant ${config.tenantId}, subscription${config.subscriptions.length > 1 ? "s" : ""} ${config.subscriptions.join(", ")} (${config.cloud})\n` +
      `  grant ctem's identity the read-only role in infra/azure/scanner-role.json (or Reader) on each subscription\n` +
      `  then: ctem scan --scope ${name}\n`,
  );
}

/** The graph source an Azure scope's data lives under, when it names exactly one subscription. */
