// Admin settings about people: a user's password reset (a one-time password, shown once), teams
// (issues are assigned to teams; a user belongs to one, set in the users table) and single sign-on
// (OIDC; the client secret is write-only and never shown).
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Team, User } from "@ctem/model";
import { api } from "../api";
import { CopyButton, Empty, ErrorState, Loading, fmtDate } from "../ui";

export function PasswordReset({ user }: { user: User }) {
  const [confirming, setConfirming] = useState(false);
  const reset = useMutation({
    mutationFn: () =>
      api<{ oneTimePassword: string }>(`/api/users/${encodeURIComponent(user.id)}/password-reset`, {
        method: "POST",
      }),
    onSuccess: () => setConfirming(false),
  });
  return (
    <>
      {" "}
      {confirming ? (
        <span role="group" aria-label={`Confirm the password reset of ${user.email}`}>
          <button type="button" className="danger" onClick={() => reset.mutate()} disabled={reset.isPending}>
            Reset and sign them out
          </button>{" "}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button
          type="button"
          onClick={() => setConfirming(true)}
          aria-label={`Reset password of ${user.email}`}
        >
          Reset password
        </button>
      )}
      {reset.data ? (
        <div className="notice" role="status">
          {user.email}'s one-time password (shown once; they choose their own at the next sign-in):{" "}
          <code className="otp">{reset.data.oneTimePassword}</code>{" "}
          <CopyButton text={reset.data.oneTimePassword} label="password" />
        </div>
      ) : null}
      {reset.isError ? <span className="form-error"> {reset.error.message}</span> : null}
    </>
  );
}

