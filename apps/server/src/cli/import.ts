// `ctem import FILE…`: scanner reports (Trivy, Grype, Inspector2, SARIF, ASFF, …), format
// detected per file. Each file is validated in full before anything of it is written, so a
// refused file leaves the store as it was; the others still import (exit 3 says one was refused).
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Command } from "commander";
import { fileSource, importReport, listImporters } from "@ctem/discovery/imports";
import type { ImportFileResult } from "@ctem/discovery/imports";
import type { CollectorRun, ScanRun } from "@ctem/model";
import type { CliContext } from "./context.js";
import { EXIT } from "./exit.js";
import { analyzeAfterScan, removeDemoBeforeRealData } from "./after-scan.js";
import { renderTable } from "./table.js";

type FileRow = Omit<ImportFileResult, "collectors" | "skippedDetail">;

export function registerImport(program: Command, ctx: CliContext): void {
  program
    .command("import")
    .description("import scanner reports and exports; the format is detected per file")
    .argument(
      "<files...>",
      `report files (${listImporters()
        .map((i) => i.format)
        .join(", ")})`,
    )
    .option(
      "--format <id>",
      `skip detection: ${listImporters()
        .map((i) => i.id)
        .join(", ")}`,
    )
    .option("--no-analyze", "do not run the analysis afterwards")
    .option("--keep-demo", "keep the demo estate (the first real import removes it)")
    .action(
      async (
        files: string[],
        opts: { format?: string; analyze: boolean; keepDemo?: boolean },
        cmd: Command,
      ) => {
        const started = Date.now();
        const cwd = ctx.config(cmd).cwd;
        const { graph, app } = await ctx.stores(cmd);
        await removeDemoBeforeRealData(ctx, cmd, opts.keepDemo ?? false);
        const run = {
          id: `import-${new Date(started).toISOString().replace(/[-:.]/g, "")}-${randomUUID().slice(0, 8)}`,
          startedAt: new Date(started).toISOString(),
        };
        const scan: ScanRun = { ...run, trigger: { kind: "import" }, status: "running", collectors: [] };
        await app.scanRuns.start(scan);
        const rows: FileRow[] = [];
        const collectors = new Map<string, CollectorRun>();
        for (const file of files) {
          const abs = path.resolve(cwd, file);
          ctx.progress(`importing ${file}`);
          const r = await importReport(
            graph,
            fileSource(abs, file),
            run,
            opts.format ? { importer: opts.format } : {},
          );
          const { collectors: cs, skippedDetail, ...row } = r;
          rows.push(row);
          for (const c of cs) collectors.set(`${c.source}|${c.region}|${c.collector}`, c);
          if (r.status !== "ok")
            collectors.set(`import:file:${file}`, {
              source: `import:file:${file}`.slice(0, 1024),
              region: "global",
              collector: r.format
                ? `import-${listImporters().find((i) => i.format === r.format)?.id ?? "unknown"}`
                : "import-unknown",
              status: "failed",
              errorCode: r.errorCode ?? "internal",
              message: (r.message ?? "").slice(0, 4096),
              counts: {},
            });
          if (r.status === "ok") {
            const extra = r.skipped ? `, ${r.skipped} skipped` : "";
            const inventory =
              r.assets || r.relationships
                ? `  ${r.format}: ${r.assets?.written ?? 0} of ${r.assets?.found ?? 0} assets and ${r.relationships?.written ?? 0} of ${r.relationships?.found ?? 0} relationships written`
                : undefined;
            if (inventory) ctx.progress(inventory);
            if (!inventory || r.found > 0)
              ctx.progress(
                `  ${r.format}: ${r.found} findings found, ${r.written} written (${r.matched} matched, ${r.unmatched} unmatched, ${r.merged} merged)${extra}`,
              );
            for (const s of skippedDetail ?? []) ctx.progress(`  skipped ${s}`);
            const ignored = Object.entries(r.ignored ?? {});
            if (ignored.length)
              ctx.progress(
                `  left out, not modelled yet: ${ignored.map(([what, n]) => `${n} × ${what}`).join(", ")}`,
              );
          } else ctx.progress(`  ${r.status}: ${r.message ?? r.errorCode}`);
          if (r.status === "failed") ctx.exit(EXIT.failure);
          else if (r.status === "refused" || r.skipped > 0) ctx.exit(EXIT.partial);
        }
        const okFiles = rows.filter((r) => r.status === "ok").length;
        const finished: ScanRun = {
          ...scan,
          status: okFiles === rows.length ? "complete" : okFiles > 0 ? "partial" : "failed",
          finishedAt: new Date().toISOString(),
          collectors: [...collectors.values()],
        };
        await app.scanRuns.finish(finished);
        // Partial imports are analysed too; a run where every file was refused changed nothing.
        const analysis = okFiles > 0 ? await analyzeAfterScan(ctx, cmd, opts.analyze) : ("skipped" as const);
        const elapsedMs = Date.now() - started;
        ctx.print(
          cmd,
          { files: rows, analysis, elapsedMs },
          () =>
            renderTable(
              [
                "file",
                "format",
                "status",
                "found",
                "written",
                "assets",
                "matched",
                "unmatched",
                "merged",
                "skipped",
                "message",
              ],
              rows.map((r) => [
                r.name,
                r.format ?? "",
                r.status,
                String(r.found),
                String(r.written),
                r.assets ? String(r.assets.written) : "",
                String(r.matched),
                String(r.unmatched),
                String(r.merged),
                String(r.skipped),
                r.message ?? "",
              ]),
            ) + `\n${rows.length} file(s) in ${elapsedMs} ms\n`,
        );
      },
    );
}
