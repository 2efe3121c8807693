// What every scan and import does after writing (DESIGN "Demo estate", "Command line"): the first
// real data removes the demo estate (unless --keep-demo) and says so on stderr; then the analysis
// runs, partial scans too, unless --no-analyze.
import type { Command } from "commander";
import { removeDemo } from "@ctem/engine";
import type { CliContext } from "./context.js";
import { runAnalysis } from "./analyze.js";
import type { AnalysisSummary } from "./analyze.js";

export interface AfterScanOptions {
  analyze: boolean;
  keepDemo: boolean;
}

export interface AfterScanResult {
  demoRemoved: boolean;
  /** The analysis summary, or why there is none. */
  analysis: AnalysisSummary | "skipped";
}

/** Removes the demo before real data is written (call it before the scan or import). */
export async function removeDemoBeforeRealData(
  ctx: CliContext,
  cmd: Command,
  keepDemo: boolean,
): Promise<boolean> {
  if (keepDemo) return false;
  const stores = await ctx.stores(cmd);
  const removed = await removeDemo(stores);
  // Its issues, analyses and KPI snapshots go too, whether or not graph data was left.
  const app = await stores.app.removeDemoData();
  if (removed || app.issues || app.analyses)
    ctx.progress(
      `demo: removed the demo estate before writing real data (graph, ${app.issues} issues, ${app.analyses} analyses, ${app.kpiSnapshots} KPI snapshots); --keep-demo keeps it`,
    );
  return removed || app.issues > 0 || app.analyses > 0;
}

export async function analyzeAfterScan(
  ctx: CliContext,
  cmd: Command,
  analyze: boolean,
): Promise<AnalysisSummary | "skipped"> {
  if (!analyze) {
    ctx.progress("analysis: skipped (--no-analyze)");
    return "skipped";
  }
  const { summary } = await runAnalysis(ctx, cmd);
  const issues = Object.entries(summary.issues)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  ctx.progress(
    `analysis ${summary.analysisId}: ${issues || "no issues"} (${summary.elapsedMs} ms); see ctem issues list`,
  );
  return summary;
}
