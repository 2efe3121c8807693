// The GCP modules, in the order the scan starts them. Order does not matter for correctness:
// both list the same parent independently, and IAM bindings are joined to resources by the
// engine (by full resource name and e-mail), not here.
import {
  GCP_TYPES,
  RESOURCE_ASSET_TYPES,
  RESOURCE_NODE_TYPES,
  transformIamPolicies,
  transformResources,
} from "./transform.js";
import { GCP_COLLECTORS } from "./source.js";
import type { GcpModule } from "./module.js";

export const GCP_MODULES: readonly GcpModule[] = [
  {
    id: GCP_COLLECTORS.resource,
    description:
      "Cloud Asset listAssets, content RESOURCE: organization, folders, projects, instances, firewall rules, networks, subnetworks, buckets, Cloud SQL instances, BigQuery datasets (with their ACL), Spanner instances and databases, Bigtable instances, service accounts and their keys.",
    contentType: "RESOURCE",
    assetTypes: RESOURCE_ASSET_TYPES,
    produces: {
      nodes: [...RESOURCE_NODE_TYPES],
      edges: ["CONTAINS", "IN_NETWORK", "IN_SUBNET", "HAS_ROLE", "HAS_KEY"],
    },
    dependsOn: [],
    permissions: ["cloudasset.assets.listResource"],
    roles: ["roles/cloudasset.viewer"],
    collect: (ctx) => ctx.client.listAssets(ctx.parent, "RESOURCE", RESOURCE_ASSET_TYPES),
    transform: (raw, ctx) => transformResources(raw, ctx.key),
  },
  {
    id: GCP_COLLECTORS.iamPolicy,
    description:
      "Cloud Asset listAssets, content IAM_POLICY: the allow policies of the organization, folders, projects and resources (every asset type).",
    contentType: "IAM_POLICY",
    assetTypes: [],
    produces: { nodes: [GCP_TYPES.iamPolicy], edges: ["ATTACHED_POLICY"] },
    dependsOn: [],
    permissions: ["cloudasset.assets.listIamPolicy"],
    roles: ["roles/cloudasset.viewer"],
    collect: (ctx) => ctx.client.listAssets(ctx.parent, "IAM_POLICY", []),
    transform: (raw, ctx) => transformIamPolicies(raw, ctx.key),
  },
];
