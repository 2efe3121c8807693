// pathfinding.cloud iam-007 as a rule: metadata from the catalogue entry, targets and checks here.
import { T } from "../../aws/shapes.js";
import { defineTechnique } from "../../escalation/technique.js";

export const iamPutUserPolicySelf = defineTechnique({
  id: "iam-put-user-policy-self",
  catalogueId: "iam-007",
  attackers: [T.user],
  remediation: {
    title: "Remove iam:PutUserPolicy on the user itself",
    cli: "aws iam delete-user-policy --user-name <user> --policy-name <policy granting iam:PutUserPolicy>",
    terraform: "# drop iam:PutUserPolicy from the user's own policy",
  },
  limitations: [],
  *targets(ctx, attacker) {
    yield {
      target: attacker,
      outcome: "admin",
      checks: [{ action: "iam:PutUserPolicy", resource: attacker.id }],
    };
  },
});
