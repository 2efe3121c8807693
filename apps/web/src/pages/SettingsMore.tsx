// More of the settings page: SLA days, crown-jewel rules and pins, owner mappings (GET/PATCH
// /api/settings; a key set in ctem.config.json is read-only and says so), API tokens, new users.
import { useState } from "react";
import type { FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ApiToken, Settings, Webhook, WebhookDelivery } from "@ctem/model";
import { api } from "../api";
import type { Page } from "../api";
import { CopyButton, Empty, ErrorState, Loading, fmtDate } from "../ui";

interface SettingsOut {
  settings: Settings;
  overlayKeys: string[];
}

function useSettings() {
  return useQuery({ queryKey: ["settings"], queryFn: () => api<SettingsOut>("/api/settings") });
}

function useSaveSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: Partial<Settings>) =>
      api<SettingsOut>("/api/settings", { method: "PATCH", body: patch }),
    onSuccess: (s) => qc.setQueryData(["settings"], s),
  });
}

const OVERLAY_NOTE = "set in ctem.config.json (read-only here)";

export function SlaSettings({ admin }: { admin: boolean }) {
  const s = useSettings();
  const save = useSaveSettings();
  const [draft, setDraft] = useState<Settings["slaDays"] | null>(null);
  if (s.isPending) return <Loading what="SLAs" />;
  if (s.isError) return <ErrorState error={s.error} what="SLAs" />;
  const sla = draft ?? s.data.settings.slaDays;
  const locked = !admin || s.data.overlayKeys.includes("slaDays");
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate({ slaDays: sla }, { onSuccess: () => setDraft(null) });
  }
  return (
    <form onSubmit={submit} aria-labelledby="sla-title">
      <h3 id="sla-title">SLA: days to fix, by severity</h3>
      {s.data.overlayKeys.includes("slaDays") ? <p className="muted">{OVERLAY_NOTE}</p> : null}
      <fieldset disabled={locked} className="row-fields">
        {(["critical", "high", "medium", "low"] as const).map((k) => (
          <label key={k}>
            {k}
            <input
              type="number"
              min={1}
              name={`sla-${k}`}
              value={sla[k]}
              onChange={(e) => setDraft({ ...sla, [k]: Number(e.target.value) })}
            />
          </label>
        ))}
        <button type="submit" disabled={save.isPending || !draft}>
          Save SLAs
        </button>
      </fieldset>
      {save.isError ? <p className="form-error">{save.error.message}</p> : null}
      <p className="muted">Takes effect at the next analysis.</p>
    </form>
  );
}

