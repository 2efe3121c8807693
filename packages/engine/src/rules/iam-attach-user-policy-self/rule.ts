// pathfinding.cloud iam-008 as a rule: metadata from the catalogue entry, targets and checks here.
import { T } from "../../aws/shapes.js";
import { defineTechnique } from "../../escalation/technique.js";

export const iamAttachUserPolicySelf = defineTechnique({
  id: "iam-attach-user-policy-self",
  catalogueId: "iam-008",
  attackers: [T.user],
  remediation: {
    title: "Remove iam:AttachUserPolicy on the user itself",
    cli: "aws iam detach-user-policy --user-name <user> --policy-arn <policy granting iam:AttachUserPolicy>",
    terraform: "# drop iam:AttachUserPolicy from the user's policies",
  },
  limitations: [],
  *targets(ctx, attacker) {
    yield {
      target: attacker,
      outcome: "admin",
      checks: [{ action: "iam:AttachUserPolicy", resource: attacker.id }],
    };
  },
});
