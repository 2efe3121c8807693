// Reconciliation: this analysis' observed (entry asset, target) pairs against the stored issues,
// implementing DESIGN's status table exactly. Only the analysis' rows live here:
//   path gone                                   any → resolved (resolvedAt; status kept in statusBeforeResolution)
//   path present, scan finished after fixedAt   fixed → open (verificationFailedAt)
//   path back                                   resolved → false_positive / unexpired risk_accepted as before, else open (reopenedAt)
//   acceptance expired                          risk_accepted → open
// People's rows are the issue service's (AppStore.updateIssue). Human fields (assignee, reason,
// acceptedBy, expiresAt) are copied through untouched; the store keeps them too.
import type { Issue, IssueDraft, IssueState, IssueStatus, Settings } from "@ctem/model";

/** What the analysis found for one (entry asset, target) pair. */
export type Observed = Pick<
  Issue,
  | "key"
  | "title"
  | "rule"
  | "severity"
  | "score"
  | "confidence"
  | "entry"
  | "target"
  | "paths"
  | "factors"
  | "remediation"
> & { assignee?: Issue["assignee"] };

/**
 * A stored issue as reconciliation reads it: its state, and its paths, factors and remediation
 * when it must be resolved now (analyze() reads those only for the issues whose path is gone).
 */
export type PreviousIssue = IssueState & Partial<Pick<Issue, "paths" | "factors" | "remediation">>;

export interface ReconcileInput {
  previous: readonly PreviousIssue[];
  observed: readonly Observed[];
  /** The analysis time (ISO). */
  now: string;
  /**
   * When the newest scan or import that covers an issue finished (verifies `fixed`): one time for
   * every issue, or per issue (the newest run of a source claiming its entry or target).
   */
  lastScanFinishedAt?: string | ((o: Observed) => string | undefined) | undefined;
  slaDays: Settings["slaDays"];
  demo: boolean;
}

const DAY = 86_400_000;

/** The keys a resolved issue's draft puts after the others. */
const MOVED: ReadonlySet<string> = new Set(["alias", "paths", "factors", "remediation"]);

/** `{ ...o }` without the keys in `skip`, made by assignment (same keys, same order). */
function copyOf(o: object, skip?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const src = o as Record<string, unknown>;
  for (const k of Object.keys(src)) if (!skip?.has(k)) out[k] = src[k];
  return out;
}

export function dueAt(firstSeen: string, severity: Issue["severity"], sla: Settings["slaDays"]): string {
  return new Date(Date.parse(firstSeen) + sla[severity] * DAY).toISOString();
}

export function acceptanceExpired(i: Pick<Issue, "status" | "expiresAt">, now: string): boolean {
  return i.status === "risk_accepted" && i.expiresAt !== null && Date.parse(i.expiresAt) <= Date.parse(now);
}

/** observe()'s key order (`assignee` last, when there is one). */
const OBSERVED_KEYS = [
  "key",
  "title",
  "rule",
  "severity",
  "score",
  "confidence",
  "entry",
  "target",
  "paths",
  "factors",
  "remediation",
  "assignee",
];

/** How many of OBSERVED_KEYS `o` has, in that order and nothing else (0: another shape). */
function observedShape(o: object): number {
  const keys = Object.keys(o);
  const n = keys.length;
  if (n < OBSERVED_KEYS.length - 1 || n > OBSERVED_KEYS.length) return 0;
  for (let i = 0; i < n; i++) if (keys[i] !== OBSERVED_KEYS[i]) return 0;
  return n;
}