export function CrownJewelSettings({ admin }: { admin: boolean }) {
  const s = useSettings();
  const save = useSaveSettings();
  const [nodeId, setNodeId] = useState("");
  const [tier, setTier] = useState(1);
  if (s.isPending) return <Loading what="crown jewels" />;
  if (s.isError) return <ErrorState error={s.error} what="crown jewels" />;
  const cj = s.data.settings.crownJewels;
  const locked = !admin || s.data.overlayKeys.includes("crownJewels");
  return (
    <section aria-labelledby="cj-title">
      <h3 id="cj-title">Crown jewels</h3>
      {s.data.overlayKeys.includes("crownJewels") ? <p className="muted">{OVERLAY_NOTE}</p> : null}
      <table className="issues compact">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Tier</th>
            <th scope="col">What it matches</th>
          </tr>
        </thead>
        <tbody>
          {cj.rules.map((r) => (
            <tr key={r.id}>
              <td className="mono">{r.id}</td>
              <td>{r.tier}</td>
              <td>{r.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Pinned</h3>
      {cj.pins.length === 0 ? (
        <p className="muted">Nothing pinned.</p>
      ) : (
        <ul>
          {cj.pins.map((p) => (
            <li key={p.nodeId}>
              <span className="mono">{p.nodeId}</span> (tier {p.tier}){" "}
              <button
                type="button"
                disabled={locked || save.isPending}
                onClick={() =>
                  save.mutate({ crownJewels: { ...cj, pins: cj.pins.filter((x) => x.nodeId !== p.nodeId) } })
                }
              >
                Unpin
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="row-fields"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(
            {
              crownJewels: { ...cj, pins: [...cj.pins.filter((x) => x.nodeId !== nodeId), { nodeId, tier }] },
            },
            { onSuccess: () => setNodeId("") },
          );
        }}
      >
        <fieldset disabled={locked} className="row-fields">
          <label>
            Asset id to pin
            <input value={nodeId} onChange={(e) => setNodeId(e.target.value)} required />
          </label>
          <label>
            Tier
            <select value={tier} onChange={(e) => setTier(Number(e.target.value))}>
              {[1, 2, 3, 4].map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Pin</button>
        </fieldset>
      </form>
      {save.isError ? <p className="form-error">{save.error.message}</p> : null}
      <h3>Owner mappings (tag → team)</h3>
      {s.data.settings.owners.mappings.length === 0 ? (
        <p className="muted">None: new issues are not assigned to a team automatically.</p>
      ) : (
        <ul>
          {s.data.settings.owners.mappings.map((m, n) => (
            <li key={n}>
              <span className="mono">
                {m.tag}={m.value}
              </span>{" "}
              → {m.team}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function Tokens() {
  const qc = useQueryClient();
  const tokens = useQuery({ queryKey: ["tokens"], queryFn: () => api<{ items: ApiToken[] }>("/api/tokens") });
  const [name, setName] = useState("");
  const create = useMutation({
    mutationFn: () =>
      api<{ token: string; info: ApiToken }>("/api/tokens", { method: "POST", body: { name } }),
    onSuccess: () => {
      setName("");
      void qc.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api/tokens/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["tokens"] }),
  });
  return (
    <div>
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.isError ? (
        <ErrorState error={tokens.error} what="tokens" />
      ) : tokens.data.items.length === 0 ? (
        <Empty>No API tokens.</Empty>
      ) : (
        <table className="issues compact">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Role</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.items.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td className="mono">{t.prefix}…</td>
                <td>{t.role}</td>
                <td>{fmtDate(t.lastUsedAt)}</td>
                <td>{t.revokedAt ? "revoked" : fmtDate(t.expiresAt)}</td>
                <td>
                  {t.revokedAt ? null : (
                    <button type="button" onClick={() => revoke.mutate(t.id)} disabled={revoke.isPending}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="row-fields"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label>
          New token name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
        </label>
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {create.data ? (
        <div className="notice" role="status">
          Copy the token now; it is not shown again: <code>{create.data.token}</code>{" "}
          <CopyButton text={create.data.token} label="token" />
        </div>
      ) : null}
      {create.isError ? <p className="form-error">{create.error.message}</p> : null}
    </div>
  );
}

export function NewUser() {
  const qc = useQueryClient();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("developer");
  const [team, setTeam] = useState("");
  const create = useMutation({
    mutationFn: () =>
      api<{ user: { email: string }; oneTimePassword?: string }>("/api/users", {
        method: "POST",
        body: { email, role, ...(team ? { team } : {}) },
      }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["users"] }),
  });
  return (
    <>
      <form
        className="row-fields"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label>
          E-mail
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="developer">developer</option>
            <option value="analyst">analyst</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <label>
          Team (optional)
          <input value={team} onChange={(e) => setTeam(e.target.value)} />
        </label>
        <button type="submit" disabled={create.isPending}>
          Add user
        </button>
      </form>
      {create.data?.oneTimePassword ? (
        <div className="notice" role="status">
          {create.data.user.email}'s one-time password (shown once; they choose their own at the first
          sign-in): <code>{create.data.oneTimePassword}</code>{" "}
          <CopyButton text={create.data.oneTimePassword} label="password" />
        </div>
      ) : null}
      {create.isError ? <p className="form-error">{create.error.message}</p> : null}
    </>
  );
}

/** Webhooks (admin): subscribe a URL to every event; the signing secret is shown once. */
export function Webhooks() {
  const qc = useQueryClient();
  const [open, setOpen] = useState<string | null>(null);
  const hooks = useQuery({
    queryKey: ["webhooks"],
    queryFn: () => api<{ items: Webhook[] }>("/api/webhooks"),
  });
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const create = useMutation({
    mutationFn: () =>
      api<{ webhook: Webhook; secret: string }>("/api/webhooks", { method: "POST", body: { name, url } }),
    onSuccess: () => {
      setName("");
      setUrl("");
      void qc.invalidateQueries({ queryKey: ["webhooks"] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/api/webhooks/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["webhooks"] }),
  });
  return (
    <div>
      {hooks.isPending ? (
        <Loading what="webhooks" />
      ) : hooks.isError ? (
        <ErrorState error={hooks.error} what="webhooks" />
      ) : hooks.data.items.length === 0 ? (
        <Empty>No webhooks.</Empty>
      ) : (
        <ul className="hooks">
          {hooks.data.items.map((h) => (
            <li key={h.id}>
              <strong>{h.name}</strong> <span className="mono">{h.url}</span>{" "}
              <span className="muted">{h.events.join(", ")}</span>{" "}
              <button
                type="button"
                aria-expanded={open === h.id}
                {...(open === h.id ? { "aria-controls": `deliveries-${h.id}` } : {})}
                onClick={() => setOpen(open === h.id ? null : h.id)}
              >
                {open === h.id ? "Hide deliveries" : "Deliveries"}
              </button>{" "}
              <button type="button" onClick={() => remove.mutate(h.id)} disabled={remove.isPending}>
                Remove
              </button>
              {open === h.id ? <Deliveries id={h.id} name={h.name} /> : null}
            </li>
          ))}
        </ul>
      )}
      <form
        className="row-fields"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label>
          Webhook name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          URL
          <input
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            required
            placeholder="https://"
          />
        </label>
        <button type="submit" disabled={create.isPending}>
          Add webhook
        </button>
      </form>
      {create.data ? (
        <div className="notice" role="status">
          Signing secret (shown once; verify <code>x-ctem-signature</code> with it):{" "}
          <code>{create.data.secret}</code> <CopyButton text={create.data.secret} label="secret" />
        </div>
      ) : null}
      {create.isError ? <p className="form-error">{create.error.message}</p> : null}
    </div>
  );
}

/** A webhook's delivery log, newest first: what was sent, how it was answered, the next attempt. */
function Deliveries({ id, name }: { id: string; name: string }) {
  const q = useQuery({
    queryKey: ["deliveries", id],
    queryFn: () => api<Page<WebhookDelivery>>(`/api/webhooks/${encodeURIComponent(id)}/deliveries?limit=50`),
    refetchInterval: 15_000,
  });
  return (
    <div id={`deliveries-${id}`} className="deliveries">
      {q.isPending ? (
        <Loading what="deliveries" />
      ) : q.isError ? (
        <ErrorState error={q.error} what="deliveries" />
      ) : q.data.items.length === 0 ? (
        <Empty>No deliveries to {name} yet: one is sent when an issue is created, updated or resolved.</Empty>
      ) : (
        <table className="issues compact" aria-label={`Deliveries to ${name}`}>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Event</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">Next attempt</th>
            </tr>
          </thead>
          <tbody>
            {q.data.items.map((d) => (
              <tr key={d.id}>
                <td>{d.createdAt.slice(0, 16).replace("T", " ")}</td>
                <td className="mono">{d.event}</td>
                <td>
                  <span className={`badge delivery-${d.status}`}>{d.status}</span>
                </td>
                <td className="num">{d.attempts}</td>
                <td>
                  {d.lastStatus ?? ""} {d.lastError ? <span className="muted">{d.lastError}</span> : null}
                </td>
                <td>{d.nextAttemptAt ? d.nextAttemptAt.slice(0, 16).replace("T", " ") : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
