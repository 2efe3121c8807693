// Admin settings about people: a user's password reset (a one-time password, shown once), teams
// (issues are assigned to teams; a user belongs to one: add, rename, delete, members) and single
// sign-on (OIDC; the client secret is write-only and never shown).
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

/** After a team change: teams, users (their team), settings (owner mappings) and issues (assignees). */
function useTeamsChanged() {
  const qc = useQueryClient();
  return (what: "members" | "all") => {
    void qc.invalidateQueries({ queryKey: ["teams"] });
    void qc.invalidateQueries({ queryKey: ["users"] });
    if (what === "all") {
      void qc.invalidateQueries({ queryKey: ["settings"] });
      void qc.invalidateQueries({ queryKey: ["issues"] });
      void qc.invalidateQueries({ queryKey: ["issue"] });
    }
  };
}

const teamUrl = (t: Team, rest = "") => `/api/teams/${encodeURIComponent(t.id)}${rest}`;

/** The team's name, or a form renaming it (Escape cancels; focus returns to the Rename button). */
function TeamNameCell({ team, editing, onDone }: { team: Team; editing: boolean; onDone: () => void }) {
  const changed = useTeamsChanged();
  const [name, setName] = useState(team.name);
  const rename = useMutation({
    mutationFn: () =>
      api<{ team: Team; issuesMoved: number }>(teamUrl(team), {
        method: "PATCH",
        body: { name: name.trim() },
      }),
    onSuccess: () => {
      changed("all");
      onDone();
    },
  });
  if (!editing) return <>{team.name}</>;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (name.trim() === team.name) onDone();
    else rename.mutate();
  }
  return (
    <form
      className="row-fields"
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === "Escape") onDone();
      }}
    >
      <input
        aria-label={`New name for team ${team.name}`}
        value={name}
        onChange={(e) => setName(e.target.value)}
        required
        maxLength={128}
        autoFocus
        size={14}
      />
      <button type="submit" disabled={rename.isPending || !name.trim()}>
        Save name
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {rename.isError ? (
        <span className="form-error" role="alert">
          {rename.error.message}
        </span>
      ) : null}
    </form>
  );
}

