// Marks admin-equivalent identities (DESIGN: targets of path search, tier 1): an unconditional
// Allow of every action on every resource, not cut down by a Deny or a permission boundary.
// Probed with actions from the services that matter, so `NotAction: ["iam:*"]` is not admin.
import type { Evidence } from "@ctem/model";
import { evaluate } from "../../iam/evaluate.js";
import { covers } from "../../iam/glob.js";
import type { Statement } from "../../iam/policy.js";
import { policiesOf, principals } from "../../iam/principals.js";
import { defineRule } from "../meta.js";

const PROBES = [
  "iam:PutRolePolicy",
  "iam:CreateAccessKey",
  "sts:AssumeRole",
  "s3:GetObject",
  "ec2:RunInstances",
  "kms:Decrypt",
];

export const adminEquivalent = defineRule(
  {
    id: "admin-equivalent",
    title: "Identity is administrator-equivalent",
    severity: "critical",
    risk: "The identity may do anything in the account: every other control can be changed by it.",
    remediation: {
      aws: {
        title:
          "Replace AdministratorAccess-style grants with task-scoped policies; keep break-glass admins without long-lived keys",
        cli: "aws iam detach-role-policy --role-name <role> --policy-arn arn:aws:iam::aws:policy/AdministratorAccess",
        terraform:
          '# remove the attachment of AdministratorAccess (or the "*" on "*" statement) from <principal>',
      },
    },
    limitations: [
      "Probes a fixed set of actions on `*`; a policy granting every action but one of the probes is not admin here.",
    ],
  },
  (ctx) => {
    const wide = (sts: readonly Statement[] | undefined) =>
      sts?.filter((st) => st.effect === "Deny" || (st.resource ?? []).some((r) => covers(r, "*")));
    for (const p of principals(ctx)) {
      const pol = policiesOf(ctx, p);
      // Only grants on every resource count; Denies are all kept.
      const identity = wide(pol.identity)!;
      const boundary = wide(pol.boundary);
      const evidence: Evidence[] = [];
      let ok = true;
      for (const action of PROBES) {
        const d = evaluate({ action, resource: "*" }, { identity, boundary });
        if (!d.allowed || d.assumptions.length) {
          ok = false;
          break;
        }
        if (!evidence.length) evidence.push(...d.evidence);
      }
      if (ok) ctx.admins.set(p.id, { id: p.id, evidence, assumptions: ctx.stale(p) });
    }
  },
);
