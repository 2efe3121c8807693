// `ctem scan gcp --project P | --folder F | --org O [--api-endpoint URL] [--key-file F]`: a one-off
// Cloud Asset scan of a project, folder or organization with Application Default Credentials or a
// key file, and the GCP half of `ctem scan --scope NAME`. As `scan aws`: progress on stderr, the
// summary on stdout (--json), exit 0 ok, 3 when a collector failed, 1 when all failed, 2 on usage.
import { resolve } from "node:path";
import type { Command } from "commander";
import { GCP_PARENT_PATTERN, gcpSource, parseGcpScopeConfig, scanGcp } from "@ctem/discovery";
import type { GcpScanResult, ScanEvent } from "@ctem/discovery";
import { ConflictError } from "@ctem/model";
import type { ScanRun, Scope } from "@ctem/model";
import type { CliContext } from "./context.js";
import { saveNewScope } from "./scope-new.js";
import { UsageError } from "./exit.js";
import { analyzeAfterScan, removeDemoBeforeRealData } from "./after-scan.js";
import { collectorRows, exitForCollectors, failedLines } from "./scan-summary.js";
import { renderTable } from "./table.js";

/** `--project`/`--folder`/`--org` (exactly one) → the Cloud Asset parent. */
export function gcpParentOf(
  o: { project?: string; folder?: string; org?: string },
  what = "scan gcp",
): string {
  const given = [
    o.project !== undefined ? `projects/${o.project}` : undefined,
    o.folder !== undefined ? `folders/${o.folder}` : undefined,
    o.org !== undefined ? `organizations/${o.org}` : undefined,
  ].filter((x): x is string => x !== undefined);
  if (given.length !== 1) throw new UsageError(`${what}: give exactly one of --project, --folder or --org`);
  if (!GCP_PARENT_PATTERN.test(given[0]!))
    throw new UsageError(
      `${what}: '${given[0]}' is not a project id (6–30 lower-case letters, digits, hyphens) or a numeric folder/organization id`,
    );
  return given[0]!;
}

function progressLine(e: ScanEvent): string | undefined {
  const where = e.key.collector.padEnd(22);
  if (e.t === "ok") return `  ${where} ok      ${e.counts.nodes} nodes, ${e.counts.edges} edges (${e.ms} ms)`;
  if (e.t === "failed") return `  ${where} FAILED  ${e.errorCode}: ${e.message}`;
  return undefined;
}

export async function runGcpScan(
  ctx: CliContext,
  cmd: Command,
  o: {
    parent: string;
    keyFile?: string;
    apiEndpoint?: string;
    trigger: ScanRun["trigger"];
    analyze: boolean;
    keepDemo: boolean;
  },
): Promise<void> {
  const { graph, app } = await ctx.stores(cmd);
  await removeDemoBeforeRealData(ctx, cmd, o.keepDemo);
  const result: GcpScanResult = await scanGcp({
    graph,
    scanRuns: app.scanRuns,
    trigger: o.trigger,
    parent: o.parent,
    ...(o.keyFile ? { keyFile: o.keyFile } : {}),
    ...(o.apiEndpoint ? { apiEndpoint: o.apiEndpoint } : {}),
    onPlan: (p) => ctx.progress(`scanning GCP ${p.parent} (source ${p.source}): ${p.collectors} collectors`),
    onEvent: (e) => {
      const line = progressLine(e);
      if (line) ctx.progress(line);
    },
  });
  const collectors = collectorRows(result);
  const failed = collectors.filter((c) => c.status === "failed");
  const analysis =
    failed.length === collectors.length ? ("skipped" as const) : await analyzeAfterScan(ctx, cmd, o.analyze);
  const summary = {
    runId: result.run.id,
    source: result.source,
    parent: result.parent,
    status: result.run.status,
    collectors,
    deleted: result.apply.deleted,
    analysis,
    elapsedMs: result.elapsedMs,
  };
  ctx.print(cmd, summary, () => {
    const table = renderTable(
      ["collector", "status", "found", "written", "error"],
      collectors.map((c) => [c.name, c.status, String(c.found), String(c.written), c.errorCode ?? ""]),
    );
    const lines = [
      table.trimEnd(),
      "",
      `scan ${result.run.id} of ${result.source}: ${result.run.status}, ${collectors.length - failed.length} of ${collectors.length} collectors ok, ` +
        `${result.apply.deleted.nodes} nodes and ${result.apply.deleted.edges} edges removed, ${result.elapsedMs} ms`,
    ];
    lines.push(...failedLines(failed, () => ""));
    return lines.join("\n") + "\n";
  });
  exitForCollectors(ctx, collectors);
}

