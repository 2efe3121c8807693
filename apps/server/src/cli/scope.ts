// `ctem scope add|list|remove`: configured cloud scopes. For AWS, ctem generates the external id
// the scanner role's trust policy must require (infra/aws/scanner-role.yaml) and prints it.
import type { Command } from "commander";
import type { AwsScopeConfig } from "@ctem/discovery";
import { newExternalId, parseAwsScopeConfig } from "@ctem/discovery";
import { addGcpScope } from "./scan-gcp.js";
import { addAzureScope } from "./scan-azure.js";
import { ConflictError, NotFoundError } from "@ctem/model";
import type { CliContext } from "./context.js";
import { saveNewScope } from "./scope-new.js";
import { UsageError } from "./exit.js";
import { parseRegions } from "./scan.js";
import { renderTable } from "./table.js";
import { FILTER_HELP, parseFilters } from "../scopes/filters.js";
import { sourcesOf } from "../scopes/sources.js";

const collect = (v: string, prev: string[]) => [...prev, v];

/** A bad filter is bad usage (exit 2), named by option and position. */
function optionFilters(values: string[], option: string): string[] {
  try {
    return parseFilters(values, option);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function registerScope(program: Command, ctx: CliContext): void {
  const scope = program.command("scope").description("configured cloud scopes: add, list, remove");

  scope
    .command("add")
    .description("add a scope (AWS: prints the external id for the scanner role's trust policy)")
    .argument("<name>", "a name for the scope (A-Z a-z 0-9 . _ -)")
    .requiredOption("--provider <provider>", "aws, azure or gcp")
    .option("--account <id>", "AWS account id (12 digits)")
    .option("--role-arn <arn>", "the scanner role ctem assumes in the account")
    .option("--external-id <id>", "use this external id instead of generating one")
    .option("--regions <a,b>", "regions to scan (default: every enabled region)")
    .option("--inspector2", "also read Inspector2 findings")
    .option("--project <id>", "GCP: a project id")
    .option("--folder <id>", "GCP: a folder number")
    .option("--org <id>", "GCP: an organization number")
    .option("--tenant <id>", "Azure: the Entra tenant (id or domain)")
    .option("--subscription <ids>", "Azure: subscription id(s), comma-separated")
    .option("--cloud <cloud>", "Azure: public, usgov or china")
    .option("--arm-endpoint <url>", "Azure: a custom ARM endpoint")
    .option("--client-id <id>", "Azure: the application (client) id ctem signs in as")
    .option("--api-endpoint <url>", "GCP: a custom Cloud Asset API endpoint")
    .option(
      "--include <filter>",
      `only these of the scope's assets (repeatable); ${FILTER_HELP}`,
      collect,
      [],
    )
    .option(
      "--exclude <filter>",
      "leave these of the scope's assets out (repeatable), e.g. tag:env=dev",
      collect,
      [],
    )
    .action(
      async (
        name: string,
        opts: {
          provider: string;
          account?: string;
          roleArn?: string;
          externalId?: string;
          regions?: string;
          inspector2?: boolean;
          project?: string;
          folder?: string;
          org?: string;
          apiEndpoint?: string;
          tenant?: string;
          subscription?: string;
          cloud?: string;
          armEndpoint?: string;
          clientId?: string;
          include: string[];
          exclude: string[];
        },
        cmd: Command,
      ) => {
        const filters = {
          include: optionFilters(opts.include, "--include"),
          exclude: optionFilters(opts.exclude, "--exclude"),
        };
        if (opts.provider === "gcp" || opts.provider === "azure") {
          await (opts.provider === "gcp" ? addGcpScope : addAzureScope)(ctx, cmd, name, opts);
          if (filters.include.length || filters.exclude.length) {
            const { app } = await ctx.stores(cmd);
            const added = (await app.scopes.get(name))!;
            await app.scopes.save({ ...added, ...filters });
            ctx.progress(
              `scope '${name}': include ${filters.include.join(" ") || "(all)"}; exclude ${filters.exclude.join(" ") || "(none)"}`,
            );
          }
          return;
        }
        if (opts.provider !== "aws")
          throw new UsageError(`--provider: '${opts.provider}' is not supported yet (this build scans aws)`);
        if (!opts.account) throw new UsageError("--account is required for an AWS scope");
        if (!opts.roleArn) throw new UsageError("--role-arn is required for an AWS scope");
        const { app } = await ctx.stores(cmd);
        if (await app.scopes.get(name)) throw new ConflictError(`a scope named '${name}' exists already`);
        const config: AwsScopeConfig = parseAwsScopeConfig(
          {
            accountId: opts.account,
            roleArn: opts.roleArn,
            externalId: opts.externalId ?? newExternalId(),
            regions: parseRegions(opts.regions) ?? [],
            inspector2: Boolean(opts.inspector2),
          },
          name,
        );
        await saveNewScope(
          ctx,
          cmd,
          app,
          { name, provider: "aws", config: { ...config }, ...filters },
          () =>
            `scope '${name}' added: AWS account ${config.accountId}, role ${config.roleArn}\n` +
            `external id: ${config.externalId}\n` +
            `  the role's trust policy must require it (sts:ExternalId); see infra/aws/scanner-role.yaml\n` +
            `  then: ctem scan --scope ${name}\n`,
        );
      },
    );

  scope
    .command("list")
    .description("list scopes")
    .action(async (_opts: unknown, cmd: Command) => {
      const { app } = await ctx.stores(cmd);
      const items = await app.scopes.list();
      ctx.print(cmd, { items }, () =>
        items.length === 0
          ? "no scopes (ctem scope add NAME --provider aws --account ID --role-arn ARN)\n"
          : renderTable(
              ["name", "provider", "covers", "regions", "inspector2", "external id"],
              items.map((s) => [
                s.name,
                s.provider,
                sourcesOf(s).join(","),
                Array.isArray(s.config.regions) && s.config.regions.length
                  ? s.config.regions.join(",")
                  : "all enabled",
                s.config.inspector2 ? "yes" : "no",
                typeof s.config.externalId === "string" ? s.config.externalId : "",
              ]),
              80,
            ),
      );
    });

  scope
    .command("remove")
    .description("remove a scope and the data scanned under its account (unless another scope covers it)")
    .argument("<name>", "the scope's name or id")
    .option("--keep-data", "keep the scanned data in the graph")
    .action(async (name: string, opts: { keepData?: boolean }, cmd: Command) => {
      const { app, graph } = await ctx.stores(cmd);
      const s = await app.scopes.get(name);
      if (!s) throw new NotFoundError(`no scope named '${name}'`);
      await app.scopes.remove(s.id);
      // Every source the scope's scans claim with (each subscription of an Azure scope), unless
      // another scope still covers it.
      const sources = sourcesOf(s);
      const removed: string[] = [];
      if (!opts.keepData) {
        const others = await app.scopes.list();
        for (const source of sources) {
          const other = others.find((o) => sourcesOf(o).includes(source));
          if (other) {
            ctx.progress(`keeping ${source}: scope '${other.name}' covers it too`);
            continue;
          }
          await graph.removeSource(source);
          removed.push(source);
        }
      }
      ctx.print(
        cmd,
        { removed: s.name, sources, removedSources: removed, removedData: removed.length > 0 },
        () =>
          `scope '${s.name}' removed${removed.length ? `, with the data of ${removed.join(", ")}` : ""}\n`,
      );
    });
}
