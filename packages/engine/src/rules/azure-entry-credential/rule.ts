// Entries (DESIGN "Prioritization" step 2) in Azure: service principals with a client secret that
// has not expired (a secret leaks like an access key), and managed identities with a federated
// identity credential (whoever controls the trusted external workload — a CI pipeline, another
// cloud's service account — signs in as the identity from anywhere).
import { AZ, AZ_COLLECTOR, IdentityProps, readProps } from "../../azure/shapes.js";
import { defineRule } from "../meta.js";

export const azureEntryCredential = defineRule(
  {
    id: "azure-entry-credential",
    title: "Azure identity usable from outside: a service principal secret or a federated credential",
    severity: "medium",
    risk: "A leaked client secret, or a compromised workload trusted through federation, signs in as the identity from anywhere.",
    remediation: {
      azure: {
        title:
          "Remove unused secrets (prefer certificates or managed identities); narrow federated credential subjects to the workloads that need them",
        cli: "az ad app credential delete --id <app-id> --key-id <key-id>",
        terraform:
          "# remove the azuread_application_password for <application>; narrow azurerm_federated_identity_credential.subject",
      },
    },
    limitations: [
      "Service principal secrets are read only when Microsoft Graph data is present; certificates are not entries here.",
    ],
  },
  (ctx) => {
    const now = Date.now();
    for (const sp of ctx.g.ofType(AZ.servicePrincipal)) {
      const p = readProps(IdentityProps, sp.props).value;
      const live = (p.passwordCredentials ?? []).filter(
        (c) => !c.endDateTime || Date.parse(c.endDateTime) > now,
      );
      if (!live.length) continue;
      ctx.entries.set(sp.id, {
        id: sp.id,
        reason: "service_principal_secret",
        evidence: live.map((c) => ({
          source: AZ_COLLECTOR.graph,
          ref: `${sp.id}#passwordCredentials/${c.keyId ?? c.displayName ?? "?"}`,
          detail: {
            ...(c.endDateTime ? { endDateTime: c.endDateTime } : {}),
            ...(c.displayName ? { displayName: c.displayName } : {}),
          },
        })),
        assumptions: ctx.stale(sp),
      });
    }
    for (const mi of ctx.g.ofType(AZ.userIdentity)) {
      const fics = readProps(IdentityProps, mi.props).value.federatedCredentials ?? [];
      if (!fics.length || ctx.entries.has(mi.id)) continue;
      ctx.entries.set(mi.id, {
        id: mi.id,
        reason: "federated_credential",
        evidence: fics.map((f) => ({
          source: AZ_COLLECTOR.identities,
          ref: `${mi.id}/federatedidentitycredentials/${(f.name ?? "").toLowerCase()}`,
          detail: { issuer: f.issuer ?? "", subject: f.subject ?? "" },
        })),
        assumptions: [...ctx.stale(mi), { code: "external_workload_trusted", detail: { identity: mi.id } }],
      });
    }
  },
);
