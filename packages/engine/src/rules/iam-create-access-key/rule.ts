// pathfinding.cloud iam-002 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { others, keyCount } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const iamCreateAccessKey = defineTechnique({
  id: "iam-create-access-key",
  catalogueId: "iam-002",
  attackers: [T.user, T.role],
  remediation: {
    title: "Restrict iam:CreateAccessKey to the caller's own user (aws:username)",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://create-own-key-only.json",
    terraform: '# resources = ["arn:aws:iam::<account>:user/$${aws:username}"] for iam:CreateAccessKey',
  },
  limitations: [
    "A user already holding two keys gets no edge here (iam-create-access-key-delete covers that).",
  ],
  *targets(ctx, attacker) {
    for (const u of others(ctx, T.user, attacker)) {
      const n = keyCount(ctx, u);
      if (n !== undefined && n >= 2) continue;
      const checks = [{ action: "iam:CreateAccessKey", resource: u.id }];
      yield n === undefined
        ? {
            target: u,
            outcome: "acts_as",
            assumptions: [{ code: "access_key_count_unknown", detail: { user: u.id } }],
            checks,
          }
        : { target: u, outcome: "acts_as", checks };
    }
  },
});
