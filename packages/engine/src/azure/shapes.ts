// The node props the engine reads from the Azure connector's graph (packages/discovery/src/azure),
// described once. Tolerant like the AWS shapes: fields are optional, extra fields pass through, a
// missing field becomes an assumption on the edge, never a crash or a silent "safe".
import { z } from "zod";

export { readProps } from "../aws/shapes.js";

const str = z.string();
const strList = z.array(z.string()).catch([]);

/** Node types the Azure connector writes. */
export const AZ = {
  subscription: "azure.subscription",
  vm: "azure.compute.virtual_machine",
  systemIdentity: "azure.managed_identity.system_assigned",
  userIdentity: "azure.managed_identity.user_assigned",
  servicePrincipal: "azure.ad.service_principal",
  publicIp: "azure.network.public_ip",
  nsg: "azure.network.nsg",
  subnet: "azure.network.subnet",
  storage: "azure.storage.account",
  sqlServer: "azure.sql.server",
  roleDefinition: "azure.authorization.role_definition",
  roleAssignment: "azure.authorization.role_assignment",
} as const;

/** Identity types a role assignment can name and path search can walk from. */
export const AZURE_IDENTITY_TYPES = [AZ.systemIdentity, AZ.userIdentity, AZ.servicePrincipal] as const;

/** The collector (module id) that describes each kind of data, for evidence and stale checks. */
export const AZ_COLLECTOR = {
  vms: "azure-compute-vms",
  nics: "azure-network-interfaces",
  publicIps: "azure-public-ips",
  nsgs: "azure-network-security-groups",
  vnets: "azure-virtual-networks",
  storage: "azure-storage-accounts",
  sql: "azure-sql-servers",
  identities: "azure-managed-identities",
  roleDefinitions: "azure-role-definitions",
  roleAssignments: "azure-role-assignments",
  graph: "azure-graph-service-principals",
} as const;

export const NsgRule = z.looseObject({
  name: str.catch(""),
  priority: z.coerce.number().catch(0),
  direction: str.catch(""),
  access: str.catch(""),
  protocol: str.catch("*"),
  sources: strList,
  sourceAsgs: strList.optional(),
  destinations: strList.optional(),
  ports: strList,
});
export type NsgRule = z.infer<typeof NsgRule>;

export const NsgProps = z.looseObject({
  rules: z.array(NsgRule).catch([]).optional(),
  defaultRules: z.array(NsgRule).catch([]).optional(),
});

export const PublicIpProps = z.looseObject({
  ipAddress: str.optional(),
  sku: str.optional(),
  allocation: str.optional(),
});

export const VmProps = z.looseObject({
  provisioningState: str.optional(),
  powerState: str.optional(),
  identityType: str.optional(),
  principalId: str.optional(),
  userAssignedIdentities: strList.optional(),
});

export const IdentityProps = z.looseObject({
  principalId: str.optional(),
  clientId: str.optional(),
  federatedCredentials: z
    .array(z.looseObject({ name: str.optional(), issuer: str.optional(), subject: str.optional() }))
    .catch([])
    .optional(),
  /** Service principals (Microsoft Graph): password credentials with their end dates. */
  passwordCredentials: z
    .array(z.looseObject({ keyId: str.optional(), displayName: str.optional(), endDateTime: str.optional() }))
    .catch([])
    .optional(),
});

export const StorageProps = z.looseObject({
  allowBlobPublicAccess: z.boolean().optional(),
  allowSharedKeyAccess: z.boolean().optional(),
  publicNetworkAccess: str.optional(),
  networkDefaultAction: str.optional(),
  ipRules: strList.optional(),
});

export const SqlServerProps = z.looseObject({
  publicNetworkAccess: str.optional(),
  firewallRules: z
    .array(z.looseObject({ name: str.catch(""), start: str.catch(""), end: str.catch("") }))
    .catch([])
    .optional(),
});

export const RoleDefinitionProps = z.looseObject({
  roleName: str.optional(),
  permissions: z
    .array(
      z.looseObject({
        actions: strList,
        notActions: strList,
        dataActions: strList,
        notDataActions: strList,
      }),
    )
    .catch([]),
});
export type RoleDefinitionProps = z.infer<typeof RoleDefinitionProps>;

export const RoleAssignmentProps = z.looseObject({
  scope: str,
  principalId: str,
  principalType: str.optional(),
  roleDefinitionId: str,
  condition: str.optional(),
});
