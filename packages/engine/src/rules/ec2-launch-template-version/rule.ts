// pathfinding.cloud ec2-004 as a rule: metadata from the catalogue entry, targets and checks here.
import { defineTechnique } from "../../escalation/technique.js";
import { sameAccount } from "../../escalation/targets.js";
import { T } from "../../aws/shapes.js";

export const ec2LaunchTemplateVersion = defineTechnique({
  id: "ec2-launch-template-version",
  catalogueId: "ec2-004",
  attackers: [T.user, T.role],
  remediation: {
    title: "Restrict launch template changes to pipelines that own them",
    cli: "aws iam create-policy-version --policy-arn <policy-arn> --set-as-default --policy-document file://no-launch-template-edit.json",
    terraform: "# scope ec2:CreateLaunchTemplateVersion / ec2:ModifyLaunchTemplate",
  },
  limitations: [
    "Needs launch templates in the graph (aws.ec2.launch_template with HAS_ROLE \u2192 instance profile), which the AWS connector does not list yet; whether an Auto Scaling group uses the template is an assumption.",
  ],
  *targets(ctx, attacker) {
    for (const lt of ctx.g.ofType(T.launchTemplate).filter((l) => sameAccount(l, attacker)))
      for (const profile of ctx.g.out(lt.id, "HAS_ROLE"))
        for (const m of ctx.g.in(profile.to, "MEMBER_OF")) {
          const role = ctx.g.node(m.from);
          if (!role || role.type !== T.role || role.id === attacker.id) continue;
          yield {
            target: role,
            outcome: "acts_as",
            evidence: [
              { source: "aws-ec2-launch-templates", ref: lt.id, detail: { instanceProfile: profile.to } },
            ],
            assumptions: [{ code: "launch_template_in_use_unknown", detail: { launchTemplate: lt.id } }],
            checks: [
              { action: "ec2:CreateLaunchTemplateVersion", resource: lt.id },
              { action: "ec2:ModifyLaunchTemplate", resource: lt.id },
            ],
          };
        }
  },
});
