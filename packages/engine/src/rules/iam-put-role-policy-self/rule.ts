// pathfinding.cloud iam-005 as a rule: metadata from the catalogue entry, targets and checks here.
import { T } from "../../aws/shapes.js";
import { defineTechnique } from "../../escalation/technique.js";

export const iamPutRolePolicySelf = defineTechnique({
  id: "iam-put-role-policy-self",
  catalogueId: "iam-005",
  attackers: [T.role],
  remediation: {
    title: "Remove iam:PutRolePolicy on the role itself",
    cli: "aws iam delete-role-policy --role-name <role> --policy-name <policy granting iam:PutRolePolicy>",
    terraform: "# drop iam:PutRolePolicy from the role's own policy",
  },
  limitations: [],
  *targets(ctx, attacker) {
    yield {
      target: attacker,
      outcome: "admin",
      checks: [{ action: "iam:PutRolePolicy", resource: attacker.id }],
    };
  },
});
