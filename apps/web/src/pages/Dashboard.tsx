// The morning view: open issues by severity, the riskiest ones, overdue ones (SLA breaches), and
// what data this is (demo banner, last analysis), the top fix-plan items and what they would close.
// Trend, MTTR, SLA compliance and the last scan come from /api/kpis and /api/scans (Kpis.tsx).
import { Link } from "react-router";
import { useMutation, useQuery } from "@tanstack/react-query";
import type { FixPlanItem } from "@ctem/model";
import { ApiError, api, issuePath } from "../api";
import type { ApiIssue, Page } from "../api";
import { Empty, ErrorState, Loading, SeverityBadge, fmtDate } from "../ui";
import { useHealth } from "./Shell";
import { KpiPanel } from "./Kpis";

const SEVERITIES = ["critical", "high", "medium", "low"] as const;

export function DashboardPage() {
  const health = useHealth();
  const open = useQuery({
    queryKey: ["issues", "dashboard"],
    queryFn: () => api<Page<ApiIssue>>("/api/issues?status=open,in_progress&sort=score&limit=1000"),
  });
  return (
    <section aria-labelledby="dash-title">
      <div className="page-head">
        <h1 id="dash-title">Dashboard</h1>
        <span className="muted">
          {health.data?.data.analysis
            ? `last analysis ${health.data.data.analysis.finishedAt ? new Date(health.data.data.analysis.finishedAt).toISOString().slice(0, 16).replace("T", " ") : "running"} UTC`
            : health.data?.data.note}
        </span>
      </div>
      <FeedFreshness />
      {open.isPending ? (
        <Loading what="open issues" />
      ) : open.isError ? (
        <ErrorState error={open.error} what="open issues" />
      ) : (
        <DashboardBody items={open.data.items} more={!!open.data.next} />
      )}
    </section>
  );
}

