// GCP remediation options (DESIGN "Fix plan"): gcloud and Terraform text generated from the
// evidence of the GCP rules, registered from options.ts with one line each. They reuse the
// existing change kinds: a firewall rule admitting the internet is narrowed (`revoke-ingress`), an
// IAM binding is removed (`remove-statement`), a bucket gets public access prevention
// (`block-public-access`), a Cloud SQL instance loses its public IP (`rds-private`), a service
// account's user-managed keys are deleted (`deactivate-key`), an entry of a BigQuery dataset's
// ACL is dropped (`remove-statement` on `<dataset>#access`).
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Evidence } from "@ctem/model";
import type { DerivedEdge } from "../edges.js";
import type { EstateNode } from "../graph.js";
import type { CutSpec, FixOption } from "./options.js";

const str = (v: unknown): string => (typeof v === "string" || typeof v === "number" ? String(v) : "");
const last = (id: string) => id.split("/").pop() ?? id;
const tfName = (s: string) =>
  s
    .replace(/[^A-Za-z0-9_]/g, "_")
    .replace(/^_+/, "")
    .slice(0, 60) || "x";
const projectOf = (id: string) => /\/projects\/([^/#]+)/.exec(id)?.[1] ?? "<project>";

function firewallOption(ev: Evidence): FixOption | undefined {
  if (ev.source !== "gcp-cai-resource" || !ev.ref.includes("/firewalls/") || !ev.ref.includes("#allowed["))
    return undefined;
  const id = ev.ref.split("#")[0]!;
  const name = last(id);
  const d = ev.detail ?? {};
  const [from, to] = str(d.ports).split("-").map(Number);
  return {
    id: `gcp-narrow-firewall:${ev.ref}`,
    title: `Narrow firewall rule ${name}: stop admitting ${str(d.sourceRange)} on ${str(d.protocol)} ${str(d.ports)}`,
    cli: `gcloud compute firewall-rules update ${name} --project ${projectOf(id)} --source-ranges=<trusted-cidr>  # or: gcloud compute firewall-rules delete ${name} --project ${projectOf(id)}`,
    terraform: `resource "google_compute_firewall" "${tfName(name)}" {\n  name          = "${name}"\n  # …\n  source_ranges = ["<trusted-cidr>"] # was ${str(d.sourceRange)}\n}`,
    change: {
      type: "revoke-ingress",
      group: id,
      groupId: name,
      ref: ev.ref,
      protocol: str(d.protocol) || "all",
      fromPort: Number.isFinite(from) ? from! : 0,
      toPort: Number.isFinite(to) ? to! : Number.isFinite(from) ? from! : 65535,
      ...(str(d.sourceRange) ? { cidr: str(d.sourceRange) } : {}),
    },
    cuts: true,
  };
}

function bindingOption(ev: Evidence, e: DerivedEdge, to?: EstateNode): FixOption | undefined {
  if (ev.source !== "gcp-cai-iam-policy") return undefined;
  const m = /^(.*)#iamPolicy#bindings\[(\d+)\]$/.exec(ev.ref);
  if (!m) return undefined;
  const on = m[1]!;
  const d = ev.detail ?? {};
  const role = str(d.role);
  const members = Array.isArray(d.members) ? (d.members as string[]) : [str(d.member)].filter(Boolean);
  const level = str(d.level);
  const target =
    level === "organization"
      ? { cmd: `organizations remove-iam-policy-binding ${last(on)}`, tf: "google_organization_iam_member" }
      : level === "folder"
        ? {
            cmd: `resource-manager folders remove-iam-policy-binding ${last(on)}`,
            tf: "google_folder_iam_member",
          }
        : level === "project"
          ? {
              cmd: `projects remove-iam-policy-binding ${projectOf(on) === "<project>" ? last(on) : projectOf(on)}`,
              tf: "google_project_iam_member",
            }
          : on.startsWith("//storage.googleapis.com/")
            ? {
                cmd: `storage buckets remove-iam-policy-binding gs://${last(on)}`,
                tf: "google_storage_bucket_iam_member",
              }
            : bqDataset(on, to)
              ? {
                  cmd: `bq remove-iam-policy-binding`,
                  arg: bqDataset(on, to) ?? "",
                  tf: "google_bigquery_dataset_iam_member",
                }
              : /^\/\/spanner\.googleapis\.com\/.*\/databases\//.test(on)
                ? {
                    cmd: `spanner databases remove-iam-policy-binding ${last(on)} --instance=${/\/instances\/([^/]+)/.exec(on)?.[1] ?? "<instance>"} --project ${projectOf(on)}`,
                    tf: "google_spanner_database_iam_member",
                  }
                : on.startsWith("//spanner.googleapis.com/")
                  ? {
                      cmd: `spanner instances remove-iam-policy-binding ${last(on)} --project ${projectOf(on)}`,
                      tf: "google_spanner_instance_iam_member",
                    }
                  : on.startsWith("//bigtable.googleapis.com/")
                    ? {
                        cmd: `bigtable instances remove-iam-policy-binding ${last(on)} --project ${projectOf(on)}`,
                        tf: "google_bigtable_instance_iam_member",
                      }
                    : on.startsWith("//iam.googleapis.com/")
                      ? {
                          cmd: `iam service-accounts remove-iam-policy-binding ${e.to === on ? str(e.props.email) || last(on) : last(on)}`,
                          tf: "google_service_account_iam_member",
                        }
                      : {
                          cmd: `# remove the binding from the IAM policy of ${on}:`,
                          tf: "google_*_iam_member",
                        };
  return {
    id: `gcp-remove-binding:${ev.ref}:${members.join(",")}`,
    title: `Remove ${members.join(", ")} from ${role} on ${on.replace(/^\/\/[^/]+\//, "")}`,
    cli: members
      .map((mm) =>
        "arg" in target
          ? `${target.cmd} --member=${mm} --role=${role} ${target.arg}`
          : `gcloud ${target.cmd} --member=${mm} --role=${role}`,
      )
      .join("\n"),
    terraform: `# remove the ${target.tf} granting "${role}" to ${members.join(", ")}`,
    change: {
      type: "remove-statement",
      policy: `${on}#iamPolicy`,
      ref: ev.ref,
      statement: { role, members },
    },
    cuts: true,
  };
}

/**
 * `//bigquery.googleapis.com/projects/p/datasets/d` → `p:d` (bq's dataset reference). bq wants the
 * project id, which a full name may give as a number: the dataset node's own (its
 * datasetReference.projectId, kept as accountId) is used when the id names that node.
 */
function bqDataset(id: string, node?: EstateNode): string | undefined {
  const m = /^\/\/bigquery\.googleapis\.com\/projects\/([^/]+)\/datasets\/([^/#]+)$/.exec(id);
  if (!m) return undefined;
  const project = node?.id === id && node.accountId ? node.accountId : m[1]!;
  return `${project}:${m[2]}`;
}

/** An entry of a BigQuery dataset's own ACL (evidence `<dataset>#access[i]`): drop it from `access[]`. */
function datasetAclOption(ev: Evidence, to?: EstateNode): FixOption | undefined {
  if (ev.source !== "gcp-cai-resource") return undefined;
  const m = /^(.*)#access\[(\d+)\]$/.exec(ev.ref);
  const ds = m ? bqDataset(m[1]!, to) : undefined;
  if (!m || !ds) return undefined;
  const d = ev.detail ?? {};
  const role = str(d.role);
  const members = Array.isArray(d.members) ? (d.members as string[]) : [str(d.member)].filter(Boolean);
  return {
    id: `gcp-remove-dataset-acl:${ev.ref}`,
    title: `Remove ${members.join(", ")} (${role}) from the access list of BigQuery dataset ${ds}`,
    cli: `bq show --format=prettyjson ${ds} > dataset.json  # delete access[${m[2]}] (${role} ${members.join(", ")}), then:\nbq update --source dataset.json ${ds}`,
    terraform: `# remove the google_bigquery_dataset_access (or the access block of google_bigquery_dataset "${tfName(last(m[1]!))}") granting ${role} to ${members.join(", ")}`,
    change: { type: "remove-statement", policy: `${m[1]}#access`, ref: ev.ref, statement: { role, members } },
    cuts: true,
  };
}

/** GCP options for one attack edge; `add` dedupes and records them, `spec` says what cuts the edge. */
export function gcpEdgeOptions(
  e: DerivedEdge,
  to: EstateNode | undefined,
  add: (o: FixOption | undefined) => FixOption | undefined,
  spec: CutSpec,
): void {
  if (!e.props.rules.some((r) => r.startsWith("gcp-"))) return;
  if (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID) {
    const group: string[] = [];
    for (const ev of e.evidence) {
      const o = add(firewallOption(ev) ?? bindingOption(ev, e, to) ?? datasetAclOption(ev, to));
      if (o) group.push(o.id);
    }
    if (group.length) spec.groups.push(group);
    if (to?.type === "gcp.storage.bucket") {
      const o = add({
        id: `gcp-public-access-prevention:${e.to}`,
        title: `Enforce public access prevention on bucket ${to.name}`,
        cli: `gcloud storage buckets update gs://${to.name} --public-access-prevention`,
        terraform: `resource "google_storage_bucket" "${tfName(to.name)}" {\n  name                     = "${to.name}"\n  # …\n  public_access_prevention = "enforced"\n}`,
        change: { type: "block-public-access", bucket: e.to, name: to.name },
        cuts: true,
      });
      spec.killers.push(o!.id);
    }
    if (to?.type === "gcp.sql.instance") {
      const o = add({
        id: `gcp-sql-private:${e.to}`,
        title: `Remove the public IP of Cloud SQL instance ${to.name} (or its 0.0.0.0/0 authorized network)`,
        cli: `gcloud sql instances patch ${to.name} --project ${projectOf(e.to)} --no-assign-ip  # or: --clear-authorized-networks`,
        terraform: `resource "google_sql_database_instance" "${tfName(to.name)}" {\n  # …\n  settings {\n    ip_configuration {\n      ipv4_enabled = false\n    }\n  }\n}`,
        change: { type: "rds-private", db: e.to, name: to.name },
        cuts: true,
      });
      spec.killers.push(o!.id);
    }
  } else if (e.kind === "CAN_ACCESS" || e.kind === "CAN_ASSUME" || e.kind === "CAN_ESCALATE") {
    // The edge lives while any binding grants it: removing all of them cuts it.
    const group: string[] = [];
    for (const ev of e.evidence) {
      const o = add(bindingOption(ev, e, to) ?? datasetAclOption(ev, to));
      if (o) group.push(o.id);
    }
    if (group.length) spec.groups.push(group);
  }
}

/** The entry option for a service account with user-managed keys: delete them. */
export function gcpKeyEntryOption(sa: EstateNode, evidence: readonly Evidence[]): FixOption {
  const email = str(sa.props.email) || sa.name;
  const keys = evidence.map((e) => last(e.ref)).filter(Boolean);
  return {
    id: `deactivate-key:${sa.id}`,
    title: `Delete the user-managed key(s) of service account ${email}`,
    cli: keys
      .map((k) => `gcloud iam service-accounts keys delete ${k} --iam-account=${email} --quiet`)
      .join("\n"),
    terraform: `# remove the google_service_account_key resource(s) of ${email}; use workload identity federation or an attached service account instead`,
    change: { type: "deactivate-key", user: sa.id, userName: email, keys },
    cuts: true,
  };
}
