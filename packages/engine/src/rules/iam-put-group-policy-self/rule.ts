// pathfinding.cloud iam-011 as a rule: metadata from the catalogue entry, targets and checks here.
import { T } from "../../aws/shapes.js";
import { defineTechnique } from "../../escalation/technique.js";
import { groupsOf } from "../../escalation/targets.js";
import type { EstateNode } from "../../graph.js";

const memberOf = (u: EstateNode, g: EstateNode) => ({
  source: "aws-iam",
  ref: `${u.id}#GroupList`,
  detail: { group: g.id },
});

export const iamPutGroupPolicySelf = defineTechnique({
  id: "iam-put-group-policy-self",
  catalogueId: "iam-011",
  attackers: [T.user],
  remediation: {
    title: "Remove iam:PutGroupPolicy on groups the principal belongs to",
    cli: "aws iam delete-group-policy --group-name <group> --policy-name <policy granting iam:PutGroupPolicy>",
    terraform: "# drop iam:PutGroupPolicy on the principal's own groups",
  },
  limitations: [],
  *targets(ctx, attacker) {
    for (const g of groupsOf(ctx, attacker))
      yield {
        target: attacker,
        outcome: "admin",
        evidence: [memberOf(attacker, g)],
        checks: [{ action: "iam:PutGroupPolicy", resource: g.id }],
      };
  },
});
