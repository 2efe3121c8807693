// Settings for admins: scopes (AWS: create one, then see the external id for the scanner role's
// trust policy) and users (read). Where the API has no route yet, the page says so.
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Scope, User } from "@ctem/model";
import { Link, useNavigate } from "react-router";
import { ApiError, api } from "../api";
import { useMe } from "../auth";
import { Empty, ErrorState, Loading } from "../ui";
import { CrownJewelSettings, NewUser, SlaSettings, Tokens, Webhooks } from "./SettingsMore";
import { PasswordReset, SsoSettings, Teams } from "./People";

type ScopeOut = Scope & { include: string[]; exclude: string[] };

/** One user: role, team and disabled are changed in place (PATCH /api/users/:id). */
function UserRow({ user: u }: { user: User }) {
  const qc = useQueryClient();
  const [team, setTeam] = useState(u.team ?? "");
  const update = useMutation({
    mutationFn: (patch: { role?: string; team?: string | null; disabled?: boolean }) =>
      api(`/api/users/${encodeURIComponent(u.id)}`, { method: "PATCH", body: patch }),
    onSuccess: () => {
      // A new team name creates the team: the Teams list shows it.
      void qc.invalidateQueries({ queryKey: ["users"] });
      void qc.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  return (
    <tr>
      <td>{u.email}</td>
      <td>
        <select
          aria-label={`Role of ${u.email}`}
          value={u.role}
          disabled={update.isPending}
          onChange={(e) => update.mutate({ role: e.target.value })}
        >
          <option value="developer">developer</option>
          <option value="analyst">analyst</option>
          <option value="admin">admin</option>
        </select>
      </td>
      <td>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            update.mutate({ team: team.trim() || null });
          }}
        >
          <input
            aria-label={`Team of ${u.email}`}
            value={team}
            onChange={(e) => setTeam(e.target.value)}
            size={12}
          />
        </form>
      </td>
      <td>
        {u.source}
        {u.disabled ? " (disabled)" : ""}
      </td>
      <td>
        <button
          type="button"
          onClick={() => update.mutate({ disabled: !u.disabled })}
          disabled={update.isPending}
        >
          {u.disabled ? "Enable" : "Disable"}
        </button>
        {u.source === "local" ? <PasswordReset user={u} /> : null}
        {update.isError ? <span className="form-error"> {update.error.message}</span> : null}
      </td>
    </tr>
  );
}

function ScanNow({ id, name }: { id: string; name: string }) {
  const navigate = useNavigate();
  const scan = useMutation({
    mutationFn: () => api<{ id: string }>(`/api/scopes/${encodeURIComponent(id)}/scans`, { method: "POST" }),
    onSuccess: (run) => void navigate(`/scans?run=${encodeURIComponent(run.id)}`),
  });
  return (
    <>
      <button
        type="button"
        onClick={() => scan.mutate()}
        disabled={scan.isPending}
        aria-label={`Scan now: ${name}`}
      >
        Scan now
      </button>
      {scan.isError ? <span className="form-error"> {scan.error.message}</span> : null}
    </>
  );
}

function NewAwsScope() {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [account, setAccount] = useState("");
  const [role, setRole] = useState("");
  const [regions, setRegions] = useState("");
  const [inspector2, setInspector2] = useState(false);
  const create = useMutation({
    mutationFn: () =>
      api<ScopeOut>("/api/scopes", {
        method: "POST",
        body: {
          name: name.trim(),
          provider: "aws",
          config: {
            accountId: account.trim(),
            roleArn: role.trim(),
            regions: regions
              .split(",")
              .map((r) => r.trim())
              .filter(Boolean),
            inspector2,
          },
        },
      }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["scopes"] }),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  const made = create.data;
  const cfg = made?.config as { externalId?: string; accountId?: string } | undefined;
  return (
    <form onSubmit={submit} className="scope-form" aria-labelledby="new-scope-title">
      <h3 id="new-scope-title">New AWS scope</h3>
      <div className="row">
        <label>
          Name
          <input name="scope-name" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Account id
          <input
            name="scope-account"
            required
            pattern="\d{12}"
            title="12 digits"
            value={account}
            onChange={(e) => setAccount(e.target.value)}
          />
        </label>
        <label className="wide">
          Scanner role ARN
          <input
            name="scope-role"
            required
            placeholder="arn:aws:iam::123456789012:role/ctem-scanner"
            value={role}
            onChange={(e) => setRole(e.target.value)}
          />
        </label>
        <label>
          Regions (empty: all enabled)
          <input
            name="scope-regions"
            placeholder="eu-west-1,us-east-1"
            value={regions}
            onChange={(e) => setRegions(e.target.value)}
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={inspector2} onChange={(e) => setInspector2(e.target.checked)} />{" "}
          Inspector2 findings
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create scope
        </button>
      </div>
      {create.isError ? (
        <p className="form-error" role="alert">
          {create.error.message}
        </p>
      ) : null}
      {made && cfg?.externalId ? (
        <div className="notice" role="status">
          Scope <strong>{made.name}</strong> created. Put this external id in the scanner role's trust policy
          (condition <code>sts:ExternalId</code>): <code className="external-id">{cfg.externalId}</code>
          <p>
            <Link to={`/settings/scopes/${encodeURIComponent(made.id)}`}>Open the guided setup</Link>: the
            scanner policy and the CloudFormation template with this external id filled in.
          </p>
        </div>
      ) : null}
    </form>
  );
}

export function SettingsPage() {
  const me = useMe();
  const admin = me.data?.role === "admin";
  const users = useQuery({
    queryKey: ["users"],
    queryFn: () => api<{ items: User[] }>("/api/users"),
    enabled: admin,
  });
  const scopes = useQuery({
    queryKey: ["scopes"],
    queryFn: async () => {
      try {
        return {
          available: true,
          items: (await api<{ items: ScopeOut[] }>("/api/scopes")).items,
        };
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return { available: false, items: [] };
        throw e;
      }
    },
  });
  return (
    <section aria-labelledby="settings-title">
      <div className="page-head">
        <h1 id="settings-title">Settings</h1>
      </div>
      <section className="card" aria-labelledby="scopes-title">
        <h2 id="scopes-title">Scopes</h2>
        {scopes.isPending ? (
          <Loading what="scopes" />
        ) : scopes.isError ? (
          <ErrorState error={scopes.error} what="scopes" />
        ) : !scopes.data.available ? (
          <p className="notice" role="note">
            This server has no scope API; use{" "}
            <code>ctem scope add NAME --provider aws --account ID --role-arn ARN</code>.
          </p>
        ) : (
          <>
            {scopes.data.items.length === 0 ? (
              <Empty>No scopes yet: add the first AWS account below.</Empty>
            ) : (
              <table className="issues compact">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Provider</th>
                    <th scope="col">Account</th>
                    <th scope="col">External id</th>
                    <th scope="col">Regions</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {scopes.data.items.map((sc) => {
                    const c = sc.config as { accountId?: string; externalId?: string; regions?: string[] };
                    return (
                      <tr key={sc.id}>
                        <td>{sc.name}</td>
                        <td>{sc.provider}</td>
                        <td className="mono">{c.accountId ?? "—"}</td>
                        <td className="mono">{c.externalId ?? "—"}</td>
                        <td>{c.regions?.length ? c.regions.join(", ") : "all enabled"}</td>
                        <td className="actions">
                          {admin ? (
                            <>
                              <ScanNow id={sc.id} name={sc.name} />{" "}
                              <Link
                                to={`/settings/scopes/${encodeURIComponent(sc.id)}`}
                                aria-label={`Set up and edit ${sc.name}`}
                              >
                                Set up and edit
                              </Link>
                            </>
                          ) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
            {admin ? <NewAwsScope /> : null}
          </>
        )}
      </section>
      <section className="card" aria-labelledby="prio-title">
        <h2 id="prio-title">Prioritisation</h2>
        <SlaSettings admin={admin} />
        <CrownJewelSettings admin={admin} />
      </section>
      {admin ? (
        <section className="card" aria-labelledby="hooks-title">
          <h2 id="hooks-title">Webhooks</h2>
          <Webhooks />
        </section>
      ) : null}
      <section className="card" aria-labelledby="tokens-title">
        <h2 id="tokens-title">Your API tokens</h2>
        <Tokens />
      </section>
      {admin ? (
        <section className="card" aria-labelledby="users-title">
          <h2 id="users-title">Users</h2>
          <NewUser />
          {users.isPending ? (
            <Loading what="users" />
          ) : users.isError ? (
            <ErrorState error={users.error} what="users" />
          ) : (
            <table className="issues compact">
              <thead>
                <tr>
                  <th scope="col">E-mail</th>
                  <th scope="col">Role</th>
                  <th scope="col">Team</th>
                  <th scope="col">Sign-in</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((u) => (
                  // Keyed by team too: a team renamed or a member moved in Teams below refreshes the field.
                  <UserRow key={`${u.id}:${u.team ?? ""}`} user={u} />
                ))}
              </tbody>
            </table>
          )}
          <Teams users={users.data?.items} />
        </section>
      ) : null}
      {admin ? (
        <section className="card" aria-labelledby="sso-title">
          <h2 id="sso-title">Single sign-on</h2>
          <SsoSettings />
        </section>
      ) : null}
    </section>
  );
}