/** The members, each removable, and a picker adding anyone else (moving them from their team). */
function TeamMembers({ team, users }: { team: Team; users: User[] | undefined }) {
  const changed = useTeamsChanged();
  const [pick, setPick] = useState("");
  const change = useMutation({
    mutationFn: (c: { userId: string; add: boolean }) =>
      api<{ user: User }>(teamUrl(team, `/members/${encodeURIComponent(c.userId)}`), {
        method: c.add ? "PUT" : "DELETE",
      }),
    onSuccess: (_r, c) => {
      if (c.add) setPick("");
      changed("members");
    },
  });
  if (users === undefined) return <span className="muted">—</span>;
  const members = users.filter((u) => u.team === team.name);
  const others = users.filter((u) => u.team !== team.name);
  return (
    <>
      {members.length === 0 ? (
        <span className="muted">nobody</span>
      ) : (
        <ul className="team-members" aria-label={`Members of ${team.name}`}>
          {members.map((u) => (
            <li key={u.id}>
              <span>{u.email}</span>{" "}
              <button
                type="button"
                className="link"
                aria-label={`Remove ${u.email} from ${team.name}`}
                disabled={change.isPending}
                onClick={() => change.mutate({ userId: u.id, add: false })}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 ? (
        <form
          className="row-fields"
          onSubmit={(e) => {
            e.preventDefault();
            if (pick) change.mutate({ userId: pick, add: true });
          }}
        >
          <select
            aria-label={`Add a member to ${team.name}`}
            value={pick}
            onChange={(e) => setPick(e.target.value)}
          >
            <option value="">choose a user…</option>
            {others.map((u) => (
              <option key={u.id} value={u.id}>
                {u.email}
                {u.team ? ` (moves from ${u.team})` : ""}
              </option>
            ))}
          </select>
          <button
            type="submit"
            disabled={!pick || change.isPending}
            aria-label={`Add member to ${team.name}`}
          >
            Add member
          </button>
        </form>
      ) : null}
      {change.isError ? (
        <p className="form-error" role="alert">
          {change.error.message}
        </p>
      ) : null}
    </>
  );
}

/** Rename and delete; deleting asks first and says what happens to members and issues. */
function TeamActions({
  team,
  members,
  renaming,
  onRename,
  onDeleted,
}: {
  team: Team;
  members: number | undefined;
  renaming: boolean;
  onRename: () => void;
  onDeleted: (msg: string) => void;
}) {
  const changed = useTeamsChanged();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () =>
      api<{ membersRemoved: number; issuesUnassigned: number }>(teamUrl(team), { method: "DELETE" }),
    onSuccess: (r) => {
      onDeleted(
        `Deleted team ${team.name}: ${r.membersRemoved} member${r.membersRemoved === 1 ? "" : "s"} now in no team, ${r.issuesUnassigned} issue${r.issuesUnassigned === 1 ? "" : "s"} unassigned from it.`,
      );
      changed("all");
    },
  });
  if (confirming)
    return (
      <span
        role="group"
        aria-label={`Confirm deleting team ${team.name}`}
        onKeyDown={(e) => {
          if (e.key === "Escape") setConfirming(false);
        }}
      >
        <span>
          Delete {team.name}?{" "}
          {members === undefined ? "Its members" : `Its ${members} member${members === 1 ? "" : "s"}`} will be
          in no team and its issues unassigned from it.
        </span>{" "}
        <button
          type="button"
          className="danger"
          autoFocus
          disabled={remove.isPending}
          onClick={() => remove.mutate()}
        >
          Delete team
        </button>{" "}
        <button type="button" onClick={() => setConfirming(false)}>
          Cancel
        </button>
        {remove.isError ? (
          <span className="form-error" role="alert">
            {" "}
            {remove.error.message}
          </span>
        ) : null}
      </span>
    );
  return (
    <>
      <button
        type="button"
        id={`rename-${team.id}`}
        onClick={onRename}
        disabled={renaming}
        aria-label={`Rename team ${team.name}`}
      >
        Rename
      </button>{" "}
      <button type="button" onClick={() => setConfirming(true)} aria-label={`Delete team ${team.name}`}>
        Delete
      </button>
    </>
  );
}

/**
 * Teams: add, rename, delete, and their members. `users` is the users table's data (undefined
 * while it loads or when it failed: the users section says which).
 */
export function Teams({ users }: { users: User[] | undefined }) {
  const qc = useQueryClient();
  const teams = useQuery({ queryKey: ["teams"], queryFn: () => api<{ items: Team[] }>("/api/teams") });
  const [name, setName] = useState("");
  const [renaming, setRenaming] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api<{ team: Team }>("/api/teams", { method: "POST", body: { name: name.trim() } }),
    onSuccess: () => {
      setName("");
      setNotice(null);
      void qc.invalidateQueries({ queryKey: ["teams"] });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  /** Focus back on the row's Rename button when the rename form closes. */
  function doneRenaming(id: string) {
    setRenaming(null);
    requestAnimationFrame(() => document.getElementById(`rename-${id}`)?.focus());
  }
  return (
    <section aria-labelledby="teams-title">
      <h3 id="teams-title">Teams</h3>
      {notice ? (
        <p className="notice" role="status" id="teams-notice" tabIndex={-1}>
          {notice}
        </p>
      ) : null}
      {teams.isPending ? (
        <Loading what="teams" />
      ) : teams.isError ? (
        <ErrorState error={teams.error} what="teams" />
      ) : teams.data.items.length === 0 ? (
        <Empty>No teams yet. Issues can be assigned to a team; add one below.</Empty>
      ) : (
        <table className="issues compact" aria-labelledby="teams-title">
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Members</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {teams.data.items.map((t) => (
              <tr key={t.id}>
                <td>
                  <TeamNameCell
                    key={`${t.id}:${t.name}:${renaming === t.id}`}
                    team={t}
                    editing={renaming === t.id}
                    onDone={() => doneRenaming(t.id)}
                  />
                </td>
                <td>
                  <TeamMembers team={t} users={users} />
                </td>
                <td>{fmtDate(t.createdAt)}</td>
                <td className="actions">
                  <TeamActions
                    team={t}
                    members={users?.filter((u) => u.team === t.name).length}
                    renaming={renaming === t.id}
                    onRename={() => setRenaming(t.id)}
                    onDeleted={(msg) => {
                      // The row goes: focus the outcome rather than lose it to the page.
                      setNotice(msg);
                      requestAnimationFrame(() => document.getElementById("teams-notice")?.focus());
                    }}
                  />
                </td>
              </tr>
            ))}
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
      <p className="muted">
        A user belongs to one team and sees the issues assigned to it; adding them to another team moves them.
      </p>
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
