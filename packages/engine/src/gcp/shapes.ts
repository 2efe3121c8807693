// The node props the engine reads from the GCP connector's graph (packages/discovery/src/gcp:
// the Cloud Asset transform), described once and tolerant: a missing field is unknown, never safe.
import { z } from "zod";

const str = z.string();
const strList = z.array(z.string()).catch([]);

export const GT = {
  organization: "gcp.organization",
  folder: "gcp.folder",
  project: "gcp.project",
  instance: "gcp.compute.instance",
  firewall: "gcp.compute.firewall",
  bucket: "gcp.storage.bucket",
  sqlInstance: "gcp.sql.instance",
  bigqueryDataset: "gcp.bigquery.dataset",
  spannerInstance: "gcp.spanner.instance",
  spannerDatabase: "gcp.spanner.database",
  bigtableInstance: "gcp.bigtable.instance",
  serviceAccount: "gcp.iam.service_account",
  serviceAccountKey: "gcp.iam.service_account_key",
  iamPolicy: "gcp.iam.policy",
} as const;

/** The collectors whose data the rules read (evidence `source`). */
export const GCP_COLLECTOR = { resource: "gcp-cai-resource", iamPolicy: "gcp-cai-iam-policy" } as const;

export const GcpInstanceProps = z.looseObject({
  status: str.optional(),
  networkTags: strList.optional(),
  serviceAccounts: strList.optional(),
  scopes: strList.optional(),
  externalIps: strList.optional(),
  hasExternalAccess: z.boolean().optional(),
  networkInterfaces: z
    .array(
      z.looseObject({
        network: str.optional(),
        externalIps: strList.optional(),
        accessConfigs: z.number().optional(),
      }),
    )
    .catch([])
    .optional(),
});

const FwRule = z.looseObject({ protocol: str.catch("all"), ports: strList });
export type GcpFwRule = z.infer<typeof FwRule>;

export const GcpFirewallProps = z.looseObject({
  network: str.optional(),
  direction: str.optional(),
  priority: z.coerce.number().optional(),
  disabled: z.boolean().optional(),
  sourceRanges: strList.optional(),
  targetTags: strList.optional(),
  targetServiceAccounts: strList.optional(),
  allowed: z.array(FwRule).catch([]).optional(),
  denied: z.array(FwRule).catch([]).optional(),
});
export type GcpFirewallProps = z.infer<typeof GcpFirewallProps>;

export const GcpBucketProps = z.looseObject({ publicAccessPrevention: str.optional() });

export const GcpSqlProps = z.looseObject({
  ipv4Enabled: z.boolean().optional(),
  authorizedNetworks: strList.optional(),
  publicIps: strList.optional(),
  state: str.optional(),
});

/** One entry of a BigQuery dataset's own ACL (the Dataset resource's `access[]`). */
const DatasetAccess = z.looseObject({
  role: str.optional(),
  userByEmail: str.optional(),
  groupByEmail: str.optional(),
  domain: str.optional(),
  specialGroup: str.optional(),
  iamMember: str.optional(),
});
export type GcpDatasetAccess = z.infer<typeof DatasetAccess>;

export const GcpDatasetProps = z.looseObject({
  access: z.array(DatasetAccess).catch([]).optional(),
});

export const GcpServiceAccountProps = z.looseObject({
  email: str.optional(),
  disabled: z.boolean().optional(),
});

export const GcpKeyProps = z.looseObject({
  keyType: str.optional(),
  disabled: z.boolean().optional(),
  validBeforeTime: str.optional(),
});

const Binding = z.looseObject({
  role: str,
  members: strList,
  condition: z.looseObject({ expression: str.optional(), title: str.optional() }).optional(),
});
export type GcpBinding = z.infer<typeof Binding>;

export const GcpPolicyProps = z.looseObject({
  resource: str.optional(),
  level: str.optional(),
  bindings: z.array(Binding).catch([]).optional(),
});
