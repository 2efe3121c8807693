// pathfinding.cloud ec2-003 as a rule: metadata from the catalogue entry, targets and checks here.
import { T } from "../../aws/shapes.js";
import { defineTechnique } from "../../escalation/technique.js";
import { sameAccount, serviceRoles } from "../../escalation/targets.js";
import type { EstateNode } from "../../graph.js";

const spotRequests = (a: EstateNode) =>
  `arn:${a.id.split(":")[1] || "aws"}:ec2:*:${a.accountId ?? "*"}:spot-instances-request/*`;

export const ec2PassroleSpotInstances = defineTechnique({
  id: "ec2-passrole-spot-instances",
  catalogueId: "ec2-003",
  attackers: [T.user, T.role],
  remediation: {
    title: "Scope iam:PassRole to the roles the principal must pass",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://scoped-passrole.json",
    terraform: "# resources = [specific role ARNs] for iam:PassRole",
  },
  limitations: ["Only roles that already have an instance profile are targets."],
  *targets(ctx, attacker) {
    for (const { role, profiles } of serviceRoles(ctx, "ec2.amazonaws.com")) {
      if (role.id === attacker.id || !profiles.length || !sameAccount(role, attacker)) continue;
      yield {
        target: role,
        outcome: "acts_as",
        evidence: [
          {
            source: "aws-iam",
            ref: `${role.id}#trust`,
            detail: { service: "ec2.amazonaws.com", instanceProfiles: profiles },
          },
        ],
        checks: [
          { action: "iam:PassRole", resource: role.id },
          { action: "ec2:RequestSpotInstances", resource: spotRequests(attacker) },
        ],
      };
    }
  },
});