/** `ctem scan --scope NAME` for a GCP scope. */
export async function scanGcpScope(
  ctx: CliContext,
  cmd: Command,
  scope: Scope,
  o: { analyze: boolean; keepDemo: boolean },
): Promise<void> {
  const c = parseGcpScopeConfig(scope.config, scope.name);
  await runGcpScan(ctx, cmd, {
    parent: c.parent,
    ...(c.apiEndpoint ? { apiEndpoint: c.apiEndpoint } : {}),
    trigger: { kind: "scope", scopeId: scope.id },
    ...o,
  });
}

export function registerScanGcp(scan: Command, ctx: CliContext): void {
  scan
    .command("gcp")
    .description(
      "one-off GCP scan through the Cloud Asset API (Application Default Credentials, or --key-file)",
    )
    .option("--project <id>", "a project id")
    .option("--folder <id>", "a folder number")
    .option("--org <id>", "an organization number")
    .option("--api-endpoint <url>", "Cloud Asset API endpoint (host, or http(s)://host:port)")
    .option("--key-file <file>", "a service account key file (default: Application Default Credentials)")
    .option("--no-analyze", "do not run the analysis afterwards")
    .option("--keep-demo", "keep the demo estate (the first real scan removes it)")
    .action(
      async (
        opts: {
          project?: string;
          folder?: string;
          org?: string;
          apiEndpoint?: string;
          keyFile?: string;
          analyze: boolean;
          keepDemo?: boolean;
        },
        cmd: Command,
      ) => {
        const parent = gcpParentOf(opts);
        if (opts.apiEndpoint !== undefined && !/^(https?:\/\/)?[\w.-]+(:\d+)?\/?$/.test(opts.apiEndpoint))
          throw new UsageError(`--api-endpoint: '${opts.apiEndpoint}' is not a host or http(s)://host:port`);
        const cwd = ctx.config(cmd).cwd;
        await runGcpScan(ctx, cmd, {
          parent,
          ...(opts.keyFile ? { keyFile: resolve(cwd, opts.keyFile) } : {}),
          ...(opts.apiEndpoint ? { apiEndpoint: opts.apiEndpoint.replace(/\/$/, "") } : {}),
          trigger: { kind: "adhoc" },
          analyze: opts.analyze && (cmd.parent?.opts<{ analyze?: boolean }>().analyze ?? true),
          keepDemo:
            (opts.keepDemo ?? false) || (cmd.parent?.opts<{ keepDemo?: boolean }>().keepDemo ?? false),
        });
      },
    );
}

/** `ctem scope add NAME --provider gcp --project P | --folder F | --org O`. */
export async function addGcpScope(
  ctx: CliContext,
  cmd: Command,
  name: string,
  opts: { project?: string; folder?: string; org?: string; apiEndpoint?: string },
): Promise<void> {
  const parent = gcpParentOf(opts, "scope add --provider gcp");
  const { app } = await ctx.stores(cmd);
  if (await app.scopes.get(name)) throw new ConflictError(`a scope named '${name}' exists already`);
  const config = parseGcpScopeConfig(
    { parent, ...(opts.apiEndpoint ? { apiEndpoint: opts.apiEndpoint.replace(/\/$/, "") } : {}) },
    name,
  );
  await saveNewScope(
    ctx,
    cmd,
    app,
    { name, provider: "gcp", config: { ...config } },
    () =>
      `scope '${name}' added: GCP ${config.parent} (source ${gcpSource(config.parent)})\n` +
      `  grant ctem's identity the roles in infra/gcp/roles.json on it (roles/cloudasset.viewer)\n` +
      `  then: ctem scan --scope ${name}\n`,
  );
}
