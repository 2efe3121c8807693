// pathfinding.cloud iam-001 as a rule: metadata from the catalogue entry, targets and checks here.
import { T } from "../../aws/shapes.js";
import { defineTechnique } from "../../escalation/technique.js";
import { customerPolicies } from "../../escalation/targets.js";

export const iamCreatePolicyVersion = defineTechnique({
  id: "iam-create-policy-version",
  catalogueId: "iam-001",
  attackers: [T.user, T.role],
  remediation: {
    title: "Do not let principals edit the customer-managed policies attached to them",
    cli: "aws iam create-policy-version --policy-arn <policy granting iam:CreatePolicyVersion> --set-as-default --policy-document file://without-create-policy-version.json",
    terraform: "# remove iam:CreatePolicyVersion on policies attached to this principal",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const p of customerPolicies(ctx, attacker))
      yield {
        target: attacker,
        outcome: "admin",
        checks: [{ action: "iam:CreatePolicyVersion", resource: p }],
      };
  },
});
