// Issues triage: a dense sortable table whose filters live in the URL (a filtered view is a link),
// bulk assignment and status change, and keyboard shortcuts (j/k move, x select, Enter open).
// "My issues" is the same table, limited by the server to what the developer may see.
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, issuePath } from "../api";
import type { ApiIssue, Page } from "../api";
import { useMe } from "../auth";
import { Empty, ErrorState, Loading, SeverityBadge, StatusBadge, fmtDate } from "../ui";

const SEVERITIES = ["critical", "high", "medium", "low"] as const;
const STATUSES = ["open", "in_progress", "fixed", "risk_accepted", "false_positive", "resolved"] as const;
const SORTS = { score: "Score", firstSeen: "First seen", dueAt: "Due", alias: "Key" } as const;
const DEFAULT_STATUS = "open,in_progress";

function toggleCsv(csv: string | null, v: string): string {
  const set = new Set((csv ?? "").split(",").filter(Boolean));
  if (set.has(v)) set.delete(v);
  else set.add(v);
  return [...set].join(",");
}

export function IssuesPage({ mine }: { mine: boolean }) {
  const [params, setParams] = useSearchParams();
  const me = useMe();
  const role = me.data?.role;
  const severity = params.get("severity") ?? "";
  const status = params.get("status") ?? DEFAULT_STATUS;
  const sort = (params.get("sort") ?? "score") as keyof typeof SORTS;
  const q = params.get("q") ?? "";
  const navigate = useNavigate();
  const qc = useQueryClient();

  const query = new URLSearchParams();
  if (severity) query.set("severity", severity);
  if (status) query.set("status", status);
  query.set("sort", sort in SORTS ? sort : "score");
  query.set("limit", "200");
  if (mine && me.data && role !== "developer") query.set("assignee", me.data.user.email);

  const issues = useInfiniteQuery({
    queryKey: ["issues", query.toString()],
    queryFn: ({ pageParam }) =>
      api<Page<ApiIssue>>(
        `/api/issues?${query.toString()}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    initialPageParam: "",
    getNextPageParam: (p) => p.next,
    enabled: !!me.data,
  });

  const rows = useMemo(() => {
    const all = issues.data?.pages.flatMap((p) => p.items) ?? [];
    const needle = q.trim().toLowerCase();
    return needle
      ? all.filter((i) =>
          `${i.alias} ${i.title} ${i.rule} ${i.entry.name} ${i.target.name}`.toLowerCase().includes(needle),
        )
      : all;
  }, [issues.data, q]);

  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [cursor, setCursor] = useState(0);
  const tableRef = useRef<HTMLTableSectionElement>(null);

  const set = (k: string, v: string) => {
    const p = new URLSearchParams(params);
    if (v) p.set(k, v);
    else p.delete(k);
    setParams(p, { replace: true });
  };

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      if (e.key === "j") setCursor((c) => Math.min(c + 1, rows.length - 1));
      else if (e.key === "k") setCursor((c) => Math.max(c - 1, 0));
      else if (e.key === "x" && rows[cursor]) {
        const alias = rows[cursor].alias;
        setSelected((s) => {
          const n = new Set(s);
          if (n.has(alias)) n.delete(alias);
          else n.add(alias);
          return n;
        });
      } else if (e.key === "Enter" && rows[cursor] && t?.tagName !== "A" && t?.tagName !== "BUTTON")
        void navigate(issuePath(rows[cursor].alias));
      else if (e.key === "/") {
        e.preventDefault();
        document.getElementById("issue-search")?.focus();
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [rows, cursor, navigate]);

  useEffect(() => {
    tableRef.current?.querySelector(`tr[data-index="${cursor}"]`)?.scrollIntoView({ block: "nearest" });
  }, [cursor]);

  const [bulkAssignee, setBulkAssignee] = useState("");
  const [bulkStatus, setBulkStatus] = useState("");
  const bulk = useMutation({
    mutationFn: (change: Record<string, unknown>) =>
      api<{ updated: string[]; failed: Array<{ key: string; message: string }> }>("/api/issues/bulk", {
        method: "POST",
        body: { keys: [...selected], change },
      }),
    onSuccess: () => {
      setSelected(new Set());
      void qc.invalidateQueries({ queryKey: ["issues"] });
    },
  });

  const canBulk = role === "admin" || role === "analyst";
  const title = mine ? "My issues" : "Issues";

  return (
    <section aria-labelledby="issues-title">
      <div className="page-head">
        <h1 id="issues-title">{title}</h1>
        <span className="muted">
          {issues.isSuccess ? `${rows.length}${issues.hasNextPage ? "+" : ""} shown` : ""} · keys: j/k move, x
          select, Enter open, / search
        </span>
      </div>
      <div className="filters" role="group" aria-label="Filters">
        <fieldset>
          <legend>Severity</legend>
          {SEVERITIES.map((s) => (
            <label key={s} className={`chip sev-${s}`}>
              <input
                type="checkbox"
                name={`severity-${s}`}
                checked={severity.split(",").includes(s)}
                onChange={() => set("severity", toggleCsv(severity, s))}
              />
              {s}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Status</legend>
          {STATUSES.map((s) => (
            <label key={s} className="chip">
              <input
                type="checkbox"
                name={`status-${s}`}
                checked={status.split(",").includes(s)}
                onChange={() => set("status", toggleCsv(status, s) || "")}
              />
              {s.replace("_", " ")}
            </label>
          ))}
        </fieldset>
        <label>
          Sort
          <select value={sort} onChange={(e) => set("sort", e.target.value)}>
            {Object.entries(SORTS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input
            id="issue-search"
            type="search"
            value={q}
            onChange={(e) => set("q", e.target.value)}
            placeholder="key, title, asset"
          />
        </label>
      </div>

      {canBulk && selected.size > 0 ? (
        <div className="bulkbar" role="region" aria-label="Bulk actions">
          <span>{selected.size} selected</span>
          <input
            aria-label="Assign selected to (e-mail)"
            placeholder="assign to e-mail"
            value={bulkAssignee}
            onChange={(e) => setBulkAssignee(e.target.value)}
          />
          <button
            type="button"
            disabled={!bulkAssignee || bulk.isPending}
            onClick={() => bulk.mutate({ assignee: { user: bulkAssignee } })}
          >
            Assign
          </button>
          <select
            aria-label="Set status of selected"
            value={bulkStatus}
            onChange={(e) => setBulkStatus(e.target.value)}
          >
            <option value="">status…</option>
            {STATUSES.filter((s) => s !== "resolved").map((s) => (
              <option key={s} value={s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={!bulkStatus || bulk.isPending}
            onClick={() => bulk.mutate({ status: bulkStatus })}
          >
            Set status
          </button>
          {bulk.data?.failed.length ? (
            <span className="form-error">
              {bulk.data.failed.length} refused: {bulk.data.failed[0]?.message}
            </span>
          ) : null}
          {bulk.isError ? <span className="form-error">{bulk.error.message}</span> : null}
        </div>
      ) : null}

      {issues.isPending ? (
        <Loading what="issues" />
      ) : issues.isError ? (
        <ErrorState error={issues.error} what="issues" />
      ) : rows.length === 0 ? (
        <Empty>
          {mine
            ? "Nothing is assigned to you or your team with these filters."
            : "No issues match these filters."}{" "}
          {severity || status !== DEFAULT_STATUS || q ? (
            <Link to={mine ? "/my" : "/issues"}>Clear filters</Link>
          ) : null}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="issues">
            <thead>
              <tr>
                {canBulk ? (
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label="Select all shown"
                      checked={selected.size > 0 && selected.size === rows.length}
                      onChange={(e) =>
                        setSelected(e.target.checked ? new Set(rows.map((r) => r.alias)) : new Set())
                      }
                    />
                  </th>
                ) : null}
                <th scope="col">Key</th>
                <th scope="col">Severity</th>
                <th scope="col" aria-sort={sort === "score" ? "descending" : "none"}>
                  <button type="button" className="link" onClick={() => set("sort", "score")}>
                    Score
                  </button>
                </th>
                <th scope="col">Title</th>
                <th scope="col">Status</th>
                <th scope="col">Assignee</th>
                <th scope="col" aria-sort={sort === "firstSeen" ? "ascending" : "none"}>
                  <button type="button" className="link" onClick={() => set("sort", "firstSeen")}>
                    First seen
                  </button>
                </th>
                <th scope="col" aria-sort={sort === "dueAt" ? "ascending" : "none"}>
                  <button type="button" className="link" onClick={() => set("sort", "dueAt")}>
                    Due
                  </button>
                </th>
              </tr>
            </thead>
            <tbody ref={tableRef}>
              {rows.map((i, n) => (
                <tr
                  key={i.key}
                  data-index={n}
                  className={n === cursor ? "cursor" : undefined}
                  data-selected={selected.has(i.alias) ? "true" : undefined}
                >
                  {canBulk ? (
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${i.alias}`}
                        checked={selected.has(i.alias)}
                        onChange={() =>
                          setSelected((s) => {
                            const x = new Set(s);
                            if (x.has(i.alias)) x.delete(i.alias);
                            else x.add(i.alias);
                            return x;
                          })
                        }
                      />
                    </td>
                  ) : null}
                  <td className="mono">
                    <Link to={issuePath(i.alias)}>{i.alias}</Link>
                  </td>
                  <td>
                    <SeverityBadge severity={i.severity} />
                  </td>
                  <td className="num">{i.score.toFixed(1)}</td>
                  <td className="title-cell">
                    <Link to={issuePath(i.alias)}>{i.title}</Link>
                    {i.demo ? <span className="badge demo">demo</span> : null}
                  </td>
                  <td>
                    <StatusBadge status={i.status} />
                  </td>
                  <td>{i.assignee.user ?? i.assignee.team ?? <span className="muted">—</span>}</td>
                  <td>{fmtDate(i.firstSeen)}</td>
                  <td>{fmtDate(i.dueAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {issues.hasNextPage ? (
            <button
              type="button"
              onClick={() => void issues.fetchNextPage()}
              disabled={issues.isFetchingNextPage}
            >
              {issues.isFetchingNextPage ? "Loading…" : "Load more"}
            </button>
          ) : null}
        </div>
      )}
    </section>
  );
}
