// Service principals of the tenant's applications and their client secrets (Microsoft Graph,
// opt-in: it needs the Graph application permission Application.Read.All, not an Azure role).
// Secrets live on the application object and, less often, on the service principal itself; both
// are joined to the service principal, whose object id is what role assignments name. Only the
// secrets' metadata is read (key id, name, end date) — Graph never returns their values.
// Managed identities' service principals are left to the ARM modules.
import { CollectError, azureCall } from "../errors.js";
import { azureSink } from "../facts.js";
import { principalNodeId } from "../ids.js";
import { defineAzureModule } from "../module.js";

interface PasswordCredential {
  keyId?: string;
  displayName?: string | null;
  endDateTime?: string | null;
}

export interface GraphServicePrincipal {
  id?: string;
  appId?: string;
  displayName?: string;
  servicePrincipalType?: string;
  accountEnabled?: boolean;
  passwordCredentials?: PasswordCredential[];
}

export interface GraphApplication {
  id?: string;
  appId?: string;
  displayName?: string;
  passwordCredentials?: PasswordCredential[];
}

export interface GraphRaw {
  servicePrincipals: GraphServicePrincipal[];
  applications: GraphApplication[];
}

export const azureGraphServicePrincipals = defineAzureModule<GraphRaw>({
  id: "azure-graph-service-principals",
  description:
    "Service principals of the tenant's applications with their client secrets' metadata (Microsoft Graph; opt-in).",
  produces: { nodes: ["azure.ad.service_principal"], edges: [] },
  dependsOn: [],
  permissions: [],
  graphPermissions: ["Application.Read.All"],
  optIn: "graph",
  async collect({ graph }) {
    if (!graph)
      throw new CollectError("graph_not_configured", "Microsoft Graph was not configured for this scan");
    const [servicePrincipals, applications] = await Promise.all([
      azureCall("graph servicePrincipals", () =>
        graph.list<GraphServicePrincipal>(
          "/v1.0/servicePrincipals?$select=id,appId,displayName,servicePrincipalType,accountEnabled,passwordCredentials",
        ),
      ),
      azureCall("graph applications", () =>
        graph.list<GraphApplication>("/v1.0/applications?$select=id,appId,displayName,passwordCredentials"),
      ),
    ]);
    return { servicePrincipals, applications };
  },
  transform({ servicePrincipals, applications }, ctx) {
    const s = azureSink(ctx);
    const apps = new Map(applications.filter((a) => a.appId).map((a) => [a.appId!, a]));
    for (const sp of servicePrincipals) {
      if (!sp.id || sp.servicePrincipalType === "ManagedIdentity") continue;
      const app = sp.appId ? apps.get(sp.appId) : undefined;
      const creds = [
        ...(app?.passwordCredentials ?? []).map((c) => ({ ...c, on: "application" })),
        ...(sp.passwordCredentials ?? []).map((c) => ({ ...c, on: "servicePrincipal" })),
      ];
      // The tenant's own applications, and any principal holding a secret; not every first-party app.
      if (!app && !creds.length) continue;
      s.node({
        id: principalNodeId(sp.id),
        kind: "identity",
        type: "azure.ad.service_principal",
        name: sp.displayName ?? sp.appId ?? sp.id,
        props: {
          principalId: sp.id.toLowerCase(),
          appId: sp.appId,
          applicationObjectId: app?.id,
          servicePrincipalType: sp.servicePrincipalType,
          accountEnabled: sp.accountEnabled,
          passwordCredentials: creds
            .map((c) => ({
              keyId: c.keyId ?? "",
              ...(c.displayName ? { displayName: c.displayName } : {}),
              ...(c.endDateTime ? { endDateTime: c.endDateTime } : {}),
              on: c.on,
            }))
            .sort((a, b) => a.keyId.localeCompare(b.keyId)),
        },
      });
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});
