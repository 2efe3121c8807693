// The credential an Azure scan signs in with: a client secret when one is given (a scope's sealed
// secret, or AZURE_CLIENT_SECRET for a one-off scan), else DefaultAzureCredential (environment,
// workload identity, managed identity, Azure CLI …). The environment is passed in, never read here.
import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import { AZURE_CLOUDS } from "./endpoints.js";
import type { AzureCloud } from "./endpoints.js";

export interface AzureCredentialOptions {
  tenantId: string;
  clientId?: string;
  clientSecret?: string;
  cloud?: AzureCloud;
  /** From resolveAzureEndpoints for a custom ARM endpoint; default: the cloud's login host. */
  authorityHost?: string;
  /** Skip Entra instance discovery (custom clouds, whose authority it does not know). */
  custom?: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export function createAzureCredential(o: AzureCredentialOptions): TokenCredential {
  const authorityHost = o.authorityHost ?? AZURE_CLOUDS[o.cloud ?? "public"].authorityHost;
  const clientId = o.clientId ?? o.env.AZURE_CLIENT_ID;
  // The environment's secret belongs to the environment's client id: never sent for another application.
  const clientSecret =
    o.clientSecret ??
    (!o.clientId || o.clientId === o.env.AZURE_CLIENT_ID ? o.env.AZURE_CLIENT_SECRET : undefined);
  const common = { authorityHost, ...(o.custom ? { disableInstanceDiscovery: true } : {}) };
  if (clientId && clientSecret) return new ClientSecretCredential(o.tenantId, clientId, clientSecret, common);
  return new DefaultAzureCredential({
    // An empty tenant lets the chain use its own (AZURE_TENANT_ID, the CLI's login …).
    ...(o.tenantId ? { tenantId: o.tenantId } : {}),
    ...common,
    ...(clientId ? { managedIdentityClientId: clientId, workloadIdentityClientId: clientId } : {}),
  });
}
