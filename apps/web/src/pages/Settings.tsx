// Settings for admins: users (read), and the AWS scope setup. The scope routes are not in the API
// yet; the form is shown disabled with that note rather than pretending to save.
import { useQuery } from "@tanstack/react-query";
import type { User } from "@ctem/model";
import { ApiError, api } from "../api";
import { Empty, ErrorState, Loading } from "../ui";

export function SettingsPage() {
  const users = useQuery({ queryKey: ["users"], queryFn: () => api<{ items: User[] }>("/api/users") });
  const scopes = useQuery({
    queryKey: ["scopes"],
    queryFn: async () => {
      try {
        return {
          available: true,
          items: (await api<{ items: Array<{ name: string; provider: string }> }>("/api/scopes")).items,
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
          <>
            <p className="notice" role="note">
              Adding scopes from the web app needs the server's scope API, which is not there yet. Until then
              use <code>ctem scope add NAME --provider aws --account ID --role-arn ARN</code>.
            </p>
            <fieldset disabled className="scope-form">
              <legend>New AWS scope</legend>
              <label>
                Name <input name="scope-name" />
              </label>
              <label>
                Account id <input name="scope-account" />
              </label>
              <label>
                Role ARN <input name="scope-role" />
              </label>
              <button type="button">Create scope</button>
            </fieldset>
          </>
        ) : scopes.data.items.length === 0 ? (
          <Empty>No scopes yet.</Empty>
        ) : (
          <ul>
            {scopes.data.items.map((s) => (
              <li key={s.name}>
                {s.name} ({s.provider})
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" aria-labelledby="users-title">
        <h2 id="users-title">Users</h2>
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
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>{u.role}</td>
                  <td>{u.team ?? "—"}</td>
                  <td>
                    {u.source}
                    {u.disabled ? " (disabled)" : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
