// Dashboard KPIs: open issues over time (a small inline chart, no chart library), MTTR per
// severity, SLA compliance, exposure reduction over the period, and the last scan's status.
import { Link } from "react-router";
import { useQuery } from "@tanstack/react-query";
import type { KpiSnapshot, ScanRun } from "@ctem/model";
import { ApiError, api } from "../api";
import type { Page } from "../api";
import { ErrorState, Loading } from "../ui";

interface Mttr {
  mean: number | null;
  count: number;
}
interface Kpis {
  days: number;
  openBySeverity: KpiSnapshot[];
  mttrHours: Record<"critical" | "high" | "medium" | "low", Mttr>;
  sla: { resolvedOnTime: number; resolvedLate: number; compliance: number | null; openOverdue: number };
  exposure: { now: number; periodStart: number | null; reduction: number | null };
}

const total = (s: KpiSnapshot) => s.open.critical + s.open.high + s.open.medium + s.open.low;

function Trend({ points }: { points: KpiSnapshot[] }) {
  if (points.length < 2)
    return (
      <p className="muted">
        The trend needs two daily snapshots; there {points.length === 1 ? "is one" : "are none"} yet.
      </p>
    );
  const w = 260;
  const h = 56;
  const values = points.map(total);
  const max = Math.max(...values, 1);
  const xy = values
    .map((v, i) => `${(i / (values.length - 1)) * w},${h - (v / max) * (h - 4) - 2}`)
    .join(" ");
  return (
    <svg
      width={w}
      height={h}
      role="img"
      aria-label={`open issues from ${values[0]} to ${values[values.length - 1]}`}
    >
      <polyline points={xy} fill="none" stroke="currentColor" strokeWidth="2" />
    </svg>
  );
}

const hours = (m: Mttr) =>
  m.mean === null ? "—" : m.mean >= 48 ? `${(m.mean / 24).toFixed(1)} d` : `${m.mean.toFixed(0)} h`;

export function KpiPanel() {
  const k = useQuery({ queryKey: ["kpis"], queryFn: () => api<Kpis>("/api/kpis?days=30") });
  const scans = useQuery({
    queryKey: ["scans", "last"],
    queryFn: () => api<Page<ScanRun>>("/api/scans?limit=1"),
  });
  const last = scans.data?.items[0];
  return (
    <section className="card" aria-labelledby="kpi-title">
      <h2 id="kpi-title">Last 30 days</h2>
      {k.isPending ? (
        <Loading what="KPIs" />
      ) : k.isError ? (
        k.error instanceof ApiError && k.error.status === 404 ? (
          <p className="muted">This server has no KPI API.</p>
        ) : (
          <ErrorState error={k.error} what="KPIs" />
        )
      ) : (
        <div className="kpis">
          <div>
            <h3>Open issues</h3>
            <Trend points={k.data.openBySeverity} />
          </div>
          <div>
            <h3>Mean time to remediate</h3>
            <dl className="detail">
              {(["critical", "high", "medium", "low"] as const).map((s) => (
                <div key={s}>
                  <dt>{s}</dt>
                  <dd>
                    {hours(k.data.mttrHours[s])}{" "}
                    <span className="muted">({k.data.mttrHours[s].count} fixed)</span>
                  </dd>
                </div>
              ))}
            </dl>
          </div>
          <div>
            <h3>SLA</h3>
            <p>
              {k.data.sla.compliance === null ? "—" : `${Math.round(k.data.sla.compliance * 100)}%`} resolved
              on time ({k.data.sla.resolvedOnTime} on time, {k.data.sla.resolvedLate} late);{" "}
              <Link to="/issues?sort=dueAt">{k.data.sla.openOverdue} open past due</Link>
            </p>
            <h3>Exposure</h3>
            <p>
              {k.data.exposure.now.toFixed(0)} now
              {k.data.exposure.reduction !== null
                ? `, ${Math.round(k.data.exposure.reduction * 100)}% lower than 30 days ago`
                : ""}
            </p>
          </div>
          <div>
            <h3>Last scan</h3>
            {scans.isPending ? (
              <Loading what="scans" />
            ) : !last ? (
              <p className="muted">No scan yet.</p>
            ) : (
              <p>
                <Link to="/scans">{last.trigger.kind}</Link>{" "}
                <span className={`badge status status-${last.status}`}>{last.status}</span>{" "}
                {last.startedAt.slice(0, 16).replace("T", " ")} UTC
                {last.status === "partial" || last.status === "failed" ? (
                  <span className="form-error"> — some collectors failed; see Scans</span>
                ) : null}
              </p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
