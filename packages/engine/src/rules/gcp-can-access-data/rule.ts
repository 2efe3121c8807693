// service account CAN_ACCESS bucket or Cloud SQL instance: a binding naming the service account
// in a role that reads, writes or administers the store, on the store itself or inherited from
// its project, folders or organization (src/gcp/iam.ts). The highest level wins.
import { readProps } from "../../aws/shapes.js";
import {
  appliedBindings,
  bindingEvidence,
  conditionAssumption,
  dataLevel,
  memberOf,
  normMember,
} from "../../gcp/iam.js";
import { GT, GcpServiceAccountProps } from "../../gcp/shapes.js";
import { defineRule } from "../meta.js";

export const gcpCanAccessData = defineRule(
  {
    id: "gcp-can-access-data",
    title: "Service account can read or change a bucket or Cloud SQL instance",
    edge: "CAN_ACCESS",
    severity: "medium",
    risk: "Whoever acts as the service account reaches the data the binding grants, wherever it is granted in the hierarchy.",
    remediation: {
      gcp: {
        title: "Remove the binding (or grant a narrower role on the one resource that needs it)",
        cli: "gcloud projects remove-iam-policy-binding <project> --member=serviceAccount:<email> --role=<role>",
        terraform:
          "# remove the google_project_iam_member (or bucket/folder/organization IAM member) granting <role> to serviceAccount:<email>",
      },
    },
    limitations: [
      "Custom roles and group membership are not expanded; principalSet and domain members are not matched.",
      "IAM deny policies are not read.",
    ],
  },
  (ctx) => {
    const sas = ctx.g.ofType(GT.serviceAccount);
    if (!sas.length) return;
    const byMember = new Map(
      sas
        .map((sa) => [readProps(GcpServiceAccountProps, sa.props).value.email, sa] as const)
        .filter(([e]) => !!e)
        .map(([e, sa]) => [memberOf(e!), sa]),
    );
    for (const store of [...ctx.g.ofType(GT.bucket), ...ctx.g.ofType(GT.sqlInstance)])
      for (const ab of appliedBindings(ctx.g, store.id)) {
        const level = dataLevel(ab.binding.role, store.type);
        if (!level) continue;
        for (const m of ab.binding.members) {
          const sa = byMember.get(normMember(m));
          if (!sa) continue;
          ctx.sink.add(sa.id, "CAN_ACCESS", store.id, {
            rule: "gcp-can-access-data",
            props: { level },
            evidence: [bindingEvidence(ab, { member: m })],
            assumptions: [...conditionAssumption(ab), ...ctx.stale(ctx.g.node(ab.policyId))],
          });
        }
      }
  },
);
