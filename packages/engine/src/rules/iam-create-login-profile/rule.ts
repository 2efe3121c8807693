// pathfinding.cloud iam-004 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { others, hasLoginProfile } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const iamCreateLoginProfile = defineTechnique({
  id: "iam-create-login-profile",
  catalogueId: "iam-004",
  attackers: [T.user, T.role],
  remediation: {
    title: "Restrict iam:CreateLoginProfile to the caller's own user",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://own-login-profile-only.json",
    terraform: "# scope iam:CreateLoginProfile to $${aws:username}",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const u of others(ctx, T.user, attacker)) {
      const has = hasLoginProfile(u);
      if (has === true) continue;
      yield {
        target: u,
        outcome: "acts_as",
        ...(has === undefined
          ? { assumptions: [{ code: "login_profile_unknown", detail: { user: u.id } }] }
          : {}),
        checks: [{ action: "iam:CreateLoginProfile", resource: u.id }],
      };
    }
  },
});
