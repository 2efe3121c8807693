// Exports: issues as CSV or JSON (a developer gets theirs), findings as SARIF or OCSF (analysts and
// admins). Fetched here rather than followed as plain links, so a refusal shows as an error with its
// request id instead of a downloaded error body.
import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { ApiError } from "../api";
import { useMe } from "../auth";
import { ErrorState } from "../ui";

interface ExportKind {
  id: string;
  title: string;
  what: string;
  path: string;
  fallbackName: string;
  analysts: boolean;
}

const KINDS: ExportKind[] = [
  {
    id: "issues-csv",
    title: "Issues (CSV)",
    what: "Every issue, riskiest first: key, severity, score, status, assignee, due date. Spreadsheets read it.",
    path: "/api/exports/issues?format=csv",
    fallbackName: "ctem-issues.csv",
    analysts: false,
  },
  {
    id: "issues-json",
    title: "Issues (JSON)",
    what: "Every issue with its paths, evidence, factors and remediation.",
    path: "/api/exports/issues?format=json",
    fallbackName: "ctem-issues.json",
    analysts: false,
  },
  {
    id: "findings-sarif",
    title: "Findings (SARIF 2.1.0)",
    what: "Every finding, with ctem's reachability-aware priority in each result's properties.",
    path: "/api/exports/findings.sarif",
    fallbackName: "ctem-findings.sarif",
    analysts: true,
  },
  {
    id: "findings-ocsf",
    title: "Findings (OCSF 1.8.0)",
    what: "Every finding as OCSF events, for a SIEM or a security data lake.",
    path: "/api/exports/findings.ocsf",
    fallbackName: "ctem-findings.ocsf.json",
    analysts: true,
  },
];

async function download(k: ExportKind): Promise<{ name: string; bytes: number }> {
  let res: Response;
  try {
    res = await fetch(k.path, { credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "the server could not be reached");
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as {
      error?: { code: string; message: string; requestId?: string };
    } | null;
    throw new ApiError(
      res.status,
      body?.error?.code ?? `http_${res.status}`,
      body?.error?.message ?? res.statusText,
      body?.error?.requestId,
    );
  }
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? k.fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { name, bytes: blob.size };
}

function ExportRow({ k }: { k: ExportKind }) {
  const run = useMutation({ mutationFn: () => download(k) });
  return (
    <li className="card export">
      <h2 id={`${k.id}-title`}>{k.title}</h2>
      <p className="muted">{k.what}</p>
      <button
        type="button"
        onClick={() => run.mutate()}
        disabled={run.isPending}
        aria-describedby={`${k.id}-title`}
      >
        {run.isPending ? "Preparing…" : `Download ${k.title}`}
      </button>
      <div aria-live="polite">
        {run.isSuccess ? (
          <p className="ok">
            Saved <span className="mono">{run.data.name}</span> ({(run.data.bytes / 1024).toFixed(1)} KB).
          </p>
        ) : null}
      </div>
      {run.isError ? <ErrorState error={run.error} what={k.title} /> : null}
    </li>
  );
}

export function ExportsPage() {
  const role = useMe().data?.role;
  const [kinds] = useState(() => KINDS.filter((k) => !k.analysts || role !== "developer"));
  return (
    <section aria-labelledby="exports-title">
      <div className="page-head">
        <h1 id="exports-title">Exports</h1>
        <span className="muted">
          {role === "developer" ? "the issues assigned to you or your team" : "everything ctem holds"}
        </span>
      </div>
      <ul className="exports">
        {kinds.map((k) => (
          <ExportRow key={k.id} k={k} />
        ))}
      </ul>
    </section>
  );
}
