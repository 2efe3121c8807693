// Assets and graph explorer: search any asset (the query is in the URL), then its neighbours (each
// a link, so the graph can be walked), its findings, and the issues whose paths start or end at it.
import { Link, useParams, useSearchParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import type { Edge, Finding, Issue, Node } from "@ctem/model";
import { api, issuePath } from "../api";
import type { Page } from "../api";
import { Empty, ErrorState, Loading, SeverityBadge, StatusBadge, fmtDate } from "../ui";

export const assetPath = (id: string) => `/assets/${encodeURIComponent(id)}`;

export function AssetsPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const assets = useQuery({
    queryKey: ["assets", q],
    queryFn: () => api<Page<Node>>(`/api/assets?limit=200${q ? `&q=${encodeURIComponent(q)}` : ""}`),
  });
  return (
    <section aria-labelledby="assets-title">
      <div className="page-head">
        <h1 id="assets-title">Assets</h1>
        <span className="muted">
          search by id or name; open one to see its neighbours and the paths through it
        </span>
      </div>
      <div className="filters">
        <label>
          Search
          <input
            type="search"
            value={q}
            onChange={(e) => {
              const p = new URLSearchParams(params);
              if (e.target.value) p.set("q", e.target.value);
              else p.delete("q");
              setParams(p, { replace: true });
            }}
            placeholder="i-0abc, bucket name, arn…"
          />
        </label>
      </div>
      {assets.isPending ? (
        <Loading what="assets" />
      ) : assets.isError ? (
        <ErrorState error={assets.error} what="assets" />
      ) : assets.data.items.length === 0 ? (
        <Empty>{q ? `No asset matches "${q}".` : "No assets yet: scan a scope or import a report."}</Empty>
      ) : (
        <table className="issues compact">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Kind</th>
              <th scope="col">Account</th>
              <th scope="col">Region</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {assets.data.items.map((n) => (
              <tr key={n.id}>
                <td>
                  <Link to={assetPath(n.id)}>{n.name || n.id}</Link>
                </td>
                <td className="mono">{n.type}</td>
                <td>{n.kind}</td>
                <td className="mono">{n.accountId ?? "—"}</td>
                <td>{n.region ?? "—"}</td>
                <td>{fmtDate(n.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {assets.data?.next ? <p className="muted">Showing the first 200; narrow the search.</p> : null}
    </section>
  );
}

interface AssetDetail {
  asset: Node;
  edges: Edge[];
  findings: Page<Finding>;
  issues: Array<Pick<Issue, "key" | "alias" | "title" | "severity" | "status">>;
}

export function AssetPage() {
  const { id = "" } = useParams();
  const d = useQuery({
    queryKey: ["asset", id],
    queryFn: () => api<AssetDetail>(`/api/assets/${encodeURIComponent(id)}`),
  });
  if (d.isPending) return <Loading what="the asset" />;
  if (d.isError) return <ErrorState error={d.error} what="the asset" />;
  const { asset, edges, findings, issues } = d.data;
  const out = edges.filter((e) => e.from === asset.id);
  const inc = edges.filter((e) => e.to === asset.id);
  const edgeList = (list: Edge[], dir: "out" | "in") =>
    list.length === 0 ? (
      <p className="muted">None.</p>
    ) : (
      <ul className="edges">
        {list.map((e, n) => {
          const other = dir === "out" ? e.to : e.from;
          return (
            <li key={n}>
              <span className="edge">{e.kind}</span> {dir === "out" ? "→" : "←"}{" "}
              <Link to={assetPath(other)} className="mono">
                {other}
              </Link>
              {e.derived ? <span className="badge">derived</span> : null}
            </li>
          );
        })}
      </ul>
    );
  return (
    <article aria-labelledby="asset-title">
      <div className="crumbs">
        <Link to="/assets">Assets</Link> / <span className="mono">{asset.name}</span>
      </div>
      <h1 id="asset-title">{asset.name || asset.id}</h1>
      <p className="muted mono">{asset.id}</p>
      <p>
        {asset.type} · {asset.kind} · {asset.provider}
        {asset.accountId ? ` · account ${asset.accountId}` : ""}
        {asset.region ? ` · ${asset.region}` : ""}
      </p>
      <div className="issue-grid">
        <div className="col-main">
          <section className="card" aria-labelledby="paths-title">
            <h2 id="paths-title">Issues through this asset</h2>
            {issues.length === 0 ? (
              <Empty>No issue starts or ends here.</Empty>
            ) : (
              <ul>
                {issues.map((i) => (
                  <li key={i.key}>
                    <Link to={issuePath(i.alias)}>{i.alias}</Link> <SeverityBadge severity={i.severity} />{" "}
                    <StatusBadge status={i.status} /> {i.title}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="card" aria-labelledby="nb-title">
            <h2 id="nb-title">Neighbours</h2>
            <h3>Outgoing ({out.length})</h3>
            {edgeList(out, "out")}
            <h3>Incoming ({inc.length})</h3>
            {edgeList(inc, "in")}
          </section>
        </div>
        <div className="col-side">
          <section className="card" aria-labelledby="find-title">
            <h2 id="find-title">Findings</h2>
            {findings.items.length === 0 ? (
              <Empty>No findings.</Empty>
            ) : (
              <ul className="findings">
                {findings.items.map((f) => (
                  <li key={f.key}>
                    <span className="mono">{f.ruleId}</span>{" "}
                    {f.package ? <span className="muted">{f.package}</span> : null}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="card" aria-labelledby="tags-title">
            <h2 id="tags-title">Tags</h2>
            {Object.keys(asset.tags).length === 0 ? (
              <p className="muted">No tags.</p>
            ) : (
              <dl className="detail">
                {Object.entries(asset.tags).map(([k, v]) => (
                  <div key={k}>
                    <dt>{k}</dt>
                    <dd className="mono">{v}</dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
        </div>
      </div>
    </article>
  );
}
