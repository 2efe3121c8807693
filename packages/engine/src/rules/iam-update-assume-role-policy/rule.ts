// pathfinding.cloud iam-012 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { others } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const iamUpdateAssumeRolePolicy = defineTechnique({
  id: "iam-update-assume-role-policy",
  catalogueId: "iam-012",
  attackers: [T.user, T.role],
  remediation: {
    title: "Restrict iam:UpdateAssumeRolePolicy to roles the principal owns",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://no-update-trust.json",
    terraform: "# remove iam:UpdateAssumeRolePolicy or scope it to specific roles",
  },
  limitations: [
    "Assumes the attacker then names itself in the trust policy; a same-account caller named by ARN needs no sts:AssumeRole permission.",
  ],
  *targets(ctx, attacker) {
    for (const r of others(ctx, T.role, attacker))
      yield {
        target: r,
        outcome: "acts_as",
        checks: [{ action: "iam:UpdateAssumeRolePolicy", resource: r.id }],
      };
  },
});
