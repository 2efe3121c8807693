// Service account impersonation: a service account granted Service Account Token Creator on
// another service account (or on its project, folder or organization) can mint its tokens
// (CAN_ASSUME); Service Account User (iam.serviceAccounts.actAs) lets it attach the other one to
// compute it creates and run as it (CAN_ESCALATE).
import { readProps } from "../../aws/shapes.js";
import {
  IMPERSONATION_ROLES,
  appliedBindings,
  bindingEvidence,
  conditionAssumption,
  memberOf,
  normMember,
} from "../../gcp/iam.js";
import { GT, GcpServiceAccountProps } from "../../gcp/shapes.js";
import { defineRule } from "../meta.js";

export const gcpImpersonation = defineRule(
  {
    id: "gcp-impersonation",
    title: "Service account can impersonate another service account",
    edge: "CAN_ASSUME",
    severity: "high",
    risk: "Token Creator mints the target's access tokens directly; Service Account User (actAs) lets the holder run workloads as the target.",
    remediation: {
      gcp: {
        title:
          "Remove the Token Creator / Service Account User binding, or grant it on the one service account that needs it",
        cli: "gcloud iam service-accounts remove-iam-policy-binding <target-email> --member=serviceAccount:<email> --role=roles/iam.serviceAccountTokenCreator",
        terraform:
          "# remove the google_service_account_iam_member (or project-level IAM member) granting the role",
      },
    },
    limitations: [
      "actAs still needs a permission to create or update compute; that second permission is not checked.",
    ],
  },
  (ctx) => {
    const sas = ctx.g.ofType(GT.serviceAccount);
    const byMember = new Map(
      sas
        .map((sa) => [readProps(GcpServiceAccountProps, sa.props).value.email, sa] as const)
        .filter(([e]) => !!e)
        .map(([e, sa]) => [memberOf(e!), sa]),
    );
    for (const target of sas)
      for (const ab of appliedBindings(ctx.g, target.id)) {
        const kind = IMPERSONATION_ROLES[ab.binding.role];
        if (!kind) continue;
        for (const m of ab.binding.members) {
          const from = byMember.get(normMember(m));
          if (!from || from.id === target.id || ctx.admins.has(from.id)) continue;
          ctx.sink.add(from.id, kind, target.id, {
            rule: "gcp-impersonation",
            props: { role: ab.binding.role },
            evidence: [bindingEvidence(ab, { member: m })],
            assumptions: [
              ...conditionAssumption(ab),
              ...(kind === "CAN_ESCALATE"
                ? [{ code: "compute_create_not_checked", detail: { role: ab.binding.role } }]
                : []),
              ...ctx.stale(ctx.g.node(ab.policyId)),
            ],
          });
        }
      }
  },
);
