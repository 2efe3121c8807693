// The audit log (admin): every change and sign-in, newest first, filtered by action, actor or
// target (kept in the URL), each row showing what changed (before → after) and its request id.
import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { useInfiniteQuery } from "@tanstack/react-query";
import type { AuditEvent } from "@ctem/model";
import { api, issuePath } from "../api";
import type { Page } from "../api";
import { Empty, ErrorState, Loading } from "../ui";

const FIELDS = ["action", "target", "since"] as const;

function Change({ e }: { e: AuditEvent }) {
  const [open, setOpen] = useState(false);
  if (e.before === undefined && e.after === undefined) return <span className="muted">—</span>;
  return (
    <>
      <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "hide" : "show"}
      </button>
      {open ? (
        <div className="audit-change">
          {e.before !== undefined ? (
            <figure>
              <figcaption className="muted">before</figcaption>
              <pre tabIndex={0} role="region" aria-label="before">
                {JSON.stringify(e.before, null, 1)}
              </pre>
            </figure>
          ) : null}
          {e.after !== undefined ? (
            <figure>
              <figcaption className="muted">after</figcaption>
              <pre tabIndex={0} role="region" aria-label="after">
                {JSON.stringify(e.after, null, 1)}
              </pre>
            </figure>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState(() => Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ""])));
  const query = new URLSearchParams();
  for (const f of FIELDS) {
    const v = params.get(f);
    if (!v) continue;
    // A day from the date input is the start of that day, UTC.
    query.set(f, f === "since" ? `${v}T00:00:00.000Z` : v);
  }
  query.set("limit", "100");
  const log = useInfiniteQuery({
    queryKey: ["audit", query.toString()],
    queryFn: ({ pageParam }) =>
      api<Page<AuditEvent>>(
        `/api/audit?${query.toString()}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    initialPageParam: "",
    getNextPageParam: (p) => p.next,
  });
  const rows = log.data?.pages.flatMap((p) => p.items) ?? [];
  function submit(e: FormEvent) {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const f of FIELDS) if (draft[f]?.trim()) p.set(f, draft[f].trim());
    setParams(p, { replace: true });
  }
  const filtered = FIELDS.some((f) => params.get(f));
  return (
    <section aria-labelledby="audit-title">
      <div className="page-head">
        <h1 id="audit-title">Audit log</h1>
        <span className="muted">every change and sign-in, newest first</span>
      </div>
      <form className="filters" onSubmit={submit} aria-label="Filter the audit log">
        <label>
          Action
          <input
            name="action"
            placeholder="issue.update"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          />
        </label>
        <label>
          Target (issue key, user id…)
          <input
            name="target"
            value={draft.target}
            onChange={(e) => setDraft({ ...draft, target: e.target.value })}
          />
        </label>
        <label>
          Since
          <input
            name="since"
            type="date"
            value={draft.since}
            onChange={(e) => setDraft({ ...draft, since: e.target.value })}
          />
        </label>
        <button type="submit">Filter</button>
        {filtered ? (
          <button
            type="button"
            onClick={() => {
              setDraft({ action: "", target: "", since: "" });
              setParams(new URLSearchParams(), { replace: true });
            }}
          >
            Clear
          </button>
        ) : null}
      </form>
      {log.isPending ? (
        <Loading what="the audit log" />
      ) : log.isError ? (
        <ErrorState error={log.error} what="the audit log" />
      ) : rows.length === 0 ? (
        <Empty>{filtered ? "Nothing matches these filters." : "The audit log is empty."}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="issues audit">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Outcome</th>
                <th scope="col">Target</th>
                <th scope="col">Change</th>
                <th scope="col">Request id</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id}>
                  <td>{e.at.slice(0, 19).replace("T", " ")}</td>
                  <td>
                    {e.actor.email ?? e.actor.kind}
                    {e.actor.kind === "token" ? <span className="muted"> (API token)</span> : null}
                  </td>
                  <td className="mono">{e.action}</td>
                  <td className={e.outcome === "failure" ? "form-error" : undefined}>{e.outcome}</td>
                  <td className="mono">
                    {e.target && e.action.startsWith("issue.") ? (
                      <Link to={issuePath(e.target)}>{e.target}</Link>
                    ) : (
                      (e.target ?? "—")
                    )}
                  </td>
                  <td>
                    <Change e={e} />
                  </td>
                  <td className="mono muted">{e.requestId?.slice(0, 8) ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {log.hasNextPage ? (
            <button type="button" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
              {log.isFetchingNextPage ? "Loading…" : "Load older"}
            </button>
          ) : null}
        </div>
      )}
    </section>
  );
}
