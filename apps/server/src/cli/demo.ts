// `ctem demo [--assets 500] [--seed 1] [--remove]`: loads the synthetic estate as source `demo`
// and analyses it, or removes it (DESIGN "Demo estate"). Everything it makes is marked demo.
import type { Command } from "commander";
import { createIntel } from "@ctem/intel";
import { DEMO_DEFAULTS, loadDemo, removeDemo } from "@ctem/engine";
import type { CliContext } from "./context.js";
import { UsageError } from "./exit.js";

const whole = (flag: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got '${v}'`);
  return n;
};

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description("load a synthetic demo estate (source 'demo') and analyse it, or --remove it")
    .option("--assets <n>", "about this many assets", String(DEMO_DEFAULTS.assets))
    .option("--seed <n>", "random seed (the same seed gives the same estate)", String(DEMO_DEFAULTS.seed))
    .option("--remove", "remove the demo's data instead")
    .action(async (opts: { assets: string; seed: string; remove?: boolean }, cmd: Command) => {
      const stores = await ctx.stores(cmd);
      if (opts.remove) {
        const removed = await removeDemo(stores);
        ctx.progress(removed ? "demo: removed the demo's graph data" : "demo: there was no demo data");
        ctx.print(cmd, { removed }, () => (removed ? "demo removed\n" : "no demo data\n"));
        return;
      }
      const assets = whole("--assets", opts.assets, 50, 200_000);
      const seed = whole("--seed", opts.seed, 0, 2 ** 31 - 1);
      const intel = await createIntel({ dataDir: ctx.config(cmd).dataDir }).load();
      const r = await loadDemo(stores, {
        assets,
        seed,
        lookup: (id, reported) => intel.lookup(id, reported),
        progress: (m) => ctx.progress(m),
      });
      const run = r.analysis.run;
      const bySeverity: Record<string, number> = {};
      for (const o of r.analysis.analysis.observed)
        bySeverity[o.severity] = (bySeverity[o.severity] ?? 0) + 1;
      const summary = {
        scanRunId: r.scanRunId,
        analysisId: run.id,
        written: r.written,
        issues: bySeverity,
        counts: run.counts,
      };
      ctx.print(cmd, summary, () =>
        [
          `demo: ${r.written.nodes} assets, ${r.written.edges} edges, ${r.written.findings} findings (seed ${seed})`,
          `analysis ${run.id}: ${r.analysis.analysis.observed.length} issues (${Object.entries(bySeverity)
            .map(([k, v]) => `${v} ${k}`)
            .join(", ")})`,
          "see them with `ctem issues list`; remove the demo with `ctem demo --remove`",
          "",
        ].join("\n"),
      );
    });
}
