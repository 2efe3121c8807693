// Identity and access: user-assigned managed identities with their federated identity credentials
// (an external issuer that may act as the identity), role definitions, and role assignments at
// every scope the subscription sees (management group, subscription, resource group, resource).
// Assignments name principals by object id; the engine joins them to identities by principalId.
import type { RoleAssignment, RoleDefinition } from "@azure/arm-authorization";
import type { FederatedIdentityCredential, Identity } from "@azure/arm-msi";
import { allItems } from "../errors.js";
import { azureSink } from "../facts.js";
import { azId, nameOf, resourceGroupName, subscriptionId } from "../ids.js";
import { defineAzureModule } from "../module.js";

export interface ManagedIdentityRaw {
  identity: Identity;
  federated: FederatedIdentityCredential[];
}

export const azureManagedIdentities = defineAzureModule<ManagedIdentityRaw[]>({
  id: "azure-managed-identities",
  description:
    "User-assigned managed identities (principal and client ids) and their federated identity credentials.",
  produces: { nodes: ["azure.managed_identity.user_assigned"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: [
    "Microsoft.ManagedIdentity/userAssignedIdentities/read",
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/read",
  ],
  async collect({ clients }) {
    const ids = await allItems(
      "userAssignedIdentities.listBySubscription",
      clients.msi().userAssignedIdentities.listBySubscription(),
    );
    const out: ManagedIdentityRaw[] = [];
    for (const identity of ids) {
      const rg = identity.id ? resourceGroupName(identity.id) : undefined;
      if (!rg || !identity.name) continue;
      const federated = await allItems(
        `federatedIdentityCredentials.list(${identity.name})`,
        clients.msi().federatedIdentityCredentials.list(rg, identity.name),
      );
      out.push({ identity, federated });
    }
    return out;
  },
  transform(raws, ctx) {
    const s = azureSink(ctx);
    for (const { identity: i, federated } of raws) {
      if (!i.id) continue;
      const id = azId(i.id);
      s.node({
        id,
        kind: "identity",
        type: "azure.managed_identity.user_assigned",
        name: i.name ?? nameOf(i.id),
        location: i.location,
        tags: i.tags,
        props: {
          principalId: i.principalId?.toLowerCase(),
          clientId: i.clientId,
          tenantId: i.tenantId,
          federatedCredentials: federated
            .map((f) => ({
              name: f.name ?? "",
              issuer: f.issuer ?? "",
              subject: f.subject ?? "",
              audiences: f.audiences ?? [],
            }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        },
      });
      s.contains(id);
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});

export const azureRoleDefinitions = defineAzureModule<RoleDefinition[]>({
  id: "azure-role-definitions",
  description:
    "Role definitions visible at the subscription (built-in and custom): actions and data actions.",
  produces: { nodes: ["azure.authorization.role_definition"], edges: [] },
  dependsOn: [],
  permissions: ["Microsoft.Authorization/roleDefinitions/read"],
  collect: ({ clients, subscriptionId: sub }) =>
    allItems(
      "roleDefinitions.list",
      clients.authorization().roleDefinitions.list(subscriptionId(sub).slice(1)),
    ),
  transform(defs, ctx) {
    const s = azureSink(ctx);
    for (const d of defs) {
      if (!d.id) continue;
      s.node({
        id: azId(d.id),
        kind: "policy",
        type: "azure.authorization.role_definition",
        name: d.roleName ?? nameOf(d.id),
        props: {
          roleName: d.roleName,
          roleType: d.roleType,
          permissions: (d.permissions ?? []).map((p) => ({
            actions: p.actions ?? [],
            notActions: p.notActions ?? [],
            dataActions: p.dataActions ?? [],
            notDataActions: p.notDataActions ?? [],
          })),
          assignableScopes: (d.assignableScopes ?? []).map(azId),
        },
      });
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});

export const azureRoleAssignments = defineAzureModule<RoleAssignment[]>({
  id: "azure-role-assignments",
  description:
    "Role assignments at every scope above and below the subscription: principal, role, scope, condition.",
  produces: { nodes: ["azure.authorization.role_assignment"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: ["Microsoft.Authorization/roleAssignments/read"],
  collect: ({ clients }) =>
    allItems(
      "roleAssignments.listForSubscription",
      clients.authorization().roleAssignments.listForSubscription(),
    ),
  transform(assignments, ctx) {
    const s = azureSink(ctx);
    for (const a of assignments) {
      if (!a.id || !a.principalId || !a.roleDefinitionId) continue;
      const id = azId(a.id);
      s.node({
        id,
        kind: "policy",
        type: "azure.authorization.role_assignment",
        name: a.name ?? nameOf(a.id),
        props: {
          scope: azId(a.scope ?? "/"),
          principalId: a.principalId.toLowerCase(),
          principalType: a.principalType,
          roleDefinitionId: azId(a.roleDefinitionId),
          condition: a.condition,
        },
      });
      // Assignments above the subscription (management groups, root) are not inside it.
      if (id.startsWith(subscriptionId(ctx.subscriptionId))) s.contains(id);
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});
