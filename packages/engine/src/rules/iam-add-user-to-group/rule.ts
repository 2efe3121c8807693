// pathfinding.cloud iam-013 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { groupsOf, others } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const iamAddUserToGroup = defineTechnique({
  id: "iam-add-user-to-group",
  catalogueId: "iam-013",
  attackers: [T.user],
  remediation: {
    title: "Restrict iam:AddUserToGroup to the groups the principal administers",
    cli: "aws iam put-user-policy --user-name <user> --policy-name no-add-to-group --policy-document file://deny-add-user-to-group.json",
    terraform: "# scope iam:AddUserToGroup resources to specific, unprivileged groups",
  },
  limitations: [
    "The edge points at the group: what the group may do is on the group's own CAN_ACCESS / admin marks.",
  ],
  *targets(ctx, attacker) {
    const member = new Set(groupsOf(ctx, attacker).map((g) => g.id));
    for (const g of others(ctx, T.group, attacker))
      if (!member.has(g.id))
        yield { target: g, outcome: "member", checks: [{ action: "iam:AddUserToGroup", resource: g.id }] };
  },
});
