// The Azure modules, in one ordered list. The runner runs them concurrently (bounded); none reads
// another's output (role assignments name principals by object id, which the engine joins), so
// this order is only the order of progress lines, the generated role and docs/azure.md: the
// subscription and its groups first (every CONTAINS edge hangs off them), then compute and the
// network, data stores, and identity and access last.
import type { AzureModule } from "../module.js";
import { azureVirtualMachines } from "./compute.js";
import { azureSqlServers, azureStorageAccounts } from "./data.js";
import { azureGraphServicePrincipals } from "./graph.js";
import { azureManagedIdentities, azureRoleAssignments, azureRoleDefinitions } from "./identity.js";
import {
  azureLoadBalancers,
  azureNetworkInterfaces,
  azureNetworkSecurityGroups,
  azurePublicIps,
  azureVirtualNetworks,
} from "./network.js";
import { azureResourceGroups, azureResources } from "./resources.js";

export const AZURE_MODULES: readonly AzureModule[] = [
  azureResourceGroups,
  azureResources,
  azureVirtualMachines,
  azureNetworkInterfaces,
  azurePublicIps,
  azureNetworkSecurityGroups,
  azureVirtualNetworks,
  azureLoadBalancers,
  azureStorageAccounts,
  azureSqlServers,
  azureManagedIdentities,
  azureRoleDefinitions,
  azureRoleAssignments,
  // Opt-in (Microsoft Graph): service principals with client secrets, the entries role assignments name.
  azureGraphServicePrincipals,
];
