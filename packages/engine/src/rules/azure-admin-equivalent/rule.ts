// Admin-equivalent Azure identities (targets of path search, tier 1 by default): a role assignment
// at the subscription or above (management group, tenant root) whose role may write both role
// assignments and role definitions — Owner, User Access Administrator, or a custom role with the
// same reach. Such an identity can give itself any permission in the subscription.
import type { Evidence } from "@ctem/model";
import { allows, grantEvidence, isSubscriptionOrAbove, rbacIndex } from "../../azure/rbac.js";
import { defineRule } from "../meta.js";

export const AUTHZ_WRITE = "Microsoft.Authorization/roleAssignments/write";
const ROLE_DEF_WRITE = "Microsoft.Authorization/roleDefinitions/write";

export const azureAdminEquivalent = defineRule(
  {
    id: "azure-admin-equivalent",
    title: "Azure identity is administrator-equivalent",
    severity: "critical",
    risk: "The identity controls access to the whole subscription: it can grant itself or anyone any role.",
    remediation: {
      azure: {
        title:
          "Replace Owner / User Access Administrator at subscription scope with narrower roles at narrower scopes; use PIM for break-glass access",
        cli: "az role assignment delete --assignee <principal-id> --role Owner --scope /subscriptions/<subscription>",
        terraform:
          '# remove the azurerm_role_assignment of "Owner" / "User Access Administrator" at the subscription for <principal>',
      },
    },
    limitations: [
      "Entra ID directory roles (Global Administrator, Privileged Role Administrator) are not read.",
    ],
  },
  (ctx) => {
    const rbac = rbacIndex(ctx);
    for (const ident of rbac.identities()) {
      const evidence: Evidence[] = [];
      const assumptions = [];
      for (const g of rbac.grantsOf(ident))
        if (isSubscriptionOrAbove(g.scope) && allows(g, AUTHZ_WRITE) && allows(g, ROLE_DEF_WRITE)) {
          evidence.push(grantEvidence(g, { grants: [AUTHZ_WRITE, ROLE_DEF_WRITE] }));
          assumptions.push(...g.assumptions);
        }
      if (evidence.length)
        ctx.admins.set(ident.id, {
          id: ident.id,
          evidence,
          assumptions: [...assumptions, ...ctx.stale(ident)],
        });
    }
  },
);