export function Teams({ users }: { users: User[] }) {
  const qc = useQueryClient();
  const teams = useQuery({ queryKey: ["teams"], queryFn: () => api<{ items: Team[] }>("/api/teams") });
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () => api<{ team: Team }>("/api/teams", { method: "POST", body: { name: name.trim() } }),
    onSuccess: () => {
      setName("");
      void qc.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  const members = (team: string) => users.filter((u) => u.team === team);
  // Teams named on users but not created as teams (set before teams existed, or by SSO).
  const known = new Set(teams.data?.items.map((t) => t.name) ?? []);
  const loose = [...new Set(users.map((u) => u.team).filter((t): t is string => !!t && !known.has(t)))];
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <section aria-labelledby="teams-title">
      <h3 id="teams-title">Teams</h3>
      {teams.isPending ? (
        <Loading what="teams" />
      ) : teams.isError ? (
        <ErrorState error={teams.error} what="teams" />
      ) : teams.data.items.length === 0 && loose.length === 0 ? (
        <Empty>No teams yet. Issues can be assigned to a team; add one below.</Empty>
      ) : (
        <table className="issues compact" aria-labelledby="teams-title">
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Members</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {[
              ...teams.data.items.map((t) => ({ name: t.name, createdAt: t.createdAt })),
              ...loose.map((n) => ({ name: n, createdAt: null })),
            ].map((t) => {
              const m = members(t.name);
              return (
                <tr key={t.name}>
                  <td>{t.name}</td>
                  <td>
                    {m.length === 0 ? (
                      <span className="muted">nobody</span>
                    ) : (
                      m.map((u) => u.email).join(", ")
                    )}
                  </td>
                  <td>
                    {t.createdAt ? fmtDate(t.createdAt) : <span className="muted">named on a user only</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form className="row-fields" onSubmit={submit}>
        <label>
          New team
          <input
            name="team-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={128}
          />
        </label>
        <button type="submit" disabled={create.isPending || !name.trim()}>
          Add team
        </button>
      </form>
      <p className="muted">A user joins a team through the Team field in the users table above.</p>
      {create.isError ? (
        <p className="form-error" role="alert">
          {create.error.message}
        </p>
      ) : null}
    </section>
  );
}

interface SsoView {
  source: "env" | "stored" | "none";
  issuer: string | null;
  clientId: string | null;
  clientSecretSet: boolean;
  groupsClaim: string | null;
  roleMap: Record<string, string>;
  defaultRole: string | null;
  scopes: string[];
}

const ROLES = ["developer", "analyst", "admin"] as const;

function SsoForm({ view }: { view: SsoView }) {
  const qc = useQueryClient();
  const [issuer, setIssuer] = useState(view.issuer ?? "");
  const [clientId, setClientId] = useState(view.clientId ?? "");
  const [secret, setSecret] = useState("");
  const [groupsClaim, setGroupsClaim] = useState(view.groupsClaim ?? "groups");
  const [roleMap, setRoleMap] = useState(
    Object.entries(view.roleMap)
      .map(([g, r]) => `${g}=${r}`)
      .join("\n"),
  );
  const [defaultRole, setDefaultRole] = useState(view.defaultRole ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<SsoView>("/api/sso/config", { method: "PUT", body }),
    onSuccess: (v) => {
      setSecret("");
      qc.setQueryData(["sso"], v);
    },
  });
  const locked = view.source === "env";
  function submit(e: FormEvent) {
    e.preventDefault();
    const map: Record<string, string> = {};
    for (const [n, line] of roleMap.split("\n").entries()) {
      if (!line.trim()) continue;
      const [g, r] = line.split("=").map((x) => x.trim());
      if (!g || !r || !(ROLES as readonly string[]).includes(r)) {
        setProblem(`group mapping, line ${n + 1}: write group=role, the role one of ${ROLES.join(", ")}`);
        return;
      }
      map[g] = r;
    }
    setProblem(null);
    save.mutate({
      issuer: issuer.trim(),
      clientId: clientId.trim(),
      groupsClaim: groupsClaim.trim() || "groups",
      roleMap: map,
      defaultRole: defaultRole || null,
      ...(secret ? { clientSecret: secret } : {}),
    });
  }
  const callback = `${window.location.origin}/api/auth/sso/callback`;
  return (
    <form onSubmit={submit}>
      <p className="muted">
        {view.source === "env"
          ? "Set in the environment (CTEM_OIDC_*): read-only here."
          : view.source === "stored"
            ? "Configured here."
            : "Not configured: people sign in with local passwords only."}{" "}
        Register this redirect URI with your identity provider: <code>{callback}</code>{" "}
        <CopyButton text={callback} label="redirect URI" />
      </p>
      <fieldset disabled={locked} className="row-fields">
        <label className="wide">
          Issuer URL
          <input
            name="sso-issuer"
            type="url"
            required
            placeholder="https://login.example.com/realms/acme"
            value={issuer}
            onChange={(e) => setIssuer(e.target.value)}
          />
        </label>
        <label>
          Client id
          <input name="sso-client" required value={clientId} onChange={(e) => setClientId(e.target.value)} />
        </label>
        <label>
          Client secret {view.clientSecretSet ? "(set; empty keeps it)" : ""}
          <input
            name="sso-secret"
            type="password"
            autoComplete="off"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
        </label>
        <label>
          Groups claim
          <input name="sso-groups" value={groupsClaim} onChange={(e) => setGroupsClaim(e.target.value)} />
        </label>
        <label>
          Group → role (one group=role a line)
          <textarea
            name="sso-rolemap"
            rows={3}
            placeholder={"secops=analyst\nplatform-admins=admin"}
            value={roleMap}
            onChange={(e) => setRoleMap(e.target.value)}
          />
        </label>
        <label>
          Role without a mapped group
          <select value={defaultRole} onChange={(e) => setDefaultRole(e.target.value)}>
            <option value="">none: refuse the sign-in</option>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={save.isPending}>
          Save single sign-on
        </button>
      </fieldset>
      {(problem ?? save.error) ? (
        <p className="form-error" role="alert">
          {problem ?? save.error?.message}
        </p>
      ) : save.isSuccess ? (
        <p className="ok" role="status">
          Saved.
        </p>
      ) : null}
    </form>
  );
}

export function SsoSettings() {
  const q = useQuery({ queryKey: ["sso"], queryFn: () => api<SsoView>("/api/sso/config") });
  if (q.isPending) return <Loading what="the single sign-on configuration" />;
  if (q.isError) return <ErrorState error={q.error} what="the single sign-on configuration" />;
  return <SsoForm view={q.data} />;
}
