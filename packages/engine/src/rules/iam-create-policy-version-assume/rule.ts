// pathfinding.cloud iam-016 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { customerPolicies, others } from "../../escalation/targets.js";
import { canAssume, trustOf } from "../can-assume-role/rule.js";
import { T } from "../../aws/shapes.js";

export const iamCreatePolicyVersionAssume = defineTechnique({
  id: "iam-create-policy-version-assume",
  catalogueId: "iam-016",
  attackers: [T.user, T.role],
  remediation: {
    title: "Remove iam:CreatePolicyVersion on policies of roles the principal can assume",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://no-create-policy-version.json",
    terraform: "# drop iam:CreatePolicyVersion on those policies",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const r of others(ctx, T.role, attacker)) {
      const policies = customerPolicies(ctx, r);
      if (!policies.length) continue;
      const a = canAssume(ctx, attacker, r, trustOf(r));
      if (!a) continue;
      for (const p of policies)
        yield {
          target: r,
          outcome: "admin",
          evidence: a.evidence,
          assumptions: a.assumptions,
          checks: [{ action: "iam:CreatePolicyVersion", resource: p }],
        };
    }
  },
});
