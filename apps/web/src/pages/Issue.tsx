// The issue page (/issues/ISS-<n>): what a developer arriving from a link needs in a minute — the
// path from the entry to the target as a graph, every hop's evidence and assumptions, why the score
// is what it is, how to fix it (with copy buttons), and the workflow: status, assignee, comments,
// due date, history.
import { Suspense, lazy, useState } from "react";
import type { FormEvent } from "react";
import { Link, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, issueQuery } from "../api";
import type { ApiIssue, IssueChange, IssueEvent } from "../api";
import type { FixPlanItem } from "@ctem/model";
import { useMe } from "../auth";
import { CopyButton, Empty, ErrorState, Loading, SeverityBadge, StatusBadge, fmtDate } from "../ui";
import { shortName } from "./names";

// The drawing (React Flow and dagre) is its own chunk: the header, hops and evidence paint first.
const PathGraph = lazy(async () => ({ default: (await import("./PathGraph")).PathGraph }));

const PERSON_STATUSES = ["open", "in_progress", "fixed", "risk_accepted", "false_positive"] as const;
const DEVELOPER_STATUSES = ["in_progress", "fixed"] as const;

function IssuesCrumb() {
  const me = useMe();
  return me.data?.role === "developer" ? <Link to="/my">My issues</Link> : <Link to="/issues">Issues</Link>;
}

/** Analysts and admins can walk the graph from here; developers have no asset views. */
function AssetLink({ id, name }: { id: string; name: string }) {
  const me = useMe();
  return me.data && me.data.role !== "developer" ? (
    <Link to={`/assets/${encodeURIComponent(id)}`}>
      <strong>{name}</strong>
    </Link>
  ) : (
    <strong>{name}</strong>
  );
}

