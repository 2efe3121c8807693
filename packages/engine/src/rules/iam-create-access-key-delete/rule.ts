// pathfinding.cloud iam-003 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { others } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const iamCreateAccessKeyDelete = defineTechnique({
  id: "iam-create-access-key-delete",
  catalogueId: "iam-003",
  attackers: [T.user, T.role],
  remediation: {
    title: "Restrict iam:CreateAccessKey and iam:DeleteAccessKey to the caller's own user",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://own-keys-only.json",
    terraform: "# scope iam:CreateAccessKey / iam:DeleteAccessKey to $${aws:username}",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const u of others(ctx, T.user, attacker))
      yield {
        target: u,
        outcome: "acts_as",
        checks: [
          { action: "iam:CreateAccessKey", resource: u.id },
          { action: "iam:DeleteAccessKey", resource: u.id },
        ],
      };
  },
});
