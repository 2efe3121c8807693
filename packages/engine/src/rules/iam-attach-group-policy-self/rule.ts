// pathfinding.cloud iam-010 as a rule: metadata from the catalogue entry, targets and checks here.
import { T } from "../../aws/shapes.js";
import { defineTechnique } from "../../escalation/technique.js";
import { groupsOf } from "../../escalation/targets.js";
import type { EstateNode } from "../../graph.js";

const memberOf = (u: EstateNode, g: EstateNode) => ({
  source: "aws-iam",
  ref: `${u.id}#GroupList`,
  detail: { group: g.id },
});

export const iamAttachGroupPolicySelf = defineTechnique({
  id: "iam-attach-group-policy-self",
  catalogueId: "iam-010",
  attackers: [T.user],
  remediation: {
    title: "Remove iam:AttachGroupPolicy on groups the principal belongs to",
    cli: "aws iam detach-group-policy --group-name <group> --policy-arn <policy granting iam:AttachGroupPolicy>",
    terraform: "# drop iam:AttachGroupPolicy on the principal's own groups",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const g of groupsOf(ctx, attacker))
      yield {
        target: attacker,
        outcome: "admin",
        evidence: [memberOf(attacker, g)],
        checks: [{ action: "iam:AttachGroupPolicy", resource: g.id }],
      };
  },
});
