// GCP allow-policy evaluation for the rules: the bindings that apply to a resource are those of
// its own IAM policy and of every ancestor above it (project, folders, organization), found by
// walking CONTAINS edges upward. Members name service accounts by e-mail. Roles are read from a
// fixed table of predefined roles (custom roles' permissions are not in Cloud Asset's IAM_POLICY
// content: they are a limitation, reported by the rules).
import type { Assumption, Evidence } from "@ctem/model";
import type { AccessLevel } from "../edges.js";
import type { Estate, EstateNode } from "../graph.js";
import { GCP_COLLECTOR, GT, GcpPolicyProps, GcpServiceAccountProps } from "./shapes.js";
import type { GcpBinding, GcpDatasetAccess } from "./shapes.js";
import { readProps } from "../aws/shapes.js";

export interface AppliedBinding {
  binding: GcpBinding;
  /** The resource whose policy holds the binding (the target or an ancestor). */
  on: string;
  /** `resource` | `project` | `folder` | `organization`. */
  level: string;
  policyId: string;
  index: number;
}

/** The resource itself, then its ancestors nearest first (CONTAINS walked upward, cycles cut). */
export function ancestry(g: Estate, id: string): string[] {
  const out = [id];
  const seen = new Set(out);
  let cur = id;
  for (let i = 0; i < 32; i++) {
    const up = g.in(cur, "CONTAINS").find((e) => !seen.has(e.from));
    if (!up) break;
    out.push(up.from);
    seen.add(up.from);
    cur = up.from;
  }
  return out;
}

/** Every binding that applies to `id`: its own policy's and its ancestors'. */
export function appliedBindings(g: Estate, id: string): AppliedBinding[] {
  const out: AppliedBinding[] = [];
  for (const res of ancestry(g, id))
    for (const pol of g.outNodes(res, "ATTACHED_POLICY")) {
      if (pol.type !== GT.iamPolicy) continue;
      const p = readProps(GcpPolicyProps, pol.props).value;
      (p.bindings ?? []).forEach((binding, index) =>
        out.push({ binding, on: res, level: p.level ?? "resource", policyId: pol.id, index }),
      );
    }
  return out;
}

export const memberOf = (email: string) => `serviceAccount:${email.toLowerCase()}`;

/** A binding member with its e-mail part lower-cased (`serviceAccount:A@x` → `serviceAccount:a@x`). */
export const normMember = (m: string) => {
  const i = m.indexOf(":");
  return i < 0 ? m : `${m.slice(0, i)}:${m.slice(i + 1).toLowerCase()}`;
};

/** Service accounts by e-mail (lower-case), for member and instance joins. */
export function serviceAccountsByEmail(g: Estate): Map<string, EstateNode> {
  const m = new Map<string, EstateNode>();
  for (const sa of g.ofType(GT.serviceAccount)) {
    const e = readProps(GcpServiceAccountProps, sa.props).value.email;
    if (e) m.set(e.toLowerCase(), sa);
  }
  return m;
}

export function bindingEvidence(b: AppliedBinding, extra: Record<string, unknown> = {}): Evidence {
  return {
    source: GCP_COLLECTOR.iamPolicy,
    ref: `${b.policyId}#bindings[${b.index}]`,
    detail: { role: b.binding.role, on: b.on, level: b.level, ...extra },
  };
}

export function conditionAssumption(b: AppliedBinding): Assumption[] {
  return b.binding.condition?.expression
    ? [
        {
          code: "condition_not_evaluated",
          detail: { role: b.binding.role, expression: b.binding.condition.expression },
        },
      ]
    : [];
}

