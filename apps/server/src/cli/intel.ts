// `ctem intel status|refresh|lookup`: threat-intel feeds (CISA KEV, FIRST EPSS, the CVSS tables) —
// how fresh they are, downloading current ones, and the merged record for one CVE.
import type { Command } from "commander";
import { createIntel, DEFAULT_FEED_URLS, REFRESHABLE_FEEDS } from "@ctem/intel";
import type { FeedStatus, Intel, IntelRecord, RefreshResult, RefreshableFeed } from "@ctem/intel";
import { CVE_ID_PATTERN } from "@ctem/model";
import type { CliContext } from "./context.js";
import { EXIT, UsageError } from "./exit.js";
import { renderTable } from "./table.js";

function intelFor(
  ctx: CliContext,
  cmd: Command,
  opts: { timeout?: string; kevUrl?: string; epssUrl?: string } = {},
): Intel {
  const cfg = ctx.config(cmd);
  const timeoutMs = opts.timeout === undefined ? undefined : Number(opts.timeout) * 1000;
  if (timeoutMs !== undefined && !(timeoutMs > 0))
    throw new UsageError(`--timeout must be a positive number of seconds, got '${opts.timeout}'`);
  // Feed URLs: the option, else the environment (as read by the config loader), else the official ones.
  const kev = opts.kevUrl ?? cfg.env.CTEM_KEV_URL;
  const epss = opts.epssUrl ?? cfg.env.CTEM_EPSS_URL;
  return createIntel({
    dataDir: cfg.dataDir,
    fetch: globalThis.fetch,
    refresh: {
      urls: { ...(kev ? { kev } : {}), ...(epss ? { epss } : {}) },
      ...(timeoutMs ? { timeoutMs } : {}),
      log: (m) => ctx.progress(m),
    },
  });
}

