// pathfinding.cloud iam-021 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { others } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const iamPutRolePolicyUpdateTrust = defineTechnique({
  id: "iam-put-role-policy-update-trust",
  catalogueId: "iam-021",
  attackers: [T.user, T.role],
  remediation: {
    title: "Remove iam:PutRolePolicy and iam:UpdateAssumeRolePolicy on other roles",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://no-role-admin.json",
    terraform: "# scope both actions away from other roles",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const r of others(ctx, T.role, attacker))
      yield {
        target: r,
        outcome: "admin",
        checks: [
          { action: "iam:PutRolePolicy", resource: r.id },
          { action: "iam:UpdateAssumeRolePolicy", resource: r.id },
        ],
      };
  },
});
