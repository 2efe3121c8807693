// One scope (/settings/scopes/:id): the guided AWS setup — the scanner policy and the CloudFormation
// template with this scope's external id filled in, with copy buttons and the deploy command — then
// editing (role, regions, Inspector2, filters, schedule) and deletion. Admins only (the API says so).
import { useState } from "react";
import type { FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Scope } from "@ctem/model";
import { api } from "../api";
import { CopyButton, ErrorState, Loading } from "../ui";

type ScopeOut = Scope & { include: string[]; exclude: string[]; schedule: string | null };

interface Setup {
  accountId: string;
  roleArn: string;
  roleName: string;
  externalId: string;
  policy: unknown;
  template: unknown;
  templateFile: string;
  deployCommand: string;
}

const lines = (s: string) =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter(Boolean);

function CodeBlock({ title, text, label }: { title: string; text: string; label: string }) {
  return (
    <div className="code">
      <div className="code-head">
        {title} <CopyButton text={text} label={label} />
      </div>
      <pre tabIndex={0} role="region" aria-label={title} className="scroll">
        {text}
      </pre>
    </div>
  );
}

function AwsSetup({ id }: { id: string }) {
  const q = useQuery({
    queryKey: ["scope-setup", id],
    queryFn: () => api<Setup>(`/api/scopes/${encodeURIComponent(id)}/setup`),
  });
  if (q.isPending) return <Loading what="the setup" />;
  if (q.isError) return <ErrorState error={q.error} what="the setup" />;
  const s = q.data;
  const template = JSON.stringify(s.template, null, 2);
  return (
    <section className="card" aria-labelledby="setup-title">
      <h2 id="setup-title">Set up the scanner role in account {s.accountId}</h2>
      <ol className="steps">
        <li>
          Put this external id in the role's trust policy (condition <code>sts:ExternalId</code>):{" "}
          <code className="external-id">{s.externalId}</code>{" "}
          <CopyButton text={s.externalId} label="external id" />
        </li>
        <li>
          Create the role <code>{s.roleName}</code> with the CloudFormation template below (its ExternalId and
          RoleName parameters default to this scope's), saved as <code>{s.templateFile}</code>, then deploy
          it; <code>TrustedPrincipalArn</code> is the principal ctem runs as.
        </li>
        <li>
          Or attach the read-only policy below to a role you manage; ctem assumes <code>{s.roleArn}</code>.
        </li>
      </ol>
      <CodeBlock title="CloudFormation template" text={template} label="CloudFormation template" />
      <a
        className="download"
        download={s.templateFile}
        href={`data:application/json;charset=utf-8,${encodeURIComponent(template)}`}
      >
        Download {s.templateFile}
      </a>
      <CodeBlock title="Deploy command" text={s.deployCommand} label="deploy command" />
      <CodeBlock
        title="Scanner policy (IAM, read-only)"
        text={JSON.stringify(s.policy, null, 2)}
        label="scanner policy"
      />
    </section>
  );
}

function EditScope({ scope }: { scope: ScopeOut }) {
  const qc = useQueryClient();
  const c = scope.config as { roleArn?: string; regions?: string[]; inspector2?: boolean };
  const [roleArn, setRoleArn] = useState(c.roleArn ?? "");
  const [regions, setRegions] = useState((c.regions ?? []).join(", "));
  const [inspector2, setInspector2] = useState(c.inspector2 ?? false);
  const [include, setInclude] = useState(scope.include.join("\n"));
  const [exclude, setExclude] = useState(scope.exclude.join("\n"));
  const [schedule, setSchedule] = useState(scope.schedule ?? "");
  const save = useMutation({
    mutationFn: () =>
      api<ScopeOut>(`/api/scopes/${encodeURIComponent(scope.id)}`, {
        method: "PATCH",
        body: {
          ...(scope.provider === "aws"
            ? { config: { roleArn: roleArn.trim(), regions: lines(regions), inspector2 } }
            : {}),
          include: lines(include),
          exclude: lines(exclude),
          schedule: schedule.trim() || null,
        },
      }),
    onSuccess: (s) => {
      qc.setQueryData(["scope", scope.id], s);
      void qc.invalidateQueries({ queryKey: ["scopes"] });
      void qc.invalidateQueries({ queryKey: ["scope-setup", scope.id] });
    },
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  return (
    <form className="card" onSubmit={submit} aria-labelledby="edit-scope-title">
      <h2 id="edit-scope-title">Edit</h2>
      {scope.provider === "aws" ? (
        <div className="row-fields">
          <label className="wide">
            Scanner role ARN
            <input name="edit-role" required value={roleArn} onChange={(e) => setRoleArn(e.target.value)} />
          </label>
          <label>
            Regions (empty: all enabled)
            <input name="edit-regions" value={regions} onChange={(e) => setRegions(e.target.value)} />
          </label>
          <label className="check">
            <input type="checkbox" checked={inspector2} onChange={(e) => setInspector2(e.target.checked)} />{" "}
            Inspector2 findings
          </label>
        </div>
      ) : null}
      <div className="row-fields">
        <label>
          Include (one filter a line, e.g. env=prod)
          <textarea
            name="edit-include"
            rows={2}
            value={include}
            onChange={(e) => setInclude(e.target.value)}
          />
        </label>
        <label>
          Exclude
          <textarea
            name="edit-exclude"
            rows={2}
            value={exclude}
            onChange={(e) => setExclude(e.target.value)}
          />
        </label>
        <label>
          Schedule (cron, UTC; empty: on demand)
          <input
            name="edit-schedule"
            placeholder="0 3 * * *"
            value={schedule}
            onChange={(e) => setSchedule(e.target.value)}
          />
        </label>
      </div>
      <p className="muted">The account and the external id stay: a new account is a new scope.</p>
      <button type="submit" className="primary" disabled={save.isPending}>
        Save scope
      </button>
      {save.isError ? (
        <p className="form-error" role="alert">
          {save.error.message}
        </p>
      ) : save.isSuccess ? (
        <p className="ok" role="status">
          Saved.
        </p>
      ) : null}
    </form>
  );
}

function DeleteScope({ scope }: { scope: ScopeOut }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [keepData, setKeepData] = useState(false);
  const remove = useMutation({
    mutationFn: () =>
      api<{ removed: string; removedData: boolean }>(
        `/api/scopes/${encodeURIComponent(scope.id)}${keepData ? "?keepData=true" : ""}`,
        { method: "DELETE" },
      ),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["scopes"] });
      void navigate("/settings", { replace: true });
    },
  });
  return (
    <section className="card danger" aria-labelledby="del-scope-title">
      <h2 id="del-scope-title">Delete</h2>
      <label className="check">
        <input type="checkbox" checked={keepData} onChange={(e) => setKeepData(e.target.checked)} /> Keep the
        scanned assets (otherwise they go, unless another scope covers the account)
      </label>
      {confirming ? (
        <div className="row-fields" role="group" aria-label="Confirm deletion">
          <button
            type="button"
            className="danger"
            onClick={() => remove.mutate()}
            disabled={remove.isPending}
          >
            Delete {scope.name} for good
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>
          Delete scope
        </button>
      )}
      {remove.isError ? (
        <p className="form-error" role="alert">
          {remove.error.message}
        </p>
      ) : null}
    </section>
  );
}

export function ScopePage() {
  const { id = "" } = useParams();
  const q = useQuery({
    queryKey: ["scope", id],
    queryFn: () => api<ScopeOut>(`/api/scopes/${encodeURIComponent(id)}`),
  });
  if (q.isPending) return <Loading what="the scope" />;
  if (q.isError) return <ErrorState error={q.error} what="the scope" />;
  const s = q.data;
  const c = s.config as { accountId?: string };
  return (
    <section aria-labelledby="scope-title">
      <div className="crumbs">
        <Link to="/settings">Settings</Link> / scopes
      </div>
      <div className="page-head">
        <h1 id="scope-title">
          Scope {s.name}{" "}
          <span className="muted">
            ({s.provider}
            {c.accountId ? ` ${c.accountId}` : ""})
          </span>
        </h1>
      </div>
      {s.provider === "aws" ? <AwsSetup id={s.id} /> : null}
      <EditScope key={s.id} scope={s} />
      <DeleteScope scope={s} />
    </section>
  );
}
