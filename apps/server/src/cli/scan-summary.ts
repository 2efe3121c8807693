// What `ctem scan aws|azure|gcp` print and how they exit, from the runner's results: one row per
// collector (DESIGN's scan summary), the failed collectors named, exit 1 when every collector
// failed and 3 when some did.
import type { ScanResult } from "@ctem/discovery";
import type { CliContext } from "./context.js";
import { EXIT } from "./exit.js";

export interface ScanSummaryRow {
  name: string;
  region: string;
  status: "ok" | "failed";
  found: number;
  written: number;
  matched: number;
  unmatched: number;
  merged: number;
  skipped: number;
  failed: number;
  errorCode?: string;
  message?: string;
}

/** One summary row per collector of a scan: what it listed (found) and what it wrote. */
export function collectorRows(result: Pick<ScanResult, "run" | "apply">): ScanSummaryRow[] {
  const written = new Map(
    result.apply.collectors.map((c) => [
      `${c.region}|${c.collector}`,
      c.written.nodes + c.written.edges + c.written.findings,
    ]),
  );
  return result.run.collectors.map((c) => {
    const counts = c.counts ?? {};
    const row: ScanSummaryRow = {
      name: c.collector,
      region: c.region,
      status: c.status,
      found: (counts.nodes ?? 0) + (counts.edges ?? 0) + (counts.findings ?? 0),
      written: written.get(`${c.region}|${c.collector}`) ?? 0,
      matched: 0,
      unmatched: 0,
      merged: 0,
      skipped: 0,
      failed: c.status === "failed" ? 1 : 0,
    };
    if (c.errorCode) row.errorCode = c.errorCode;
    if (c.message) row.message = c.message;
    return row;
  });
}

/** The lines naming each failed collector (`where` says which region or subscription). */
export function failedLines<R extends ScanSummaryRow>(
  failed: readonly R[],
  where: (r: R) => string,
): string[] {
  const lines = failed.map((f) => `  failed: ${where(f)}${f.name}: ${f.message ?? f.errorCode ?? ""}`);
  if (failed.length) lines.push("  what those collectors listed before is kept until they succeed again");
  return lines;
}

/** Exit 1 when every collector failed, 3 (partial) when some did. */
export function exitForCollectors(ctx: CliContext, rows: readonly ScanSummaryRow[]): void {
  const failed = rows.filter((c) => c.status === "failed").length;
  if (failed === rows.length) ctx.exit(EXIT.failure);
  else if (failed > 0) ctx.exit(EXIT.partial);
}
