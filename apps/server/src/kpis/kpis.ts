// KPIs of the programme, from the issues, the daily snapshots and the analyses: open issues by
// severity over time, MTTR per severity (first seen → resolved), SLA compliance, exposure
// reduction period over period, and new vs resolved per analysis (each scan is followed by one).
// Pure functions over what the store answers; the daily job takes the snapshot and expires
// acceptances (DESIGN status table: "the daily job: acceptance expired → open").
import { SEVERITIES } from "@ctem/model";
import type { AnalysisRun, AppStore, Issue, KpiSnapshot, Severity } from "@ctem/model";
import { expireAcceptances } from "@ctem/engine";

/** Statuses that still expose: nobody fixed, accepted or dismissed them, and the path is there. */
const EXPOSING: ReadonlySet<Issue["status"]> = new Set(["open", "in_progress"]);
const HOUR = 3_600_000;

export const dayOf = (d: Date) => d.toISOString().slice(0, 10);

export async function allIssues(store: Pick<AppStore, "listIssues">): Promise<Issue[]> {
  const out: Issue[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listIssues({}, { limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return out;
}

export function snapshotOf(issues: readonly Issue[], now: Date): KpiSnapshot {
  const open = { critical: 0, high: 0, medium: 0, low: 0 };
  let overdue = 0;
  let exposure = 0;
  for (const i of issues) {
    if (!EXPOSING.has(i.status)) continue;
    open[i.severity]++;
    exposure += i.score;
    if (i.dueAt && Date.parse(i.dueAt) < now.getTime()) overdue++;
  }
  return {
    day: dayOf(now),
    at: now.toISOString(),
    open,
    overdue,
    exposure: Math.round(exposure * 100) / 100,
  };
}

export interface Kpis {
  days: number;
  /** Oldest first; the last point is now. */
  openBySeverity: KpiSnapshot[];
  /** Hours from first seen to resolved, of issues resolved in the period. */
  mttrHours: Record<Severity, { mean: number | null; count: number }>;
  sla: { resolvedOnTime: number; resolvedLate: number; compliance: number | null; openOverdue: number };
  exposure: { now: number; periodStart: number | null; reduction: number | null };
  perAnalysis: Array<{ analysisId: string; at: string; new: number; resolved: number }>;
}

export function computeKpis(o: {
  issues: readonly Issue[];
  snapshots: readonly KpiSnapshot[];
  analyses: readonly Pick<AnalysisRun, "id" | "startedAt">[];
  now: Date;
  days: number;
}): Kpis {
  const from = o.now.getTime() - o.days * 24 * HOUR;
  const current = snapshotOf(o.issues, o.now);
  const series = [...o.snapshots.filter((s) => s.day !== current.day), current];
  const mttr = Object.fromEntries(SEVERITIES.map((s) => [s, { sum: 0, count: 0 }])) as Record<
    Severity,
    { sum: number; count: number }
  >;
  let onTime = 0;
  let late = 0;
  for (const i of o.issues) {
    if (i.status !== "resolved" || !i.resolvedAt) continue;
    const resolved = Date.parse(i.resolvedAt);
    if (resolved < from) continue;
    mttr[i.severity].sum += resolved - Date.parse(i.firstSeen);
    mttr[i.severity].count++;
    if (i.dueAt && resolved > Date.parse(i.dueAt)) late++;
    else onTime++;
  }
  const start = series.length > 1 ? series[0]! : undefined;
  // Analyses, oldest first: an issue is new in the analysis that first saw it and resolved in the
  // one that resolved it (analysis stamps firstSeen and resolvedAt with its start).
  const runs = [...o.analyses]
    .filter((a) => Date.parse(a.startedAt) >= from)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const perAnalysis = runs.map((a) => ({ analysisId: a.id, at: a.startedAt, new: 0, resolved: 0 }));
  const slot = (t: string | null) => {
    if (!t) return undefined;
    let k = -1;
    for (let j = 0; j < runs.length && runs[j]!.startedAt <= t; j++) k = j;
    return k >= 0 ? perAnalysis[k] : undefined;
  };
  for (const i of o.issues) {
    const n = slot(i.firstSeen);
    if (n) n.new++;
    if (i.status === "resolved") {
      const r = slot(i.resolvedAt);
      if (r) r.resolved++;
    }
  }
  return {
    days: o.days,
    openBySeverity: series,
    mttrHours: Object.fromEntries(
      SEVERITIES.map((s) => [
        s,
        {
          mean: mttr[s].count ? Math.round((mttr[s].sum / mttr[s].count / HOUR) * 10) / 10 : null,
          count: mttr[s].count,
        },
      ]),
    ) as Kpis["mttrHours"],
    sla: {
      resolvedOnTime: onTime,
      resolvedLate: late,
      compliance: onTime + late ? Math.round((onTime / (onTime + late)) * 1000) / 1000 : null,
      openOverdue: current.overdue,
    },
    exposure: {
      now: current.exposure,
      periodStart: start ? start.exposure : null,
      reduction:
        start && start.exposure > 0
          ? Math.round(((start.exposure - current.exposure) / start.exposure) * 1000) / 1000
          : null,
    },
    perAnalysis,
  };
}

/**
 * The daily job: expired acceptances reopen (the engine's expireAcceptances, DESIGN's status-table
 * row), and today's KPI snapshot is taken.
 */
export async function runDailyJob(
  store: Pick<AppStore, "listIssues" | "updateIssue" | "getIssue" | "ops">,
  now: Date,
): Promise<{ reopened: Issue[]; snapshot: KpiSnapshot }> {
  const reopened: Issue[] = [];
  for (const key of await expireAcceptances(store, now)) {
    const i = await store.getIssue(key);
    if (i) reopened.push(i);
  }
  const snapshot = snapshotOf(await allIssues(store), now);
  await store.ops.kpiSnapshots.put(snapshot);
  return { reopened, snapshot };
}