/** The drafts to commit: every observed pair, and every stored issue whose status must change. */
export function reconcile(input: ReconcileInput): IssueDraft[] {
  const { now } = input;
  const prevByKey = new Map(input.previous.map((i) => [i.key, i]));
  const seen = new Set<string>();
  const out: IssueDraft[] = [];
  // Most issues share a first-seen time and a severity: one due date (string) each.
  const due = new Map<string, string>();
  for (const o of input.observed) {
    seen.add(o.key);
    const prev = prevByKey.get(o.key);
    const firstSeen = prev?.firstSeen ?? now;
    const dk = `${o.severity}\u0000${firstSeen}`;
    let d = due.get(dk);
    if (d === undefined) due.set(dk, (d = dueAt(firstSeen, o.severity, input.slaDays)));
    const assignee = prev?.assignee ?? o.assignee ?? {};
    // In the order `{ ...o, status, … }` gives (V8 makes objects spread and extended in one
    // literal twenty times slower and five times bigger: 50k issues): observe()'s issues by one
    // literal each, any other shape by assignment on a copy.
    const shape = observedShape(o);
    let draft: IssueDraft;
    if (shape === OBSERVED_KEYS.length - 1)
      draft = {
        key: o.key,
        title: o.title,
        rule: o.rule,
        severity: o.severity,
        score: o.score,
        confidence: o.confidence,
        entry: o.entry,
        target: o.target,
        paths: o.paths,
        factors: o.factors,
        remediation: o.remediation,
        status: "open",
        firstSeen,
        lastSeen: now,
        dueAt: d,
        fixedAt: prev?.fixedAt ?? null,
        resolvedAt: prev?.resolvedAt ?? null,
        reopenedAt: prev?.reopenedAt ?? null,
        verificationFailedAt: prev?.verificationFailedAt ?? null,
        reason: prev?.reason ?? null,
        acceptedBy: prev?.acceptedBy ?? null,
        expiresAt: prev?.expiresAt ?? null,
        assignee,
        statusBeforeResolution: null,
        demo: input.demo,
      };
    else if (shape === OBSERVED_KEYS.length)
      draft = {
        key: o.key,
        title: o.title,
        rule: o.rule,
        severity: o.severity,
        score: o.score,
        confidence: o.confidence,
        entry: o.entry,
        target: o.target,
        paths: o.paths,
        factors: o.factors,
        remediation: o.remediation,
        assignee,
        status: "open",
        firstSeen,
        lastSeen: now,
        dueAt: d,
        fixedAt: prev?.fixedAt ?? null,
        resolvedAt: prev?.resolvedAt ?? null,
        reopenedAt: prev?.reopenedAt ?? null,
        verificationFailedAt: prev?.verificationFailedAt ?? null,
        reason: prev?.reason ?? null,
        acceptedBy: prev?.acceptedBy ?? null,
        expiresAt: prev?.expiresAt ?? null,
        statusBeforeResolution: null,
        demo: input.demo,
      };
    else {
      draft = copyOf(o) as IssueDraft;
      draft.status = "open";
      draft.firstSeen = firstSeen;
      draft.lastSeen = now;
      draft.dueAt = d;
      draft.fixedAt = prev?.fixedAt ?? null;
      draft.resolvedAt = prev?.resolvedAt ?? null;
      draft.reopenedAt = prev?.reopenedAt ?? null;
      draft.verificationFailedAt = prev?.verificationFailedAt ?? null;
      draft.reason = prev?.reason ?? null;
      draft.acceptedBy = prev?.acceptedBy ?? null;
      draft.expiresAt = prev?.expiresAt ?? null;
      draft.assignee = assignee;
      draft.statusBeforeResolution = null;
      draft.demo = input.demo;
    }
    if (prev) draft.alias = prev.alias;
    if (!prev) draft.status = "open";
    else if (prev.status === "resolved") {
      const before: IssueStatus | null = prev.statusBeforeResolution;
      if (before === "false_positive") draft.status = "false_positive";
      else if (
        before === "risk_accepted" &&
        !acceptanceExpired({ status: before, expiresAt: prev.expiresAt }, now)
      )
        draft.status = "risk_accepted";
      else {
        draft.status = "open";
        draft.reopenedAt = now;
      }
    } else if (prev.status === "fixed") {
      const last =
        typeof input.lastScanFinishedAt === "function"
          ? input.lastScanFinishedAt(o)
          : input.lastScanFinishedAt;
      const verified =
        last !== undefined && prev.fixedAt !== null && Date.parse(last) > Date.parse(prev.fixedAt);
      if (verified) {
        draft.status = "open";
        draft.verificationFailedAt = now;
      } else draft.status = "fixed";
    } else if (acceptanceExpired(prev, now)) draft.status = "open";
    else draft.status = prev.status;
    out.push(draft);
  }
  for (const prev of input.previous) {
    if (seen.has(prev.key) || prev.status === "resolved") continue;
    const { alias, paths, factors, remediation } = prev;
    if (!paths || !factors || !remediation)
      throw new Error(`reconcile: issue ${prev.key} is resolved now, but its paths were not read`);
    const draft = copyOf(prev, MOVED) as IssueDraft;
    draft.paths = paths;
    draft.factors = factors;
    draft.remediation = remediation;
    draft.alias = alias;
    draft.status = "resolved";
    draft.resolvedAt = now;
    draft.statusBeforeResolution = prev.status;
    out.push(draft);
  }
  return out;
}
