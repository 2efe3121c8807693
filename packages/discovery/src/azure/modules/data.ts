// Data stores: storage accounts (public blob access, network rules, shared-key access) and SQL
// servers with their firewall rules. A failed firewall-rule listing fails the SQL collector: a
// server whose rules were not read must not look closed.
import type { StorageAccount } from "@azure/arm-storage";
import type { FirewallRule, Server } from "@azure/arm-sql";
import { allItems } from "../errors.js";
import { azureSink } from "../facts.js";
import { azId, nameOf, resourceGroupName } from "../ids.js";
import { defineAzureModule } from "../module.js";

export const azureStorageAccounts = defineAzureModule<StorageAccount[]>({
  id: "azure-storage-accounts",
  description:
    "Storage accounts: allowBlobPublicAccess, public network access and network rule set, shared-key access, TLS.",
  produces: { nodes: ["azure.storage.account"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: ["Microsoft.Storage/storageAccounts/read"],
  collect: ({ clients }) => allItems("storageAccounts.list", clients.storage().storageAccounts.list()),
  transform(accounts, ctx) {
    const s = azureSink(ctx);
    for (const a of accounts) {
      if (!a.id) continue;
      const id = azId(a.id);
      const rules = a.networkRuleSet;
      s.node({
        id,
        kind: "data_store",
        type: "azure.storage.account",
        name: a.name ?? nameOf(a.id),
        location: a.location,
        tags: a.tags,
        props: {
          kind: a.kind,
          sku: a.sku?.name,
          // ARM omits the flag on accounts created before it existed: there, public access was allowed.
          allowBlobPublicAccess: a.allowBlobPublicAccess,
          allowSharedKeyAccess: a.allowSharedKeyAccess,
          publicNetworkAccess: a.publicNetworkAccess,
          networkDefaultAction: rules?.defaultAction,
          networkBypass: rules?.bypass,
          ipRules: (rules?.ipRules ?? []).map((r) => r.iPAddressOrRange),
          virtualNetworkRules: (rules?.virtualNetworkRules ?? []).map((r) =>
            azId(r.virtualNetworkResourceId),
          ),
          httpsOnly: a.enableHttpsTrafficOnly,
          minimumTlsVersion: a.minimumTlsVersion,
          blobEndpoint: a.primaryEndpoints?.blob,
        },
      });
      s.contains(id);
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});

export interface SqlServerRaw {
  server: Server;
  firewallRules: FirewallRule[];
}

export const azureSqlServers = defineAzureModule<SqlServerRaw[]>({
  id: "azure-sql-servers",
  description:
    "SQL servers: endpoint, public network access, firewall rules (0.0.0.0–255.255.255.255 is the internet).",
  produces: { nodes: ["azure.sql.server"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: ["Microsoft.Sql/servers/read", "Microsoft.Sql/servers/firewallRules/read"],
  async collect({ clients }) {
    const servers = await allItems("servers.list", clients.sql().servers.list());
    const out: SqlServerRaw[] = [];
    for (const server of servers) {
      const rg = server.id ? resourceGroupName(server.id) : undefined;
      if (!rg || !server.name) continue;
      const firewallRules = await allItems(
        `firewallRules.listByServer(${server.name})`,
        clients.sql().firewallRules.listByServer(rg, server.name),
      );
      out.push({ server, firewallRules });
    }
    return out;
  },
  transform(servers, ctx) {
    const s = azureSink(ctx);
    for (const { server, firewallRules } of servers) {
      if (!server.id) continue;
      const id = azId(server.id);
      s.node({
        id,
        kind: "data_store",
        type: "azure.sql.server",
        name: server.name ?? nameOf(server.id),
        location: server.location,
        tags: server.tags,
        props: {
          fqdn: server.fullyQualifiedDomainName,
          version: server.version,
          publicNetworkAccess: server.publicNetworkAccess,
          administratorLogin: server.administratorLogin,
          firewallRules: firewallRules
            .map((r) => ({ name: r.name ?? "", start: r.startIpAddress ?? "", end: r.endIpAddress ?? "" }))
            .sort((a, b) => a.name.localeCompare(b.name)),
        },
      });
      s.contains(id);
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});