export function registerIntel(program: Command, ctx: CliContext): void {
  const intel = program
    .command("intel")
    .description("threat intel: CISA KEV, FIRST EPSS, CVSS and SSVC per CVE");

  intel
    .command("status")
    .description("each feed's origin, date and age (stale after 7 days)")
    .action(async (_opts: unknown, cmd: Command) => {
      const items = await intelFor(ctx, cmd).status();
      for (const s of items) if (s.problem) ctx.progress(`${s.feed}: ${s.problem}`);
      ctx.print(cmd, { items }, () => renderStatus(items));
    });

  intel
    .command("refresh")
    .description(
      "download current KEV and EPSS feeds into <data>/feeds; a bad download keeps the previous data",
    )
    .option("--feed <name>", `only this feed (${REFRESHABLE_FEEDS.join(", ")})`)
    .option("--kev-url <url>", `KEV catalog URL (default $CTEM_KEV_URL, else ${DEFAULT_FEED_URLS.kev})`)
    .option("--epss-url <url>", `EPSS scores URL (default $CTEM_EPSS_URL, else ${DEFAULT_FEED_URLS.epss})`)
    .option("--timeout <seconds>", "per download attempt (default 60)")
    .action(
      async (opts: { feed?: string; kevUrl?: string; epssUrl?: string; timeout?: string }, cmd: Command) => {
        if (opts.feed !== undefined && !(REFRESHABLE_FEEDS as readonly string[]).includes(opts.feed))
          throw new UsageError(
            `--feed: unknown feed '${opts.feed}' (one of ${REFRESHABLE_FEEDS.join(", ")})`,
          );
        const feeds = opts.feed ? [opts.feed as RefreshableFeed] : undefined;
        ctx.progress(`refreshing ${(feeds ?? REFRESHABLE_FEEDS).join(", ")}…`);
        const items = await intelFor(ctx, cmd, opts).refresh(feeds);
        for (const r of items) {
          if (r.status === "failed") ctx.progress(`${r.feed}: ${r.error ?? "failed"}`);
          else if (r.skipped && r.skipped.count > 0)
            ctx.progress(
              `${r.feed}: ${r.skipped.count} bad rows skipped (first: line ${r.skipped.examples[0]?.line}: ${r.skipped.examples[0]?.reason})`,
            );
        }
        ctx.print(cmd, { items }, () => renderRefresh(items));
        const failed = items.filter((r) => r.status === "failed").length;
        if (failed === items.length) ctx.exit(EXIT.failure);
        else if (failed > 0 || items.some((r) => (r.skipped?.count ?? 0) > 0)) ctx.exit(EXIT.partial);
      },
    );

  intel
    .command("lookup")
    .description("the merged record for one CVE: CVSS (with the threat adjustment), EPSS, KEV, SSVC")
    .argument("<cve>", "a CVE id, e.g. CVE-2021-44228")
    .action(async (cve: string, _opts: unknown, cmd: Command) => {
      if (!CVE_ID_PATTERN.test(cve.trim())) throw new UsageError(`'${cve}' is not a CVE id (CVE-YYYY-NNNN…)`);
      const record = await intelFor(ctx, cmd).lookup(cve.trim());
      ctx.print(cmd, record, () => renderRecord(record));
    });
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.001 ? 3 : 1)} %`;

function renderStatus(items: FeedStatus[]): string {
  return renderTable(
    ["feed", "origin", "date", "age", "rows", "skipped", "fetched"],
    items.map((s) => [
      s.feed,
      s.origin,
      s.date ?? "?",
      s.ageDays === undefined ? "?" : `${s.ageDays} d${s.stale ? " (stale)" : ""}`,
      String(s.rows),
      String(s.skipped.count),
      s.fetchedAt ?? "-",
    ]),
    70,
  );
}

function renderRefresh(items: RefreshResult[]): string {
  return renderTable(
    ["feed", "status", "date", "rows", "skipped", "detail"],
    items.map((r) => [
      r.feed,
      r.status,
      r.date ?? "-",
      r.rows === undefined ? "-" : String(r.rows),
      r.skipped ? String(r.skipped.count) : "-",
      r.status === "failed" ? (r.error ?? "") : (r.file ?? ""),
    ]),
    100,
  );
}

function renderRecord(r: IntelRecord): string {
  const out = [r.cve];
  if (r.cvss) {
    const c = r.cvss;
    out.push(
      `CVSS:      ${c.baseScore} ${c.severity}${c.vector ? `  ${c.vector}` : ""}  (${c.source}${c.reported && c.reported.score !== c.baseScore ? `; reported ${c.reported.score}` : ""})`,
    );
    if (c.threat)
      out.push(
        `threat:    ${c.threat.score} ${c.threat.severity}  exploit maturity ${c.threat.exploitMaturity} (${c.threat.reasons.join(", ")})`,
      );
    for (const a of c.alternatives ?? [])
      out.push(
        `           also ${a.baseScore} ${a.severity}${a.vector ? `  ${a.vector}` : ""}  (${a.source})`,
      );
  } else out.push("CVSS:      (no vector or score known)");
  out.push(
    r.epss
      ? `EPSS:      ${r.epss.score} (percentile ${pct(r.epss.percentile)}, ${r.epss.scoreDate ?? "?"})`
      : "EPSS:      (not scored)",
  );
  if (r.kev)
    out.push(
      `KEV:       listed ${r.kev.dateAdded}, due ${r.kev.dueDate}, ransomware use ${r.kev.knownRansomwareCampaignUse}`,
      `           ${r.kev.vendor} ${r.kev.product}: ${r.kev.vulnerabilityName}`,
      `           required action: ${r.kev.requiredAction}`,
    );
  else out.push("KEV:       not listed");
  if (r.ssvc)
    out.push(
      `SSVC:      exploitation ${r.ssvc.exploitation ?? "?"}, automatable ${r.ssvc.automatable ?? "?"}, technical impact ${r.ssvc.technicalImpact ?? "?"}`,
    );
  return out.join("\n") + "\n";
}
