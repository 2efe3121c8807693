// `ctem assets list|show`: the inventory as stored, each asset with its edges and findings.
import type { Command } from "commander";
import { NODE_KIND_VALUES, NotFoundError } from "@ctem/model";
import type { Edge, Finding, Node, NodeFilter, NodeKind } from "@ctem/model";
import type { CliContext } from "./context.js";
import { collectAll } from "./paging.js";
import { renderTable } from "./table.js";
import { UsageError } from "./exit.js";

export function registerAssets(program: Command, ctx: CliContext): void {
  const assets = program
    .command("assets")
    .description("inventory: list assets, show one with its edges and findings");

  assets
    .command("list")
    .description("list assets (every match unless --limit)")
    .option("--kind <kind>", `node kind (${NODE_KIND_VALUES.join(", ")})`)
    .option("--type <type>", "node type, e.g. aws.ec2.instance")
    .option("--account <id>", "account, subscription or project id")
    .option("--region <region>", "region")
    .option("--source <source>", "claimed by this source, e.g. aws:123456789012 or demo")
    .action(
      async (
        opts: { kind?: string; type?: string; account?: string; region?: string; source?: string },
        cmd: Command,
      ) => {
        if (opts.kind && !(NODE_KIND_VALUES as readonly string[]).includes(opts.kind))
          throw new UsageError(`--kind: unknown kind '${opts.kind}' (one of ${NODE_KIND_VALUES.join(", ")})`);
        const filter: NodeFilter = {};
        if (opts.kind) filter.kind = opts.kind as NodeKind;
        if (opts.type) filter.type = opts.type;
        if (opts.account) filter.accountId = opts.account;
        if (opts.region) filter.region = opts.region;
        if (opts.source) filter.source = opts.source;
        const { graph } = await ctx.stores(cmd);
        const items = await collectAll((page) => graph.listNodes(filter, page), ctx.globals(cmd).limit);
        ctx.print(cmd, { items }, () =>
          items.length === 0
            ? "no assets\n"
            : renderTable(
                ["id", "kind", "type", "name", "region"],
                items.map((n) => [n.id, n.kind, n.type, n.name, n.region ?? ""]),
              ),
        );
      },
    );

  assets
    .command("show")
    .description("one asset with its edges (both directions) and findings")
    .argument("<id>", "the asset id (ARN, resource id, full resource name)")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { graph } = await ctx.stores(cmd);
      const node = await graph.getNode(id);
      if (!node) throw new NotFoundError(`no asset with id '${id}'`);
      const edges = await graph.neighbours(id, { direction: "both" });
      const findings = await collectAll((page) => graph.listFindings({ assetRef: id }, page));
      ctx.print(cmd, { node, edges, findings }, () => renderAsset(node, edges, findings));
    });
}

function renderAsset(node: Node, edges: Edge[], findings: Finding[]): string {
  const out: string[] = [
    `${node.name}  (${node.kind}, ${node.type}${node.stub ? ", stub" : ""})`,
    `id:        ${node.id}`,
    `provider:  ${node.provider}${node.accountId ? `  account ${node.accountId}` : ""}${node.region ? `  region ${node.region}` : ""}`,
    `seen:      ${node.firstSeen} … ${node.lastSeen}`,
    `sources:   ${node.sources.map((s) => `${s.source} ${s.region} ${s.collector}`).join("; ") || "(none: stub)"}`,
  ];
  const tags = Object.entries(node.tags);
  if (tags.length) out.push(`tags:      ${tags.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  out.push("", `edges (${edges.length})`);
  if (edges.length)
    out.push(
      renderTable(
        ["direction", "kind", "other end", "derived"],
        edges.map((e) => [
          e.from === node.id ? "out" : "in",
          e.kind,
          e.from === node.id ? e.to : e.from,
          e.derived ? "yes" : "",
        ]),
        90,
      ).trimEnd(),
    );
  out.push("", `findings (${findings.length})`);
  if (findings.length)
    out.push(
      renderTable(
        ["rule", "package", "severity", "tools"],
        findings.map((f) => [
          f.ruleId,
          f.package,
          f.sources.map((s) => s.severity).join("/"),
          f.sources.map((s) => s.tool).join(", "),
        ]),
      ).trimEnd(),
    );
  return out.join("\n") + "\n";
}
