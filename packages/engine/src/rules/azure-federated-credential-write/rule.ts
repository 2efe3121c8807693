// CAN_ESCALATE (acts_as): an identity that may write federated identity credentials on a
// user-assigned managed identity can add one trusting an issuer it controls and then sign in as
// that identity — no secret is ever read. Owner and Contributor at a covering scope have it.
import { AZ } from "../../azure/shapes.js";
import { allows, grantEvidence, rbacIndex, scopeCovers } from "../../azure/rbac.js";
import { defineRule } from "../meta.js";

const FIC_WRITE = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write";

export const azureFederatedCredentialWrite = defineRule(
  {
    id: "azure-federated-credential-write",
    title: "Azure identity can add a federated credential to a managed identity and act as it",
    edge: "CAN_ESCALATE",
    severity: "high",
    risk: "A federated credential trusting the attacker's own OIDC issuer turns write access on the identity into its tokens.",
    remediation: {
      azure: {
        title:
          "Remove federatedIdentityCredentials/write (Contributor or Owner) on the managed identity from principals that should not act as it",
        cli: "az role assignment delete --assignee <principal-id> --role <role> --scope <identity-scope>",
        terraform:
          "# narrow the azurerm_role_assignment that grants <principal> write on the user-assigned identity",
      },
    },
    limitations: ["Federated credentials on app registrations (Microsoft Graph) are not read."],
  },
  (ctx) => {
    const rbac = rbacIndex(ctx);
    const targets = ctx.g.ofType(AZ.userIdentity);
    for (const attacker of rbac.identities()) {
      if (ctx.admins.has(attacker.id)) continue;
      const grants = rbac.grantsOf(attacker).filter((g) => allows(g, FIC_WRITE));
      if (!grants.length) continue;
      for (const t of targets) {
        if (t.id === attacker.id) continue;
        const covering = grants.filter((g) => scopeCovers(g.scope, t.id));
        if (!covering.length) continue;
        ctx.sink.add(attacker.id, "CAN_ESCALATE", t.id, {
          rule: "azure-federated-credential-write",
          props: { techniques: ["azure-federated-credential-write"], outcome: "acts_as" },
          evidence: covering.map((g) => grantEvidence(g, { grants: FIC_WRITE, on: t.id })),
          assumptions: [...covering.flatMap((g) => g.assumptions), ...ctx.stale(attacker), ...ctx.stale(t)],
        });
      }
    }
  },
);
