// pathfinding.cloud iam-020 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { customerPolicies, others } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const iamCreatePolicyVersionUpdateTrust = defineTechnique({
  id: "iam-create-policy-version-update-trust",
  catalogueId: "iam-020",
  attackers: [T.user, T.role],
  remediation: {
    title: "Remove iam:CreatePolicyVersion and iam:UpdateAssumeRolePolicy on other roles' policies",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://no-role-admin.json",
    terraform: "# scope both actions away from other roles",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const r of others(ctx, T.role, attacker))
      for (const p of customerPolicies(ctx, r))
        yield {
          target: r,
          outcome: "admin",
          checks: [
            { action: "iam:CreatePolicyVersion", resource: p },
            { action: "iam:UpdateAssumeRolePolicy", resource: r.id },
          ],
        };
  },
});
