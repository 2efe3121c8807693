// pathfinding.cloud iam-009 as a rule: metadata from the catalogue entry, targets and checks here.
import { T } from "../../aws/shapes.js";
import { defineTechnique } from "../../escalation/technique.js";

export const iamAttachRolePolicySelf = defineTechnique({
  id: "iam-attach-role-policy-self",
  catalogueId: "iam-009",
  attackers: [T.role],
  remediation: {
    title: "Remove iam:AttachRolePolicy on the role itself",
    cli: "aws iam detach-role-policy --role-name <role> --policy-arn <policy granting iam:AttachRolePolicy>",
    terraform: "# drop iam:AttachRolePolicy from the role's policies",
  },
  limitations: [],
  *targets(ctx, attacker) {
    yield {
      target: attacker,
      outcome: "admin",
      checks: [{ action: "iam:AttachRolePolicy", resource: attacker.id }],
    };
  },
});