function DashboardBody({ items, more }: { items: ApiIssue[]; more: boolean }) {
  const now = Date.now();
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, items.filter((i) => i.severity === s).length]));
  const overdue = items.filter((i) => i.dueAt && Date.parse(i.dueAt) < now);
  if (items.length === 0)
    return <Empty>No open issues. Scan a scope or import a report to find exposures.</Empty>;
  return (
    <div className="dash">
      <ul className="tiles" aria-label="Open issues by severity">
        {SEVERITIES.map((s) => (
          <li key={s}>
            <Link to={`/issues?severity=${s}`} className={`tile sev-${s}`}>
              <span className="tile-n">{counts[s]}</span>
              <span className="tile-l">{s}</span>
            </Link>
          </li>
        ))}
        <li>
          <Link to="/issues?sort=dueAt" className="tile overdue">
            <span className="tile-n">{overdue.length}</span>
            <span className="tile-l">past due (SLA)</span>
          </Link>
        </li>
      </ul>
      {more ? <p className="muted">Counts cover the first 1000 open issues.</p> : null}
      <KpiPanel />
      <FixPlan />
      <section className="card" aria-labelledby="top-title">
        <h2 id="top-title">Riskiest open issues</h2>
        <table className="issues compact">
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Severity</th>
              <th scope="col">Score</th>
              <th scope="col">Title</th>
              <th scope="col">Due</th>
            </tr>
          </thead>
          <tbody>
            {items.slice(0, 8).map((i) => (
              <tr key={i.key}>
                <td className="mono">
                  <Link to={issuePath(i.alias)}>{i.alias}</Link>
                </td>
                <td>
                  <SeverityBadge severity={i.severity} />
                </td>
                <td className="num">{i.score.toFixed(1)}</td>
                <td>{i.title}</td>
                <td>{fmtDate(i.dueAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

interface WhatIf {
  closes: Array<{ key: string; alias: string | null }>;
  remaining: Array<{ key: string; alias: string | null; before: number; after: number }>;
  riskRemoved: number;
}

/** The top fix-plan items, and what applying them would close (a what-if, run on request). */
function FixPlan() {
  const plan = useQuery({
    queryKey: ["fixplan"],
    queryFn: () => api<{ items: FixPlanItem[]; total: number }>("/api/fixplan?limit=5"),
  });
  const top = plan.data?.items.slice(0, 3) ?? [];
  const whatIf = useMutation({
    mutationFn: () => api<WhatIf>("/api/whatif", { method: "POST", body: { options: top.map((o) => o.id) } }),
  });
  return (
    <section className="card" aria-labelledby="fix-title">
      <h2 id="fix-title">Fix plan: the changes that remove the most risk</h2>
      {plan.isPending ? (
        <Loading what="the fix plan" />
      ) : plan.isError ? (
        plan.error instanceof ApiError && plan.error.status === 404 ? (
          <p className="muted">This server has no fix-plan API.</p>
        ) : (
          <ErrorState error={plan.error} what="the fix plan" />
        )
      ) : top.length === 0 ? (
        <Empty>No remediation options: nothing to fix.</Empty>
      ) : (
        <>
          <ol className="fixplan">
            {top.map((o) => (
              <li key={o.id}>
                <strong>{o.title}</strong>{" "}
                <span className="muted">
                  cuts {o.cuts.length} path{o.cuts.length === 1 ? "" : "s"} in{" "}
                  {new Set(o.cuts.map((c) => c.issueKey)).size} issue(s); risk removed{" "}
                  {o.riskRemoved.toFixed(2)}
                </span>
              </li>
            ))}
          </ol>
          <p className="muted">{plan.data.total} options in all.</p>
          {whatIf.data ? (
            <p role="status">
              These {top.length} changes would close <strong>{whatIf.data.closes.length}</strong> issue(s) and
              lower {whatIf.data.remaining.filter((r) => r.after < r.before).length} more.
            </p>
          ) : (
            <button type="button" onClick={() => whatIf.mutate()} disabled={whatIf.isPending}>
              {whatIf.isPending ? "Working it out…" : `What would these ${top.length} changes close?`}
            </button>
          )}
          {whatIf.isError ? (
            <p className="form-error" role="alert">
              {whatIf.error.message}
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}

interface FeedStatus {
  feed: string;
  origin: "data" | "snapshot";
  date?: string;
  ageDays?: number;
  stale: boolean;
  fetchedAt?: string;
  rows: number;
  problem?: string;
}

/** The feeds that weigh most on scores (KEV, EPSS): missing or stale ones are a warning. */
const KEY_FEEDS = ["kev", "epss"] as const;

function feedWarnings(items: FeedStatus[]): string[] {
  const out: string[] = [];
  for (const name of KEY_FEEDS) {
    const f = items.find((i) => i.feed === name);
    const label = name.toUpperCase();
    if (!f || f.rows === 0) out.push(`${label} is missing`);
    else if (f.problem) out.push(`${label} could not be read (${f.problem})`);
    else if (f.stale)
      out.push(
        `${label} is ${f.ageDays !== undefined ? `${f.ageDays} days old` : "of unknown age"}${f.origin === "snapshot" ? " (the snapshot shipped with ctem)" : ""}`,
      );
  }
  return out;
}

/** Warns when the threat-intel feeds behind the scores are missing or stale, and says how to refresh. */
function FeedFreshness() {
  const q = useQuery({
    queryKey: ["intel-status"],
    queryFn: () => api<{ items: FeedStatus[] }>("/api/intel/status"),
    staleTime: 300_000,
  });
  if (q.isPending) return null;
  if (q.isError)
    return (
      <div className="notice warn" role="note">
        <strong>Feed freshness unknown.</strong> {q.error.message}
        {q.error instanceof ApiError && q.error.requestId ? (
          <span className="muted"> (request id {q.error.requestId})</span>
        ) : null}
      </div>
    );
  const warnings = feedWarnings(q.data.items);
  if (warnings.length === 0) return null;
  return (
    <div className="notice warn" role="note" aria-labelledby="feeds-title">
      <strong id="feeds-title">Threat-intel feeds need a refresh.</strong> {warnings.join("; ")}. Scores use
      these feeds for exploit likelihood; refresh them with <code>ctem intel refresh</code> on the server
      (then the next analysis uses them).
    </div>
  );
}
