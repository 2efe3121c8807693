// Small shared pieces: states (loading, empty, error, 403), badges, copy button, theme.
import { useEffect, useState } from "react";
import type { ReactNode } from "react";
import { Link } from "react-router";
import { ApiError } from "./api";

export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="state empty" role="status">
      {children}
    </div>
  );
}

export function Forbidden({ message }: { message?: string }) {
  return (
    <section className="state forbidden" aria-labelledby="forbidden-title">
      <h1 id="forbidden-title">403 — you do not have access to this</h1>
      {message ? <p>{message}</p> : null}
      <p>
        Developers see the issues assigned to them or their team. To get access, ask a ctem{" "}
        <strong>admin</strong> (who manages users and roles) or the <strong>security analyst</strong> who
        triages this issue to assign it to you or your team.
      </p>
      <p>
        <Link to="/my">Back to my issues</Link>
      </p>
    </section>
  );
}

export function ErrorState({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.status === 403) return <Forbidden message={error.message} />;
  const msg = error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert">
      <strong>Could not load {what}.</strong> {msg}
      {error instanceof ApiError && error.requestId ? (
        <div className="muted">request id: {error.requestId}</div>
      ) : null}
    </div>
  );
}

export function SeverityBadge({ severity }: { severity: string }) {
  return <span className={`badge sev-${severity}`}>{severity}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status status-${status}`}>{status.replace("_", " ")}</span>;
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Not a secure context (plain http on a LAN address): fall back to a selection copy.
    const ta = document.createElement("textarea");
    ta.value = text;
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand("copy");
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <>
      <button
        type="button"
        className="copy"
        onClick={() => {
          void copyText(text).then((ok) => {
            setState(ok ? "copied" : "failed");
            setTimeout(() => setState("idle"), 1500);
          });
        }}
      >
        {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : `Copy ${label}`}
      </button>
      <span className="sr-only" aria-live="polite">
        {state === "copied" ? `${label} copied` : state === "failed" ? `could not copy the ${label}` : ""}
      </span>
    </>
  );
}

type Theme = "light" | "dark";
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    const saved = localStorage.getItem("ctem-theme");
    if (saved === "light" || saved === "dark") return saved;
    return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  });
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem("ctem-theme", theme);
  }, [theme]);
  return [theme, () => setTheme((t) => (t === "dark" ? "light" : "dark"))];
}

export const fmtDate = (s: string | null | undefined) => (s ? new Date(s).toISOString().slice(0, 10) : "—");
