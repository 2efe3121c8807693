// Admin-equivalent GCP identities (targets of path search, tier 1): service accounts granted
// roles/owner on a project, folder or organization.
import type { Evidence } from "@ctem/model";
import { readProps } from "../../aws/shapes.js";
import { ADMIN_ROLES, bindingEvidence, memberOf, normMember } from "../../gcp/iam.js";
import type { AppliedBinding } from "../../gcp/iam.js";
import { GT, GcpPolicyProps, GcpServiceAccountProps } from "../../gcp/shapes.js";
import { defineRule } from "../meta.js";

export const gcpAdminEquivalent = defineRule(
  {
    id: "gcp-admin-equivalent",
    title: "Service account is owner of a project, folder or organization",
    severity: "critical",
    risk: "roles/owner may change every resource and every IAM policy below where it is granted.",
    remediation: {
      gcp: {
        title: "Replace roles/owner with the predefined roles the workload needs",
        cli: "gcloud projects remove-iam-policy-binding <project> --member=serviceAccount:<email> --role=roles/owner",
        terraform: '# remove the google_project_iam_member granting "roles/owner" to serviceAccount:<email>',
      },
    },
    limitations: ["Owner-like custom roles are not recognised."],
  },
  (ctx) => {
    const byMember = new Map<string, string>();
    for (const sa of ctx.g.ofType(GT.serviceAccount)) {
      const e = readProps(GcpServiceAccountProps, sa.props).value.email;
      if (e) byMember.set(memberOf(e), sa.id);
    }
    if (!byMember.size) return;
    const evidence = new Map<string, Evidence[]>();
    for (const pol of ctx.g.ofType(GT.iamPolicy)) {
      const p = readProps(GcpPolicyProps, pol.props).value;
      if (p.level !== "project" && p.level !== "folder" && p.level !== "organization") continue;
      (p.bindings ?? []).forEach((binding, index) => {
        if (!ADMIN_ROLES.has(binding.role) || binding.condition?.expression) return;
        const ab: AppliedBinding = {
          binding,
          on: p.resource ?? pol.id,
          level: p.level!,
          policyId: pol.id,
          index,
        };
        for (const m of binding.members) {
          const id = byMember.get(normMember(m));
          if (id) evidence.set(id, [...(evidence.get(id) ?? []), bindingEvidence(ab, { member: m })]);
        }
      });
    }
    for (const [id, ev] of evidence)
      ctx.admins.set(id, { id, evidence: ev, assumptions: ctx.stale(ctx.g.node(id)) });
  },
);
