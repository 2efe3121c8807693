// The signed-in frame: navigation, theme switch, the demo banner, and the gate that sends a visitor
// without a session to /login?next=<the page they asked for>.
import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { NavLink, Navigate, Outlet, useLocation, useNavigate } from "react-router";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api";
import type { Health } from "../api";
import { useMe } from "../auth";
import { ErrorState, Loading, useTheme } from "../ui";
import { safeNext } from "../next";

export function useHealth() {
  return useQuery({ queryKey: ["health"], queryFn: () => api<Health>("/api/health"), staleTime: 60_000 });
}

export function DemoBanner() {
  const health = useHealth();
  if (!health.data?.data.demo) return null;
  return (
    <section className="demo-banner" aria-label="Demo data">
      <strong>Demo data.</strong> You are looking at the synthetic demo estate (everything marked demo). The
      first real scan or import removes it.
    </section>
  );
}

export function Shell() {
  const me = useMe();
  const loc = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [theme, toggleTheme] = useTheme();

  useEffect(() => {
    const next = sessionStorage.getItem("ctem-next");
    if (me.data && next) {
      sessionStorage.removeItem("ctem-next");
      if (loc.pathname === "/") void navigate(safeNext(next), { replace: true });
    }
  }, [me.data, loc.pathname, navigate]);

  if (me.isPending) return <Loading what="your session" />;
  if (me.isError) return <ErrorState error={me.error} what="your session" />;
  if (!me.data) {
    const next = loc.pathname + loc.search;
    return <Navigate to={next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  const { user, role } = me.data;

  async function logout() {
    await api("/api/auth/logout", { method: "POST" }).catch(() => undefined);
    qc.setQueryData(["me"], null);
    qc.clear();
    void navigate("/login");
  }

  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">ctem</span>
        <nav aria-label="Main">
          {role !== "developer" ? (
            <NavLink to="/" end>
              Dashboard
            </NavLink>
          ) : null}
          {role !== "developer" ? (
            <NavLink to="/issues" end>
              Issues
            </NavLink>
          ) : null}
          <NavLink to="/my">My issues</NavLink>
          {role !== "developer" ? <NavLink to="/assets">Assets</NavLink> : null}
          {role !== "developer" ? <NavLink to="/scans">Scans</NavLink> : null}
          <NavLink to="/exports">Exports</NavLink>
          {role !== "developer" ? <NavLink to="/settings">Settings</NavLink> : null}
          {role === "admin" ? <NavLink to="/audit">Audit log</NavLink> : null}
        </nav>
        <span className="spacer" />
        <button type="button" className="ghost" onClick={toggleTheme}>
          {theme === "dark" ? "Light theme" : "Dark theme"}
        </button>
        <span className="who" title={role}>
          {user.email} · {role}
        </span>
        <button type="button" className="ghost" onClick={() => void logout()}>
          Sign out
        </button>
      </header>
      <DemoBanner />
      <main id="main" tabIndex={-1}>
        {user.mustChangePassword ? (
          <ChangePassword />
        ) : role === "developer" && loc.pathname === "/" ? (
          <Navigate to="/my" replace />
        ) : (
          <Outlet />
        )}
      </main>
    </div>
  );
}

function ChangePassword() {
  const qc = useQueryClient();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await api("/api/auth/password", {
        method: "POST",
        body: { currentPassword: current, newPassword: next },
      });
      await qc.invalidateQueries({ queryKey: ["me"] });
    } catch (err) {
      setError(err instanceof Error ? err.message : "failed");
    }
  }
  return (
    <form className="card narrow" onSubmit={(e) => void submit(e)}>
      <h1>Choose a new password</h1>
      <p>You signed in with a one-time password; choose your own (at least 12 characters).</p>
      <label>
        Current password
        <input type="password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
      </label>
      <label>
        New password
        <input
          type="password"
          minLength={12}
          value={next}
          onChange={(e) => setNext(e.target.value)}
          required
        />
      </label>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <button className="primary" type="submit">
        Change password
      </button>
    </form>
  );
}
