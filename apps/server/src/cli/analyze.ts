// `ctem analyze`: the whole analysis on what is stored (DESIGN "The pipeline"): snapshot → derive →
// search → score → reconcile → fix plan, committed as DESIGN's analysis commit (a new derived
// generation → AppStore.commitAnalysis → promote). Collectors that failed in the newest scan of
// each source make the hops resting on their data unknown. Threat intel comes from the data
// directory's feeds, else the snapshot carried in the repository; the scopes' include/exclude
// filters leave their excluded assets out.
import type { Command } from "commander";
import { failedCollectorsOf } from "@ctem/engine";
import type { CliContext } from "./context.js";
import { analyzeStored } from "../scans/analysis.js";
import { renderTable } from "./table.js";

export interface AnalysisSummary {
  analysisId: string;
  assets: number;
  edges: Record<string, number>;
  entries: Array<{ id: string; reason: string }>;
  adminEquivalent: string[];
  failedCollectors: Awaited<ReturnType<typeof failedCollectorsOf>>;
  issues: Record<string, number>;
  counts: Record<string, number>;
  stages: Array<{ name: string; ms: number }>;
  elapsedMs: number;
}

/** Runs the whole analysis on what is stored; `ctem analyze` and the scan/import commands use it. */
export async function runAnalysis(
  ctx: CliContext,
  cmd: Command,
): Promise<{ summary: AnalysisSummary; text: () => string }> {
  const stores = await ctx.stores(cmd);
  const t0 = performance.now();
  const failedCollectors = await failedCollectorsOf(stores.app);
  if (failedCollectors.length)
    ctx.progress(
      `analyze: ${failedCollectors.length} collector(s) failed in the latest scans; their hops are marked unknown (${failedCollectors.map((k) => `${k.source} ${k.region} ${k.collector}`).join("; ")})`,
    );
  ctx.progress("analyze: reading the graph, deriving…");
  const r = await analyzeStored(stores, {
    dataDir: ctx.config(cmd).dataDir,
    progress: (m) => ctx.progress(`analyze: ${m}`),
  });
  if (r.filtered) ctx.progress("analyze: the scopes' include/exclude filters apply");
  const a = r.analysis;
  const issues: Record<string, number> = {};
  for (const o of a.observed) issues[o.severity] = (issues[o.severity] ?? 0) + 1;
  const summary: AnalysisSummary = {
    analysisId: r.run.id,
    assets: r.run.counts?.nodes ?? 0,
    edges: a.derived.stats.edges,
    entries: a.derived.entries.map((e) => ({ id: e.id, reason: e.reason })),
    adminEquivalent: a.derived.adminEquivalent.map((x) => x.id),
    failedCollectors,
    issues,
    counts: r.run.counts ?? {},
    stages: r.run.stages ?? [],
    elapsedMs: Math.round(performance.now() - t0),
  };
  const text = () => {
    const rows = Object.entries(a.derived.stats.edges).sort(([x], [y]) => x.localeCompare(y));
    return [
      `analysis ${r.run.id}: ${summary.assets} assets, ${a.derived.edges.length} attack edges, ${a.observed.length} issues (${
        Object.entries(issues)
          .map(([k, v]) => `${v} ${k}`)
          .join(", ") || "none"
      }) in ${summary.elapsedMs} ms`,
      rows.length
        ? renderTable(
            ["edge", "count"],
            rows.map(([k, v]) => [k, String(v)]),
          ).trimEnd()
        : "no attack edges",
      `entries: ${summary.entries.length} (internet and users with active access keys); admin-equivalent identities: ${summary.adminEquivalent.length}`,
      "see the issues with `ctem issues list`",
      "",
    ].join("\n");
  };
  return { summary, text };
}

export function registerAnalyze(program: Command, ctx: CliContext): void {
  program
    .command("analyze")
    .description("derive attack edges, find and score attack paths, reconcile issues and plan fixes")
    .action(async (_opts: unknown, cmd: Command) => {
      const { summary, text } = await runAnalysis(ctx, cmd);
      ctx.print(cmd, summary, text);
    });
}
