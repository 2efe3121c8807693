// The graph schema, described once (CONVENTIONS 3): every node kind and edge kind with its
// description; every edge kind says whether connectors write it (inventory) or the engine derives
// it (attack), and whether path search may traverse it. docs/graph-schema.md, the zod enums and
// UI legends come from these tables; a test fails when the generated page is stale.

export const NODE_KINDS = {
  internet: "The one entry node (id `internet`): everything reachable from anywhere.",
  account:
    "A billing/tenancy boundary: AWS account, Azure subscription, GCP project, folder or organization.",
  network: "A virtual network: AWS VPC, Azure VNet, GCP VPC network.",
  subnet: "A subnet of a network.",
  gateway:
    "Traffic leaves or enters a network here: internet, NAT and transit gateways, peering connections.",
  route_table: "An AWS route table (Azure/GCP routes are props of their network).",
  network_acl: "A stateless subnet filter: AWS network ACL.",
  firewall: "A stateful filter and the hub for lateral movement: security group, NSG, GCP firewall rule set.",
  public_ip: "A public address: Elastic IP, Azure public IP.",
  load_balancer: "A load balancer (ELBv2 and equivalents).",
  listener: "A load balancer listener: protocol and port.",
  target_group: "A load balancer target group.",
  compute: "Something that runs code: a VM today; later functions and containers.",
  identity:
    "Who can act: user, group, role, instance profile, service principal, managed identity, service account, access key.",
  policy: "What an identity may do: managed/inline policy, role definition, IAM binding set.",
  data_store: "Where data lives: bucket, database, storage account, dataset.",
  secret: "A secret or key.",
  image: "A container image.",
  vulnerability: "A CVE (id `cve:CVE-…`), shared by every finding that names it.",
  unknown: "A stub for an edge endpoint no source has described (yet); `stub: true`.",
} as const;

type NodeKindName = keyof typeof NODE_KINDS;
export const NODE_KIND_VALUES = Object.keys(NODE_KINDS) as [NodeKindName, ...NodeKindName[]];

export type EdgeCategory = "inventory" | "attack";

export interface EdgeKindInfo {
  description: string;
  category: EdgeCategory;
  /** Path search may walk this edge. */
  traversable: boolean;
  /** from → to, in words, for the docs. */
  endpoints: string;
}

const inv = (endpoints: string, description: string): EdgeKindInfo => ({
  description,
  endpoints,
  category: "inventory",
  traversable: false,
});
const atk = (endpoints: string, description: string): EdgeKindInfo => ({
  description,
  endpoints,
  category: "attack",
  traversable: true,
});

export const EDGE_KINDS = {
  CONTAINS: inv("account → resource; network → subnet", "Ownership and containment."),
  IN_NETWORK: inv("resource → network", "The resource lives in this network."),
  IN_SUBNET: inv("resource → subnet", "The resource has an interface in this subnet."),
  ROUTES_VIA: inv(
    "subnet / route_table → gateway",
    "Traffic is routed through this gateway (props: destination CIDR).",
  ),
  PROTECTED_BY: inv(
    "compute, load_balancer, data_store, subnet → firewall or network_acl",
    "Traffic to the resource is filtered by this firewall or ACL.",
  ),
  HAS_ADDRESS: inv("resource → public_ip", "The resource holds this public address."),
  LISTENS: inv("load_balancer → listener", "The load balancer accepts traffic on this listener."),
  FORWARDS_TO: inv("listener → target_group → compute", "Traffic is forwarded to these targets."),
  HAS_ROLE: inv("compute → identity", "The workload is configured with this identity (instance profile…)."),
  MEMBER_OF: inv("identity → identity", "Group membership; role in instance profile."),
  ATTACHED_POLICY: inv("identity → policy", "The policy applies to the identity."),
  TRUSTS: inv("identity → identity", "The role's trust policy names this principal."),
  HAS_KEY: inv("identity → identity (access key)", "The identity owns this credential."),
  RUNS_IMAGE: inv("compute → image", "The workload runs this image."),
  EXPOSES: atk(
    "internet → compute, load_balancer, data_store",
    "Reachable from the internet: public address or access, route, NACL and firewall all allow it.",
  ),
  CAN_REACH: atk(
    "compute → firewall, firewall → compute",
    "Network reachability through the firewall hub: A reaches group G when G admits A; G reaches its members.",
  ),
  RUNS_AS: atk("compute → identity", "Code on the workload can act as this identity."),
  CAN_ASSUME: atk("identity → identity", "The trust policy and the caller's permission both allow assuming."),
  CAN_ESCALATE: atk(
    "identity → identity",
    "A privilege-escalation technique the evaluated permissions allow.",
  ),
  CAN_ACCESS: atk(
    "identity → data_store, secret",
    "Evaluated permissions reach the data (props.level: read / write / admin).",
  ),
} as const satisfies Record<string, EdgeKindInfo>;

type EdgeKindName = keyof typeof EDGE_KINDS;
export const EDGE_KIND_VALUES = Object.keys(EDGE_KINDS) as [EdgeKindName, ...EdgeKindName[]];

export const INVENTORY_EDGE_KINDS = EDGE_KIND_VALUES.filter((k) => EDGE_KINDS[k].category === "inventory");
export const ATTACK_EDGE_KINDS = EDGE_KIND_VALUES.filter((k) => EDGE_KINDS[k].category === "attack");
export const TRAVERSABLE_EDGE_KINDS = EDGE_KIND_VALUES.filter((k) => EDGE_KINDS[k].traversable);

export const PROVIDERS = ["aws", "azure", "gcp", "generic"] as const;

/** The id of the single internet node. */
export const INTERNET_NODE_ID = "internet";

/** `cve:CVE-2024-3400` for `CVE-2024-3400`. */
export function cveNodeId(cveId: string): string {
  return `cve:${cveId.toUpperCase()}`;
}

export const CVE_ID_PATTERN = /^CVE-\d{4}-\d{4,}$/i;