/** Data access a predefined role grants on a data store type; undefined: none known. */
export function dataLevel(role: string, storeType: string): AccessLevel | undefined {
  if (role === "roles/owner") return "admin";
  if (role === "roles/editor") return "write";
  if (storeType === GT.bucket) {
    switch (role) {
      case "roles/storage.admin":
      case "roles/storage.objectAdmin":
      case "roles/storage.legacyBucketOwner":
      case "roles/storage.legacyObjectOwner":
        return "admin";
      case "roles/storage.objectCreator":
      case "roles/storage.objectUser":
      case "roles/storage.legacyBucketWriter":
        return "write";
      case "roles/storage.objectViewer":
      case "roles/storage.legacyObjectReader":
        return "read";
      default:
        return undefined;
    }
  }
  if (storeType === GT.bigqueryDataset) {
    switch (role) {
      case "roles/bigquery.admin":
      case "roles/bigquery.dataOwner":
        return "admin";
      case "roles/bigquery.dataEditor":
        return "write";
      // Project viewers read every dataset of the project (BigQuery's basic-role mapping: Viewer is
      // a dataset READER through the projectReaders special group of the default ACL).
      case "roles/bigquery.dataViewer":
      case "roles/viewer":
        return "read";
      default:
        return undefined;
    }
  }
  if (storeType === GT.spannerInstance || storeType === GT.spannerDatabase) {
    switch (role) {
      case "roles/spanner.admin":
      case "roles/spanner.databaseAdmin":
        return "admin";
      case "roles/spanner.databaseUser":
        return "write";
      case "roles/spanner.databaseReader":
      case "roles/spanner.databaseReaderWithDataBoost":
        return "read";
      default:
        return undefined;
    }
  }
  if (storeType === GT.bigtableInstance) {
    switch (role) {
      case "roles/bigtable.admin":
        return "admin";
      case "roles/bigtable.user":
        return "write";
      case "roles/bigtable.reader":
        return "read";
      default:
        return undefined;
    }
  }
  if (storeType === GT.sqlInstance) {
    if (role === "roles/cloudsql.admin") return "admin";
    if (role === "roles/cloudsql.editor") return "write";
    if (role === "roles/cloudsql.client" || role === "roles/cloudsql.instanceUser") return "read";
    return undefined;
  }
  return undefined;
}

/** The GCP data store types CAN_ACCESS is derived for. */
export const GCP_DATA_STORE_TYPES = [
  GT.bucket,
  GT.sqlInstance,
  GT.bigqueryDataset,
  GT.spannerInstance,
  GT.spannerDatabase,
  GT.bigtableInstance,
] as const;

/** The level a BigQuery dataset ACL role grants: READER / WRITER / OWNER, or an IAM role name. */
export function datasetAclLevel(role: string | undefined): AccessLevel | undefined {
  if (!role) return undefined;
  if (role === "READER") return "read";
  if (role === "WRITER") return "write";
  if (role === "OWNER") return "admin";
  return dataLevel(role, GT.bigqueryDataset);
}

/**
 * The member an ACL entry names, in IAM member form (`serviceAccount:x@…`, `allUsers`,
 * `allAuthenticatedUsers`, `group:…`); undefined for project special groups and authorized views.
 */
export function datasetAclMember(e: GcpDatasetAccess): string | undefined {
  if (e.iamMember) return normMember(e.iamMember);
  if (e.specialGroup === "allAuthenticatedUsers") return "allAuthenticatedUsers";
  if (e.userByEmail) {
    const email = e.userByEmail.toLowerCase();
    return email.endsWith(".gserviceaccount.com") ? `serviceAccount:${email}` : `user:${email}`;
  }
  if (e.groupByEmail) return `group:${e.groupByEmail.toLowerCase()}`;
  return undefined;
}

/** Roles that let a member act as a service account: token minting (assume) or actAs (escalate). */
export const IMPERSONATION_ROLES: Record<string, "CAN_ASSUME" | "CAN_ESCALATE"> = {
  "roles/iam.serviceAccountTokenCreator": "CAN_ASSUME",
  "roles/iam.workloadIdentityUser": "CAN_ASSUME",
  "roles/iam.serviceAccountUser": "CAN_ESCALATE",
  "roles/owner": "CAN_ASSUME",
  "roles/editor": "CAN_ESCALATE",
};

/** Roles at project level or above that make an identity admin-equivalent. */
export const ADMIN_ROLES = new Set(["roles/owner"]);
