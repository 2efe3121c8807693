// pathfinding.cloud iam-006 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { others, hasLoginProfile } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const iamUpdateLoginProfile = defineTechnique({
  id: "iam-update-login-profile",
  catalogueId: "iam-006",
  attackers: [T.user, T.role],
  remediation: {
    title: "Restrict iam:UpdateLoginProfile to the caller's own user",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://own-login-profile-only.json",
    terraform: "# scope iam:UpdateLoginProfile to $${aws:username}",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const u of others(ctx, T.user, attacker)) {
      const has = hasLoginProfile(u);
      if (has === false) continue;
      yield {
        target: u,
        outcome: "acts_as",
        ...(has === undefined
          ? { assumptions: [{ code: "login_profile_unknown", detail: { user: u.id } }] }
          : {}),
        checks: [{ action: "iam:UpdateLoginProfile", resource: u.id }],
      };
    }
  },
});
