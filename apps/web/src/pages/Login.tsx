// Sign in (local password or SSO), then back to the page that was asked for (?next=).
import { useState } from "react";
import type { FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, api, setCsrfToken } from "../api";
import type { Me } from "../api";
import { useMe } from "../auth";
import { safeNext } from "../next";

export function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const me = useMe();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (me.data) return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const m = await api<Me>("/api/auth/login", { method: "POST", body: { email, password } });
      setCsrfToken(m.csrfToken);
      qc.clear();
      qc.setQueryData(["me"], m);
      void navigate(next, { replace: true });
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 429
          ? "Too many attempts; wait a minute and try again."
          : err instanceof Error
            ? err.message
            : "sign-in failed",
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form className="card login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to ctem</h1>
        <label>
          E-mail
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoFocus
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="muted">
          or{" "}
          <a
            href="/api/auth/sso/login"
            // The SSO callback lands on /; the shell returns from there to the page asked for.
            onClick={() => sessionStorage.setItem("ctem-next", next)}
          >
            sign in with single sign-on
          </a>
        </p>
      </form>
    </main>
  );
}
