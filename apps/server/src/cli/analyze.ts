// `ctem analyze`: derive the attack edges from what is stored (engine part 1) and make them the
// current derived generation: snapshot → derive → replaceDerived → promoteDerived. Part 2 puts
// search, scoring and AppStore.commitAnalysis between the write and the promotion. Collectors
// that failed in the newest scan of each source make the hops resting on their data unknown.
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { derive, derivedFacts, failedCollectorsOf, loadEstate } from "@ctem/engine";
import type { CliContext } from "./context.js";
import { renderTable } from "./table.js";

export function registerAnalyze(program: Command, ctx: CliContext): void {
  program
    .command("analyze")
    .description("derive attack edges (exposure, reachability, IAM, escalation) from what is stored")
    .action(async (_opts: unknown, cmd: Command) => {
      const { graph, app } = await ctx.stores(cmd);
      const id = `analysis-${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}`;
      const t0 = performance.now();
      const failedCollectors = await failedCollectorsOf(app);
      if (failedCollectors.length)
        ctx.progress(
          `analyze: ${failedCollectors.length} collector(s) failed in the latest scans; their hops are marked unknown (${failedCollectors.map((k) => `${k.source} ${k.region} ${k.collector}`).join("; ")})`,
        );
      ctx.progress("analyze: reading the graph…");
      const estate = await loadEstate(graph.snapshot());
      ctx.progress(`analyze: ${estate.nodes.size} assets, ${estate.edgeCount} inventory edges; deriving…`);
      const result = await derive(estate, { failedCollectors });
      ctx.progress(`analyze: writing ${result.edges.length} attack edges…`);
      await graph.replaceDerived(id, derivedFacts(result.edges));
      await graph.promoteDerived(id);
      const summary = {
        analysisId: id,
        assets: estate.nodes.size,
        edges: result.stats.edges,
        entries: result.entries.map((e) => ({ id: e.id, reason: e.reason })),
        adminEquivalent: result.adminEquivalent.map((a) => a.id),
        failedCollectors,
        elapsedMs: Math.round(performance.now() - t0),
      };
      ctx.print(cmd, summary, () => {
        const rows = Object.entries(result.stats.edges).sort(([a], [b]) => a.localeCompare(b));
        return [
          `analysis ${id}: ${estate.nodes.size} assets, ${result.edges.length} attack edges in ${summary.elapsedMs} ms`,
          rows.length
            ? renderTable(
                ["edge", "count"],
                rows.map(([k, v]) => [k, String(v)]),
              ).trimEnd()
            : "no attack edges",
          `entries: ${summary.entries.length} (internet and users with active access keys); admin-equivalent identities: ${summary.adminEquivalent.length}`,
          "",
        ].join("\n");
      });
    });
}
