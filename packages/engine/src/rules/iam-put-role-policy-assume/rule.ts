// pathfinding.cloud iam-017 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { others } from "../../escalation/targets.js";
import { canAssume, trustOf } from "../can-assume-role/rule.js";
import { T } from "../../aws/shapes.js";

export const iamPutRolePolicyAssume = defineTechnique({
  id: "iam-put-role-policy-assume",
  catalogueId: "iam-017",
  attackers: [T.user, T.role],
  remediation: {
    title: "Remove iam:PutRolePolicy on roles the principal can assume",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://no-put-role-policy.json",
    terraform: "# drop iam:PutRolePolicy on assumable roles",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const r of others(ctx, T.role, attacker)) {
      const a = canAssume(ctx, attacker, r, trustOf(r));
      if (!a) continue;
      yield {
        target: r,
        outcome: "admin",
        evidence: a.evidence,
        assumptions: a.assumptions,
        checks: [{ action: "iam:PutRolePolicy", resource: r.id }],
      };
    }
  },
});