function Detail({ detail }: { detail?: Record<string, unknown> }) {
  if (!detail || Object.keys(detail).length === 0) return null;
  return (
    <dl className="detail">
      {Object.entries(detail).map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd className="mono">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function IssuePage() {
  const { alias = "" } = useParams();
  const issue = useQuery(issueQuery(alias));
  const [pathIndex, setPathIndex] = useState(0);
  const [hop, setHop] = useState<number | null>(null);

  if (issue.isPending) return <Loading what={alias} />;
  if (issue.isError) return <ErrorState error={issue.error} what={alias} />;
  const i = issue.data;
  const path = i.paths[pathIndex];

  return (
    <article className="issue" aria-labelledby="issue-title">
      <div className="crumbs">
        <IssuesCrumb /> / <span className="mono">{i.alias}</span>
      </div>
      <header className="issue-head">
        <h1 id="issue-title">
          <span className="mono">{i.alias}</span> {i.title}
        </h1>
        <div className="facts">
          <SeverityBadge severity={i.severity} />
          <span className="score" title="risk score, 0 to 10">
            score <strong>{i.score.toFixed(1)}</strong>
          </span>
          <span>
            confidence <strong>{i.confidence.replace(/_/g, " ")}</strong>
          </span>
          <StatusBadge status={i.status} />
          <span>
            rule <span className="mono">{i.rule}</span>
          </span>
          <span>due {fmtDate(i.dueAt)}</span>
          {i.demo ? <span className="badge demo">demo</span> : null}
        </div>
        <p className="muted">
          From <AssetLink id={i.entry.id} name={i.entry.name} /> ({i.entry.type}) to{" "}
          <AssetLink id={i.target.id} name={i.target.name} /> ({i.target.type}
          {i.target.tier ? `, ${i.target.tier}` : ""}). First seen {fmtDate(i.firstSeen)}, last seen{" "}
          {fmtDate(i.lastSeen)}.
        </p>
      </header>

      <div className="issue-grid">
        <div className="col-main">
          <section aria-labelledby="path-title" className="card">
            <div className="section-head">
              <h2 id="path-title">Attack path</h2>
              {i.paths.length > 1 ? (
                <label>
                  Path{" "}
                  <select
                    value={pathIndex}
                    onChange={(e) => {
                      setPathIndex(Number(e.target.value));
                      setHop(null);
                    }}
                  >
                    {i.paths.map((p, n) => (
                      <option key={n} value={n}>
                        {n + 1} of {i.paths.length} — likelihood {p.likelihood.toFixed(2)}
                      </option>
                    ))}
                  </select>
                </label>
              ) : null}
              {path ? (
                <span className="muted">
                  likelihood {path.likelihood.toFixed(2)} · confidence {path.confidence.replace(/_/g, " ")} ·{" "}
                  {path.hops.length} hop{path.hops.length === 1 ? "" : "s"}
                </span>
              ) : null}
            </div>
            {path ? (
              <>
                <Suspense
                  fallback={
                    <div className="path-graph" role="status" aria-label="Drawing the path">
                      <span className="spinner" aria-hidden="true" />
                    </div>
                  }
                >
                  <PathGraph issue={i} pathIndex={pathIndex} selectedHop={hop} onSelectHop={setHop} />
                </Suspense>
                <ol className="hops">
                  {path.hops.map((h, n) => (
                    <li key={n} className={hop === n ? "hop selected" : "hop"}>
                      <button
                        type="button"
                        className="hop-title"
                        aria-expanded={hop === n}
                        onClick={() => setHop(hop === n ? null : n)}
                      >
                        <span className="mono">{shortName(h.from, i)}</span> →{" "}
                        <span className="edge">{h.edge}</span> →{" "}
                        <span className="mono">{shortName(h.to, i)}</span>
                      </button>
                      <div className="hop-body">
                        <h3>Evidence</h3>
                        {h.evidence.length === 0 ? (
                          <p className="muted">No evidence recorded for this hop.</p>
                        ) : (
                          <ul>
                            {h.evidence.map((e, k) => (
                              <li key={k}>
                                <span className="mono">{e.source}</span>{" "}
                                <span className="mono muted">{e.ref}</span>
                                <Detail detail={e.detail} />
                              </li>
                            ))}
                          </ul>
                        )}
                        <h3>Assumptions</h3>
                        {h.assumptions.length === 0 ? (
                          <p className="muted">None: this hop is confirmed by configuration.</p>
                        ) : (
                          <ul>
                            {h.assumptions.map((a, k) => (
                              <li key={k}>
                                <span className="mono">{a.code}</span>
                                <Detail detail={a.detail} />
                              </li>
                            ))}
                          </ul>
                        )}
                      </div>
                    </li>
                  ))}
                </ol>
              </>
            ) : (
              <Empty>This issue has no open path any more (resolved by the last analysis).</Empty>
            )}
          </section>

          <section aria-labelledby="why-title" className="card">
            <h2 id="why-title">Why this score</h2>
            {i.factors.length === 0 ? (
              <Empty>No factors recorded.</Empty>
            ) : (
              <table className="factors">
                <thead>
                  <tr>
                    <th scope="col">Factor</th>
                    <th scope="col">Value</th>
                    <th scope="col">Source</th>
                  </tr>
                </thead>
                <tbody>
                  {i.factors.map((f, n) => (
                    <tr key={n}>
                      <td>{f.name}</td>
                      <td className="mono">{String(f.value)}</td>
                      <td className="muted">{f.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section aria-labelledby="fix-title" className="card">
            <h2 id="fix-title">How to fix it</h2>
            {i.remediation.length === 0 ? (
              <Empty>No remediation is known for this path.</Empty>
            ) : (
              <ul className="remediation">
                {i.remediation.map((r, n) => (
                  <li key={n}>
                    <h3>{r.title}</h3>
                    <p className="muted">
                      Cuts hop {r.hopIndex + 1} of path {r.pathIndex + 1}; lowers the score by{" "}
                      {r.riskRemoved.toFixed(1)} of {i.score.toFixed(1)}
                      {r.riskRemoved >= i.score - 0.05 ? " (closes it)" : ""}.
                    </p>
                    {r.cli ? (
                      <div className="code">
                        <div className="code-head">
                          CLI <CopyButton text={r.cli} label="CLI" />
                        </div>
                        <pre tabIndex={0} role="region" aria-label={`CLI: ${r.title}`}>
                          {r.cli}
                        </pre>
                      </div>
                    ) : null}
                    {r.terraform ? (
                      <div className="code">
                        <div className="code-head">
                          Terraform <CopyButton text={r.terraform} label="Terraform" />
                        </div>
                        <pre tabIndex={0} role="region" aria-label={`Terraform: ${r.title}`}>
                          {r.terraform}
                        </pre>
                      </div>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
            <IssueFixPlan issue={i} />
          </section>
        </div>
        <div className="col-side">
          <Workflow issue={i} />
          <History alias={i.alias} />
        </div>
      </div>
    </article>
  );
}

const DAY = 86_400_000;
const dayInput = (t: number) => new Date(t).toISOString().slice(0, 10);
/** A chosen day as the end of that day, UTC: the acceptance lasts through it. */
const endOfDay = (d: string) => `${d}T23:59:59.000Z`;

/** Risk accepted needs a reason and an expiry; false positive needs a reason (DESIGN status table). */
function NeedsReason({
  to,
  pending,
  onSubmit,
  onCancel,
}: {
  to: "risk_accepted" | "false_positive";
  pending: boolean;
  onSubmit: (c: IssueChange) => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState("");
  const [expires, setExpires] = useState(dayInput(Date.now() + 90 * DAY));
  const accept = to === "risk_accepted";
  return (
    <form
      className="needs-reason"
      aria-labelledby="needs-reason-title"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(
          accept
            ? { status: to, reason: reason.trim(), expiresAt: endOfDay(expires) }
            : { status: to, reason: reason.trim() },
        );
      }}
    >
      <h3 id="needs-reason-title">{accept ? "Accept the risk" : "Mark as a false positive"}</h3>
      <label>
        Reason
        <textarea
          name="reason"
          rows={2}
          required
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          autoFocus
        />
      </label>
      {accept ? (
        <label>
          Acceptance expires on
          <input
            type="date"
            name="expires"
            required
            min={dayInput(Date.now() + DAY)}
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
          />
        </label>
      ) : null}
      <div className="row-fields">
        <button type="submit" className="primary" disabled={pending || !reason.trim()}>
          {accept ? "Accept risk" : "Mark false positive"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** An accepted risk: who accepted it, why, until when; an analyst may extend or shorten it. */
function Acceptance({
  issue,
  canEdit,
  pending,
  onSubmit,
}: {
  issue: ApiIssue;
  canEdit: boolean;
  pending: boolean;
  onSubmit: (c: IssueChange) => void;
}) {
  const meId = useMe().data?.user.id;
  const [expires, setExpires] = useState(issue.expiresAt ? issue.expiresAt.slice(0, 10) : "");
  return (
    <div className="acceptance">
      <p>
        {issue.status === "risk_accepted" ? "Risk accepted" : "False positive"}
        {issue.acceptedBy ? (
          <>
            {" "}
            by{" "}
            <strong>
              {issue.acceptedBy === meId ? (
                "you"
              ) : (
                <span className="mono">{issue.acceptedBy.slice(0, 8)}</span>
              )}
            </strong>
          </>
        ) : null}
        {issue.expiresAt ? <> until {fmtDate(issue.expiresAt)}</> : null}
        {issue.reason ? <>: “{issue.reason}”</> : null}
      </p>
      {issue.status === "risk_accepted" && canEdit ? (
        <form
          className="row-fields"
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit({ expiresAt: endOfDay(expires) });
          }}
        >
          <label>
            Expires on
            <input
              type="date"
              name="expires-edit"
              required
              min={dayInput(Date.now() + DAY)}
              value={expires}
              onChange={(e) => setExpires(e.target.value)}
            />
          </label>
          <button type="submit" disabled={pending || !expires || expires === issue.expiresAt?.slice(0, 10)}>
            Change expiry
          </button>
        </form>
      ) : null}
    </div>
  );
}

function Workflow({ issue }: { issue: ApiIssue }) {
  const me = useMe();
  const qc = useQueryClient();
  const role = me.data?.role;
  const [assignee, setAssignee] = useState(issue.assignee.user ?? "");
  const [team, setTeam] = useState(issue.assignee.team ?? "");
  const [comment, setComment] = useState("");
  const [asking, setAsking] = useState<"risk_accepted" | "false_positive" | null>(null);
  const change = useMutation({
    mutationFn: (c: IssueChange) =>
      c.comment
        ? api<ApiIssue>(`/api/issues/${encodeURIComponent(issue.alias)}/comments`, {
            method: "POST",
            body: { text: c.comment },
          })
        : api<ApiIssue>(`/api/issues/${encodeURIComponent(issue.alias)}`, { method: "PATCH", body: c }),
    onSuccess: (updated) => {
      setAsking(null);
      qc.setQueryData(["issue", issue.alias], updated);
      void qc.invalidateQueries({ queryKey: ["issues"] });
      void qc.invalidateQueries({ queryKey: ["history", issue.alias] });
    },
  });
  const statuses: readonly string[] = role === "developer" ? DEVELOPER_STATUSES : PERSON_STATUSES;
  const canStatus = role !== "developer" || issue.status === "open" || issue.status === "in_progress";
  const analyst = role === "admin" || role === "analyst";

  function assign(e: FormEvent) {
    e.preventDefault();
    const a: { user?: string; team?: string } = {};
    if (assignee.trim()) a.user = assignee.trim();
    if (team.trim()) a.team = team.trim();
    change.mutate({ assignee: a });
  }

  return (
    <section className="card" aria-labelledby="wf-title">
      <h2 id="wf-title">Status and owner</h2>
      <label>
        Status
        <select
          name="status"
          value={asking ?? (statuses.includes(issue.status) ? issue.status : "")}
          disabled={!canStatus || change.isPending}
          onChange={(e) => {
            const s = e.target.value as NonNullable<IssueChange["status"]>;
            if (s === "risk_accepted" || s === "false_positive") setAsking(s);
            else {
              setAsking(null);
              change.mutate({ status: s });
            }
          }}
        >
          {!statuses.includes(issue.status) ? (
            <option value="">{issue.status.replace("_", " ")}</option>
          ) : null}
          {statuses.map((s) => (
            <option key={s} value={s}>
              {s.replace("_", " ")}
            </option>
          ))}
        </select>
      </label>
      {asking ? (
        <NeedsReason
          key={asking}
          to={asking}
          pending={change.isPending}
          onSubmit={(c) => change.mutate(c)}
          onCancel={() => setAsking(null)}
        />
      ) : issue.status === "risk_accepted" || issue.status === "false_positive" ? (
        <Acceptance
          key={issue.expiresAt ?? ""}
          issue={issue}
          canEdit={analyst}
          pending={change.isPending}
          onSubmit={(c) => change.mutate(c)}
        />
      ) : null}
      <DueDate issue={issue} admin={role === "admin"} />
      {role === "developer" ? (
        <p className="muted">
          Developers may move their issue to in progress or fixed; the next analysis verifies a fix.
        </p>
      ) : null}
      {role !== "developer" ? (
        <form onSubmit={assign} className="assign">
          <label>
            Assignee (e-mail)
            <input
              name="assignee"
              type="email"
              value={assignee}
              onChange={(e) => setAssignee(e.target.value)}
            />
          </label>
          <label>
            Team
            <input name="team" value={team} onChange={(e) => setTeam(e.target.value)} />
          </label>
          <button type="submit" disabled={change.isPending}>
            Assign
          </button>
        </form>
      ) : (
        <p>
          Assigned to <strong>{issue.assignee.user ?? issue.assignee.team ?? "nobody"}</strong>
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (comment.trim()) change.mutate({ comment: comment.trim() }, { onSuccess: () => setComment("") });
        }}
      >
        <label>
          Comment
          <textarea name="comment" rows={3} value={comment} onChange={(e) => setComment(e.target.value)} />
        </label>
        <button type="submit" disabled={change.isPending || !comment.trim()}>
          Add comment
        </button>
      </form>
      {change.isError ? (
        <p className="form-error" role="alert">
          {change.error.message}
        </p>
      ) : change.isSuccess ? (
        <p className="ok" role="status">
          Saved.
        </p>
      ) : null}
    </section>
  );
}

/**
 * The due date: first seen + the SLA days of the current severity, recomputed by every analysis
 * (DESIGN "Prioritization"). The API takes no per-issue due date, so it changes through the SLA.
 */
function DueDate({ issue, admin }: { issue: ApiIssue; admin: boolean }) {
  const overdue =
    issue.dueAt !== null &&
    Date.parse(issue.dueAt) < Date.now() &&
    (issue.status === "open" || issue.status === "in_progress");
  const days = issue.dueAt ? Math.round((Date.parse(issue.dueAt) - Date.parse(issue.firstSeen)) / DAY) : null;
  return (
    <p className="due">
      Due <strong className={overdue ? "form-error" : undefined}>{fmtDate(issue.dueAt)}</strong>
      {overdue ? " (past due)" : ""}
      <span className="muted">
        {" "}
        — first seen + {days ?? "?"} days, the SLA for {issue.severity} issues.{" "}
        {admin ? <Link to="/settings#sla-title">Change the SLA</Link> : "An admin sets the SLA."}
      </span>
    </p>
  );
}

function History({ alias }: { alias: string }) {
  const meId = useMe().data?.user.id;
  const h = useQuery({
    queryKey: ["history", alias],
    queryFn: () => api<{ items: IssueEvent[] }>(`/api/issues/${encodeURIComponent(alias)}/history`),
  });
  return (
    <section className="card" aria-labelledby="hist-title">
      <h2 id="hist-title">History</h2>
      {h.isPending ? (
        <Loading what="history" />
      ) : h.isError ? (
        <ErrorState error={h.error} what="history" />
      ) : h.data.items.length === 0 ? (
        <Empty>No history yet.</Empty>
      ) : (
        <ol className="history">
          {h.data.items.map((e, n) => (
            <li key={n}>
              <span className="muted">{new Date(e.at).toISOString().slice(0, 16).replace("T", " ")}</span>{" "}
              <strong>{e.type}</strong> by{" "}
              {e.actor.id === meId ? (
                "you"
              ) : e.actor.kind === "system" ? (
                e.actor.id
              ) : (
                <span className="mono">{e.actor.id.slice(0, 8)}</span>
              )}
              {e.type === "comment" ? <blockquote>{e.text}</blockquote> : null}
              {e.type !== "comment" &&
              e.type !== "created" &&
              (e.from !== undefined || e.to !== undefined) ? (
                <span className="mono">
                  {" "}
                  {JSON.stringify(e.from ?? null)} → {JSON.stringify(e.to ?? null)}
                </span>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** What each fix-plan option that cuts this issue would change elsewhere too. */
function IssueFixPlan({ issue }: { issue: ApiIssue }) {
  const q = useQuery({
    queryKey: ["issue-fixplan", issue.alias],
    queryFn: () => api<{ items: FixPlanItem[] }>(`/api/issues/${encodeURIComponent(issue.alias)}/fixplan`),
    retry: false,
  });
  if (q.isPending || q.isError || q.data.items.length === 0) return null;
  return (
    <div className="fix-wider">
      <h3>What each change closes beyond this issue</h3>
      <ul>
        {q.data.items.map((o) => {
          const others = new Set(o.cuts.map((c) => c.issueKey).filter((k) => k !== issue.key)).size;
          return (
            <li key={o.id}>
              {o.title}: also cuts paths of <strong>{others}</strong> other issue{others === 1 ? "" : "s"}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
