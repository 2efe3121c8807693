// CAN_ESCALATE (self, outcome admin): an identity that may write role assignments at the
// subscription or above can assign itself Owner. Admin-equivalent identities are skipped (they
// gain nothing). Narrower scopes are read by azure-can-access-data as admin access to the data
// stores under them.
import { allows, grantEvidence, isSubscriptionOrAbove, rbacIndex } from "../../azure/rbac.js";
import { defineRule } from "../meta.js";
import { AUTHZ_WRITE } from "../azure-admin-equivalent/rule.js";

export const azureRoleAssignmentWrite = defineRule(
  {
    id: "azure-role-assignment-write",
    title: "Azure identity can assign itself any role in the subscription",
    edge: "CAN_ESCALATE",
    severity: "critical",
    risk: "Microsoft.Authorization/roleAssignments/write at the subscription lets the identity make itself Owner.",
    remediation: {
      azure: {
        title:
          "Remove roleAssignments/write from the identity's role, or constrain it with a role-assignment condition (delegation with conditions)",
        cli: "az role assignment delete --assignee <principal-id> --role <role> --scope /subscriptions/<subscription>",
        terraform:
          '# drop "Microsoft.Authorization/roleAssignments/write" from the azurerm_role_definition assigned to <principal>, or add a condition',
      },
    },
    limitations: [
      "Role-assignment conditions that restrict which roles may be assigned are not evaluated (an assumption).",
    ],
  },
  (ctx) => {
    const rbac = rbacIndex(ctx);
    for (const ident of rbac.identities()) {
      if (ctx.admins.has(ident.id)) continue;
      const grants = rbac
        .grantsOf(ident)
        .filter((g) => isSubscriptionOrAbove(g.scope) && allows(g, AUTHZ_WRITE));
      if (!grants.length) continue;
      ctx.sink.add(ident.id, "CAN_ESCALATE", ident.id, {
        rule: "azure-role-assignment-write",
        props: { techniques: ["azure-role-assignment-write"], outcome: "admin" },
        evidence: grants.map((g) => grantEvidence(g, { grants: AUTHZ_WRITE })),
        assumptions: [...grants.flatMap((g) => g.assumptions), ...ctx.stale(ident)],
      });
    }
  },
);
