// pathfinding.cloud ec2-002 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { sameAccount } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const ec2ModifyInstanceUserData = defineTechnique({
  id: "ec2-modify-instance-user-data",
  catalogueId: "ec2-002",
  attackers: [T.user, T.role],
  remediation: {
    title: "Remove ec2:ModifyInstanceAttribute on instances with privileged roles",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://no-modify-instance-attribute.json",
    terraform: "# scope ec2:ModifyInstanceAttribute away from instances with roles",
  },
  limitations: [
    "Uses the RUNS_AS edges derived before it; instances whose metadata endpoint is off are not targets.",
  ],
  *targets(ctx, attacker) {
    for (const inst of ctx.g.ofType(T.instance).filter((i) => sameAccount(i, attacker)))
      for (const profile of ctx.g.out(inst.id, "HAS_ROLE"))
        for (const m of ctx.g.in(profile.to, "MEMBER_OF")) {
          const role = ctx.g.node(m.from);
          // Only where the instance really runs as the role (RUNS_AS derived before this rule).
          if (!role || role.id === attacker.id || !ctx.sink.has(inst.id, "RUNS_AS", role.id)) continue;
          yield {
            target: role,
            outcome: "acts_as",
            evidence: [{ source: "engine", ref: `RUNS_AS ${inst.id}`, detail: { instance: inst.id } }],
            checks: [
              { action: "ec2:ModifyInstanceAttribute", resource: inst.id },
              { action: "ec2:StopInstances", resource: inst.id },
              { action: "ec2:StartInstances", resource: inst.id },
            ],
          };
        }
  },
});
