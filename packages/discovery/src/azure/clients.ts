// The ARM SDK clients one scan uses, built lazily with the same credential, endpoint, token
// audience and (in tests) HTTP client. Nothing is created at import time (CONVENTIONS 5).
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ComputeManagementClient } from "@azure/arm-compute";
import { ManagedServiceIdentityClient } from "@azure/arm-msi";
import { NetworkManagementClient } from "@azure/arm-network";
import { ResourceManagementClient } from "@azure/arm-resources";
import { SqlManagementClient } from "@azure/arm-sql";
import { StorageManagementClient } from "@azure/arm-storage";
import type { TokenCredential } from "@azure/core-auth";
import type { ServiceClientOptions } from "@azure/core-client";
import type { HttpClient } from "@azure/core-rest-pipeline";

export interface AzureClientOptions {
  subscriptionId: string;
  credential: TokenCredential;
  /** The ARM endpoint, e.g. https://management.azure.com. */
  armEndpoint: string;
  /** The token audience for ARM (`<audience>/.default`). */
  audience: string;
  /** Replaces the transport (tests replay through it). */
  httpClient?: HttpClient;
  /** Retries per call on throttling and transient errors (the SDK default is 3). */
  maxRetries?: number;
}

export interface AzureClients {
  resources(): ResourceManagementClient;
  compute(): ComputeManagementClient;
  network(): NetworkManagementClient;
  storage(): StorageManagementClient;
  sql(): SqlManagementClient;
  msi(): ManagedServiceIdentityClient;
  authorization(): AuthorizationManagementClient;
}

export function createAzureClients(o: AzureClientOptions): AzureClients {
  // Every ARM client takes the same core-client options; `endpoint` replaces the public cloud's host.
  const opts: ServiceClientOptions & { endpoint: string } = {
    endpoint: o.armEndpoint.replace(/\/+$/, ""),
    credentialScopes: [`${o.audience.replace(/\/+$/, "")}/.default`],
    ...(o.httpClient ? { httpClient: o.httpClient } : {}),
    retryOptions: { maxRetries: o.maxRetries ?? 3 },
    userAgentOptions: { userAgentPrefix: "ctem" },
  };
  const lazy = <T>(make: () => T) => {
    let c: T | undefined;
    return () => (c ??= make());
  };
  return {
    resources: lazy(() => new ResourceManagementClient(o.credential, o.subscriptionId, opts)),
    compute: lazy(() => new ComputeManagementClient(o.credential, o.subscriptionId, opts)),
    network: lazy(() => new NetworkManagementClient(o.credential, o.subscriptionId, opts)),
    storage: lazy(() => new StorageManagementClient(o.credential, o.subscriptionId, opts)),
    sql: lazy(() => new SqlManagementClient(o.credential, o.subscriptionId, opts)),
    msi: lazy(() => new ManagedServiceIdentityClient(o.credential, o.subscriptionId, opts)),
    authorization: lazy(() => new AuthorizationManagementClient(o.credential, o.subscriptionId, opts)),
  };
}
