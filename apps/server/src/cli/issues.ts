// `ctem issues list|show`: the current analysis' issues. `--json` prints DESIGN's issue JSON
// (`{ items }` for lists); the text form is what an analyst reads in a terminal.
import type { Command } from "commander";
import { ISSUE_STATUSES, NotFoundError, SEVERITIES } from "@ctem/model";
import type { Issue, IssueFilter, IssueStatus, Severity } from "@ctem/model";
import type { CliContext } from "./context.js";
import { UsageError } from "./exit.js";
import { collectAll } from "./paging.js";
import { renderTable } from "./table.js";

/** DESIGN's issue JSON: the stored issue without the engine's bookkeeping field. */
export function issueJson(i: Issue): Omit<Issue, "statusBeforeResolution"> {
  const { statusBeforeResolution: _kept, ...rest } = i;
  return rest;
}

function listOf<T extends string>(
  flag: string,
  v: string | undefined,
  allowed: readonly T[],
): T[] | undefined {
  if (v === undefined) return undefined;
  const vs = v.split(",").map((s) => s.trim().toLowerCase());
  const bad = vs.find((x) => !(allowed as readonly string[]).includes(x));
  if (bad !== undefined)
    throw new UsageError(`${flag}: unknown value '${bad}' (one of ${allowed.join(", ")})`);
  return vs as T[];
}

export function registerIssues(program: Command, ctx: CliContext): void {
  const issues = program.command("issues").description("issues: ranked attack paths with proof and fixes");

  issues
    .command("list")
    .description("list issues, riskiest first (every match unless --limit)")
    .option("--severity <s>", `severity, or several comma-separated (${SEVERITIES.join(", ")})`)
    .option("--status <s>", `status, or several comma-separated (${ISSUE_STATUSES.join(", ")})`)
    .option("--rule <rule>", "path class, e.g. key-to-admin")
    .action(async (opts: { severity?: string; status?: string; rule?: string }, cmd: Command) => {
      const filter: IssueFilter & { sort: "score" } = { sort: "score" };
      const severity = listOf<Severity>("--severity", opts.severity, SEVERITIES);
      const status = listOf<IssueStatus>("--status", opts.status, ISSUE_STATUSES);
      if (severity) filter.severity = severity;
      if (status) filter.status = status;
      if (opts.rule) filter.rule = opts.rule;
      const { app } = await ctx.stores(cmd);
      const items = await collectAll((page) => app.listIssues(filter, page), ctx.globals(cmd).limit);
      ctx.print(cmd, { items: items.map(issueJson) }, () =>
        items.length === 0
          ? "no issues (run `ctem analyze`, or `ctem demo` to see some)\n"
          : renderTable(
              ["alias", "severity", "score", "status", "rule", "title"],
              items.map((i) => [i.alias, i.severity, i.score.toFixed(2), i.status, i.rule, i.title]),
            ),
      );
    });

  issues
    .command("show")
    .description("one issue with its paths, evidence, factors and remediation")
    .argument("<key-or-alias>", "ISS-12 or the issue key")
    .action(async (keyOrAlias: string, _opts: unknown, cmd: Command) => {
      const { app } = await ctx.stores(cmd);
      const issue = await app.getIssue(keyOrAlias);
      if (!issue) throw new NotFoundError(`no issue '${keyOrAlias}'`);
      ctx.print(cmd, issueJson(issue), () => renderIssue(issue));
    });
}

function renderIssue(i: Issue): string {
  const out = [
    `${i.alias}  ${i.title}${i.demo ? "  (demo)" : ""}`,
    `key:        ${i.key}`,
    `severity:   ${i.severity} (score ${i.score.toFixed(2)}, ${i.confidence})   status: ${i.status}   rule: ${i.rule}`,
    `entry:      ${i.entry.name} (${i.entry.type})  ${i.entry.id}`,
    `target:     ${i.target.name} (${i.target.type}${i.target.tier ? `, tier ${i.target.tier}` : ""})  ${i.target.id}`,
    `first seen: ${i.firstSeen}   last seen: ${i.lastSeen}   due: ${i.dueAt ?? "-"}`,
  ];
  for (const [k, v] of [
    ["fixed", i.fixedAt],
    ["resolved", i.resolvedAt],
    ["reopened", i.reopenedAt],
    ["verification failed", i.verificationFailedAt],
    ["reason", i.reason],
    ["accepted by", i.acceptedBy],
    ["expires", i.expiresAt],
  ] as const)
    if (v) out.push(`${k}: ${v}`);
  if (i.assignee.user || i.assignee.team)
    out.push(
      `assignee:   ${[i.assignee.user, i.assignee.team && `team ${i.assignee.team}`].filter(Boolean).join(", ")}`,
    );
  i.paths.forEach((p, pi) => {
    out.push("", `path ${pi} (likelihood ${p.likelihood.toFixed(3)}, ${p.confidence})`);
    p.hops.forEach((h, hi) => {
      out.push(`  ${hi}. ${h.from} -${h.edge}-> ${h.to}`);
      for (const e of h.evidence) out.push(`       evidence: ${e.source} ${e.ref}`);
      for (const a of h.assumptions) out.push(`       assumes:  ${a.code}`);
    });
  });
  out.push("", "factors");
  out.push(
    renderTable(
      ["name", "value", "source"],
      i.factors.map((f) => [f.name, String(f.value), f.source]),
    ),
  );
  if (i.remediation.length) {
    out.push("", "remediation (by risk removed across all issues)");
    for (const r of i.remediation) {
      out.push(
        `  [path ${r.pathIndex}, hop ${r.hopIndex}] ${r.title}  (removes ${r.riskRemoved.toFixed(2)})`,
      );
      if (r.cli) out.push(...r.cli.split("\n").map((l) => `      $ ${l}`));
    }
  }
  return out.join("\n") + "\n";
}
