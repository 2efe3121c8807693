// `ctem jewels list|pin|unpin`: crown jewels. Tiers are computed at analysis time from the
// settings' rules and pins (DESIGN "Crown jewels"), so `list` shows the current analysis' tiers
// and the pins; pin and unpin change the settings and take effect at the next `ctem analyze`.
import type { Command } from "commander";
import { NotFoundError } from "@ctem/model";
import type { Node } from "@ctem/model";
import type { CliContext } from "./context.js";
import { UsageError } from "./exit.js";
import { renderTable } from "./table.js";

interface JewelRow {
  nodeId: string;
  name: string | null;
  kind: string | null;
  type: string | null;
  tier: number;
  /** The rule id, or "pin". */
  reason: string;
  /** False for a pin the last analysis has not applied yet. */
  analysed: boolean;
}

export function registerJewels(program: Command, ctx: CliContext): void {
  const jewels = program.command("jewels").description("crown jewels: tiers from rules and pins");

  jewels
    .command("list")
    .description("crown jewels of the current analysis, and pins (every match unless --limit)")
    .action(async (_opts: unknown, cmd: Command) => {
      const { app, graph } = await ctx.stores(cmd);
      const [tiers, settings] = await Promise.all([app.tiers(), app.settings()]);
      const rows = new Map<string, JewelRow>();
      for (const t of tiers)
        rows.set(t.nodeId, {
          nodeId: t.nodeId,
          name: null,
          kind: null,
          type: null,
          tier: t.tier,
          reason: t.reason,
          analysed: true,
        });
      for (const p of settings.crownJewels.pins) {
        const r = rows.get(p.nodeId);
        if (!r || r.reason !== "pin" || r.tier !== p.tier)
          rows.set(p.nodeId, {
            nodeId: p.nodeId,
            name: null,
            kind: null,
            type: null,
            tier: p.tier,
            reason: "pin",
            analysed: false,
          });
      }
      let items = [...rows.values()].sort((a, b) => a.tier - b.tier || a.nodeId.localeCompare(b.nodeId));
      const limit = ctx.globals(cmd).limit;
      if (limit !== undefined) items = items.slice(0, limit);
      const ids = items.map((r) => r.nodeId);
      const nodes = new Map<string, Node>();
      for (let i = 0; i < ids.length; i += 500) {
        const page = await graph.listNodes({ ids: ids.slice(i, i + 500) }, { limit: 500 });
        for (const n of page.items) nodes.set(n.id, n);
      }
      for (const r of items) {
        const n = nodes.get(r.nodeId);
        if (n) Object.assign(r, { name: n.name, kind: n.kind, type: n.type });
      }
      ctx.print(cmd, { items }, () =>
        items.length === 0
          ? "no crown jewels (run `ctem analyze`; `ctem jewels pin ID` marks one)\n"
          : renderTable(
              ["tier", "reason", "name", "type", "id"],
              items.map((r) => [
                String(r.tier),
                r.analysed ? r.reason : "pin (not analysed yet)",
                r.name ?? "?",
                r.type ?? "?",
                r.nodeId,
              ]),
            ),
      );
    });

  jewels
    .command("pin")
    .description("mark an asset as a crown jewel whatever the rules say")
    .argument("<id>", "the asset id")
    .option("--tier <n>", "tier 1 (highest) to 4", "1")
    .action(async (id: string, opts: { tier: string }, cmd: Command) => {
      const tier = Number(opts.tier);
      if (!Number.isInteger(tier) || tier < 1 || tier > 4)
        throw new UsageError(`--tier must be 1, 2, 3 or 4, got '${opts.tier}'`);
      const { app, graph } = await ctx.stores(cmd);
      const node = await graph.getNode(id);
      if (!node) throw new NotFoundError(`no asset with id '${id}'`);
      const cj = (await app.settings()).crownJewels;
      await app.saveSettings({
        crownJewels: {
          ...cj,
          pins: [...cj.pins.filter((p) => p.nodeId !== id), { nodeId: id, tier }],
          excluded: cj.excluded.filter((x) => x !== id),
        },
      });
      ctx.progress(`pinned ${node.name} as tier ${tier}; run \`ctem analyze\` to apply`);
      ctx.print(cmd, { pinned: id, tier }, () => `pinned ${id} (tier ${tier})\n`);
    });

  jewels
    .command("unpin")
    .description("remove a pin (the rules decide again)")
    .argument("<id>", "the asset id")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { app } = await ctx.stores(cmd);
      const cj = (await app.settings()).crownJewels;
      if (!cj.pins.some((p) => p.nodeId === id)) throw new NotFoundError(`'${id}' is not pinned`);
      await app.saveSettings({ crownJewels: { ...cj, pins: cj.pins.filter((p) => p.nodeId !== id) } });
      ctx.progress(`unpinned ${id}; run \`ctem analyze\` to apply`);
      ctx.print(cmd, { unpinned: id }, () => `unpinned ${id}\n`);
    });
}
