// Scans: the run history (newest first, per-collector results) and a run's live progress, streamed
// from the server as server-sent events while it runs.
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ScanRun } from "@ctem/model";
import { api } from "../api";
import type { Page } from "../api";
import { Empty, ErrorState, Loading } from "../ui";

function Live({ id }: { id: string }) {
  const qc = useQueryClient();
  const [events, setEvents] = useState<string[]>([]);
  const [done, setDone] = useState(false);
  useEffect(() => {
    const es = new EventSource(`/api/scans/${encodeURIComponent(id)}/events`);
    es.onmessage = (m: MessageEvent<string>) => {
      const e = JSON.parse(m.data) as { t: string; status?: string; collector?: string; message?: string };
      setEvents((x) => [...x, [e.t, e.collector, e.status, e.message].filter(Boolean).join(" · ")]);
      if (e.t === "done") {
        setDone(true);
        es.close();
        void qc.invalidateQueries({ queryKey: ["scans"] });
      }
    };
    es.onerror = () => {
      setDone(true);
      es.close();
    };
    return () => es.close();
  }, [id, qc]);
  return (
    <section className="card" aria-labelledby="live-title" aria-live="polite">
      <h2 id="live-title">
        Run <span className="mono">{id}</span>{" "}
        {done ? "" : <span className="spinner" role="img" aria-label="running" />}
      </h2>
      {done ? <RunResult id={id} /> : null}
      {events.length === 0 ? (
        <p className="muted">Waiting for progress…</p>
      ) : (
        <ol className="history">
          {events.map((e, n) => (
            <li key={n} className="mono">
              {e}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** A finished run's collectors as recorded: what each read, and why a failed one failed. */
function RunResult({ id }: { id: string }) {
  const run = useQuery({
    queryKey: ["scan", id],
    queryFn: () => api<ScanRun>(`/api/scans/${encodeURIComponent(id)}`),
  });
  if (run.isPending) return <Loading what="the run's result" />;
  if (run.isError) return <ErrorState error={run.error} what="the run's result" />;
  const r = run.data;
  return (
    <div className="run-result">
      <p>
        Finished <span className={`badge status status-${r.status}`}>{r.status}</span>
        {r.finishedAt ? ` at ${r.finishedAt.slice(0, 19).replace("T", " ")} UTC` : ""}.
      </p>
      {r.collectors.length === 0 ? (
        <p className="muted">No collector ran.</p>
      ) : (
        <ul className="collectors">
          {r.collectors.map((c, n) => (
            <li key={n}>
              <span className="mono">
                {c.collector} · {c.region}
              </span>{" "}
              <span className={c.status === "failed" ? "form-error" : "ok"}>{c.status}</span>
              {c.message ? <span className="muted"> — {c.message}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ScansPage() {
  const [params] = useSearchParams();
  const live = params.get("run");
  const scans = useQuery({
    queryKey: ["scans"],
    queryFn: () => api<Page<ScanRun>>("/api/scans?limit=50"),
    refetchInterval: 10_000,
  });
  return (
    <section aria-labelledby="scans-title">
      <div className="page-head">
        <h1 id="scans-title">Scans</h1>
        <span className="muted">start a scan from a scope in Settings</span>
      </div>
      {live ? <Live id={live} /> : null}
      {scans.isPending ? (
        <Loading what="scans" />
      ) : scans.isError ? (
        <ErrorState error={scans.error} what="scans" />
      ) : scans.data.items.length === 0 ? (
        <Empty>No scans yet.</Empty>
      ) : (
        <table className="issues compact">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Trigger</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Finished</th>
              <th scope="col">Collectors</th>
            </tr>
          </thead>
          <tbody>
            {scans.data.items.map((r) => {
              const failed = r.collectors.filter((c) => c.status === "failed");
              return (
                <tr key={r.id}>
                  <td className="mono">{r.id}</td>
                  <td>{r.trigger.kind}</td>
                  <td>
                    <span className={`badge status status-${r.status}`}>{r.status}</span>
                  </td>
                  <td>{r.startedAt.slice(0, 16).replace("T", " ")}</td>
                  <td>{r.finishedAt ? r.finishedAt.slice(0, 16).replace("T", " ") : "—"}</td>
                  <td>
                    {r.collectors.length - failed.length} ok
                    {failed.length ? (
                      <span className="form-error">
                        {" "}
                        · {failed.length} failed ({failed.map((c) => c.collector).join(", ")})
                      </span>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
