// pathfinding.cloud iam-018 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { others } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const iamPutUserPolicyAccessKey = defineTechnique({
  id: "iam-put-user-policy-access-key",
  catalogueId: "iam-018",
  attackers: [T.user, T.role],
  remediation: {
    title: "Remove iam:PutUserPolicy and iam:CreateAccessKey on other users",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://no-user-admin.json",
    terraform: "# scope iam:PutUserPolicy / iam:CreateAccessKey away from other users",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const u of others(ctx, T.user, attacker))
      yield {
        target: u,
        outcome: "admin",
        checks: [
          { action: "iam:PutUserPolicy", resource: u.id },
          { action: "iam:CreateAccessKey", resource: u.id },
        ],
      };
  },
});
