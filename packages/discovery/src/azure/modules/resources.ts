// The subscription, its resource groups and the generic resource list. The typed modules describe
// what reachability and identity need; the generic list adds the data stores, vaults and compute
// no typed module reads (Cosmos DB, Key Vault, SQL databases, App Service, AKS) so they can be
// crown jewels. Other resource types are counted on the subscription, not made nodes.
import type { GenericResourceExpanded, ResourceGroup } from "@azure/arm-resources";
import type { NodeKind } from "@ctem/model";
import { allItems } from "../errors.js";
import { azureSink } from "../facts.js";
import { azId, nameOf, subscriptionId } from "../ids.js";
import { defineAzureModule } from "../module.js";

export const azureResourceGroups = defineAzureModule<ResourceGroup[]>({
  id: "azure-resource-groups",
  description: "The subscription and its resource groups (the scopes role assignments inherit through).",
  produces: { nodes: ["azure.subscription", "azure.resource_group"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: ["Microsoft.Resources/subscriptions/resourceGroups/read"],
  collect: ({ clients }) => allItems("resourceGroups.list", clients.resources().resourceGroups.list()),
  transform(groups, ctx) {
    const s = azureSink(ctx);
    const sub = subscriptionId(ctx.subscriptionId);
    s.node({
      id: sub,
      kind: "account",
      type: "azure.subscription",
      name: ctx.subscriptionId,
      props: { subscriptionId: ctx.subscriptionId, resourceGroups: groups.length },
    });
    for (const g of groups) {
      if (!g.id) continue;
      const id = azId(g.id);
      s.node({
        id,
        kind: "account",
        type: "azure.resource_group",
        name: g.name ?? nameOf(g.id),
        location: g.location,
        tags: g.tags,
        props: { provisioningState: g.properties?.provisioningState, managedBy: g.managedBy },
      });
      s.edge(sub, "CONTAINS", id);
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});

/** Resource types the generic list turns into nodes (lower-cased ARM type → kind, ctem type). */
const GENERIC: Record<string, { kind: NodeKind; type: string }> = {
  "microsoft.documentdb/databaseaccounts": { kind: "data_store", type: "azure.cosmosdb.account" },
  "microsoft.keyvault/vaults": { kind: "secret", type: "azure.keyvault.vault" },
  "microsoft.sql/servers/databases": { kind: "data_store", type: "azure.sql.database" },
  "microsoft.web/sites": { kind: "compute", type: "azure.web.site" },
  "microsoft.containerservice/managedclusters": { kind: "compute", type: "azure.aks.cluster" },
};

export const azureResources = defineAzureModule<GenericResourceExpanded[]>({
  id: "azure-resources",
  description:
    "The generic resource list: Cosmos DB accounts, Key Vaults, SQL databases, App Service sites and AKS clusters (types no typed module reads).",
  produces: {
    nodes: Object.values(GENERIC).map((g) => g.type),
    edges: ["CONTAINS"],
  },
  dependsOn: [],
  permissions: ["Microsoft.Resources/subscriptions/resources/read"],
  collect: ({ clients }) => allItems("resources.list", clients.resources().resources.list()),
  transform(resources, ctx) {
    const s = azureSink(ctx);
    for (const r of resources) {
      const g = GENERIC[(r.type ?? "").toLowerCase()];
      if (!r.id || !g) continue;
      const id = azId(r.id);
      s.node({
        id,
        kind: g.kind,
        type: g.type,
        name: r.name ?? nameOf(r.id),
        location: r.location,
        tags: r.tags,
        props: {
          armType: r.type,
          kind: r.kind,
          sku: r.sku?.name,
          identity: r.identity?.type,
          principalId: r.identity?.principalId,
        },
      });
      s.contains(id);
      // A SQL database belongs to its server (the server is what firewall rules and roles name).
      if (g.type === "azure.sql.database")
        s.edge(azId(r.id.split("/").slice(0, -2).join("/")), "CONTAINS", id);
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});
