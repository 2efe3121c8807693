// EC2 networking: VPCs, subnets, security groups, route tables, internet and NAT gateways, network
// ACLs and Elastic IPs. One module per API listing, so a denied listing fails only what it covers.
import {
  DescribeAddressesCommand,
  paginateDescribeInternetGateways,
  paginateDescribeNatGateways,
  paginateDescribeNetworkAcls,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVpcPeeringConnections,
  paginateDescribeVpcs,
} from "@aws-sdk/client-ec2";
import type {
  Address,
  InternetGateway,
  IpPermission,
  NatGateway,
  NetworkAcl,
  RouteTable,
  SecurityGroup,
  Subnet,
  Vpc,
  VpcPeeringConnection,
} from "@aws-sdk/client-ec2";
import { ec2Arn, routeTargetArn } from "../arn.js";
import { allPages, call } from "../errors.js";
import { defineModule } from "../module.js";
import type { AwsTransformContext } from "../module.js";
import { nameTag, sink, tagsOf } from "../facts.js";

const parts = (ctx: AwsTransformContext) => ({
  partition: ctx.partition,
  region: ctx.region,
  accountId: ctx.accountId,
});

export const ec2Vpcs = defineModule<Vpc[]>({
  id: "aws-ec2-vpcs",
  description: "VPCs and their IPv4/IPv6 CIDR blocks.",
  scope: "regional",
  produces: { nodes: ["aws.ec2.vpc"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: ["ec2:DescribeVpcs"],
  collect: ({ clients, region }) =>
    allPages("ec2:DescribeVpcs", paginateDescribeVpcs({ client: clients.ec2(region) }, {}), (p) => p.Vpcs),
  transform(vpcs, ctx) {
    const s = sink(ctx);
    for (const v of vpcs) {
      if (!v.VpcId) continue;
      const id = ec2Arn(parts(ctx), "vpc", v.VpcId);
      const tags = tagsOf(v.Tags);
      s.node({
        id,
        kind: "network",
        type: "aws.ec2.vpc",
        name: nameTag(tags, v.VpcId),
        tags,
        props: {
          vpcId: v.VpcId,
          cidrBlocks: (v.CidrBlockAssociationSet ?? []).map((c) => c.CidrBlock).filter(Boolean),
          ipv6CidrBlocks: (v.Ipv6CidrBlockAssociationSet ?? []).map((c) => c.Ipv6CidrBlock).filter(Boolean),
          isDefault: v.IsDefault,
          state: v.State,
        },
      });
      s.contains(id);
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});

export const ec2Subnets = defineModule<Subnet[]>({
  id: "aws-ec2-subnets",
  description: "Subnets: CIDR blocks, availability zone, whether instances get public addresses on launch.",
  scope: "regional",
  produces: { nodes: ["aws.ec2.subnet"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: ["ec2:DescribeSubnets"],
  collect: ({ clients, region }) =>
    allPages(
      "ec2:DescribeSubnets",
      paginateDescribeSubnets({ client: clients.ec2(region) }, {}),
      (p) => p.Subnets,
    ),
  transform(subnets, ctx) {
    const s = sink(ctx);
    for (const n of subnets) {
      if (!n.SubnetId) continue;
      const id = ec2Arn(parts(ctx), "subnet", n.SubnetId);
      const tags = tagsOf(n.Tags);
      s.node({
        id,
        kind: "subnet",
        type: "aws.ec2.subnet",
        name: nameTag(tags, n.SubnetId),
        tags,
        props: {
          subnetId: n.SubnetId,
          vpcId: n.VpcId,
          cidrBlock: n.CidrBlock,
          ipv6CidrBlocks: (n.Ipv6CidrBlockAssociationSet ?? []).map((c) => c.Ipv6CidrBlock).filter(Boolean),
          availabilityZone: n.AvailabilityZone,
          mapPublicIpOnLaunch: n.MapPublicIpOnLaunch,
          assignIpv6AddressOnCreation: n.AssignIpv6AddressOnCreation,
        },
      });
      // DESIGN: network CONTAINS subnet (not the account).
      if (n.VpcId) s.edge(ec2Arn(parts(ctx), "vpc", n.VpcId), "CONTAINS", id);
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});

/** A security group rule, normalised: one entry per IpPermission with every source kind kept. */
export interface FirewallRule {
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrs: string[];
  ipv6Cidrs: string[];
  prefixLists: string[];
  groups: Array<{ groupId: string; userId?: string; vpcId?: string; peeringStatus?: string }>;
  descriptions: string[];
}

export function normaliseRule(p: IpPermission): FirewallRule {
  const r: FirewallRule = {
    protocol: p.IpProtocol ?? "-1",
    cidrs: (p.IpRanges ?? []).map((x) => x.CidrIp ?? "").filter(Boolean),
    ipv6Cidrs: (p.Ipv6Ranges ?? []).map((x) => x.CidrIpv6 ?? "").filter(Boolean),
    prefixLists: (p.PrefixListIds ?? []).map((x) => x.PrefixListId ?? "").filter(Boolean),
    groups: (p.UserIdGroupPairs ?? [])
      .filter((g) => g.GroupId)
      .map((g) => ({
        groupId: g.GroupId!,
        ...(g.UserId ? { userId: g.UserId } : {}),
        ...(g.VpcId ? { vpcId: g.VpcId } : {}),
        ...(g.VpcPeeringConnectionId ? { peeringStatus: g.PeeringStatus } : {}),
      })),
    descriptions: [
      ...(p.IpRanges ?? []).map((x) => x.Description),
      ...(p.Ipv6Ranges ?? []).map((x) => x.Description),
      ...(p.UserIdGroupPairs ?? []).map((x) => x.Description),
    ].filter((d): d is string => Boolean(d)),
  };
  // "-1" (all protocols) carries no ports; AWS reports none.
  if (p.FromPort !== undefined) r.fromPort = p.FromPort;
  if (p.ToPort !== undefined) r.toPort = p.ToPort;
  return r;
}

export const ec2SecurityGroups = defineModule<SecurityGroup[]>({
  id: "aws-ec2-security-groups",
  description:
    "Security groups with ingress and egress rules (IPv4, IPv6, prefix lists, group references, in props).",
  scope: "regional",
  produces: { nodes: ["aws.ec2.security_group"], edges: ["CONTAINS", "IN_NETWORK"] },
  dependsOn: [],
  permissions: ["ec2:DescribeSecurityGroups"],
  collect: ({ clients, region }) =>
    allPages(
      "ec2:DescribeSecurityGroups",
      paginateDescribeSecurityGroups({ client: clients.ec2(region) }, {}),
      (p) => p.SecurityGroups,
    ),
  transform(groups, ctx) {
    const s = sink(ctx);
    for (const g of groups) {
      if (!g.GroupId) continue;
      const id = ec2Arn(parts(ctx), "security-group", g.GroupId);
      const tags = tagsOf(g.Tags);
      s.node({
        id,
        kind: "firewall",
        type: "aws.ec2.security_group",
        name: g.GroupName ?? g.GroupId,
        tags,
        props: {
          groupId: g.GroupId,
          vpcId: g.VpcId,
          description: g.Description,
          ingress: (g.IpPermissions ?? []).map(normaliseRule),
          egress: (g.IpPermissionsEgress ?? []).map(normaliseRule),
        },
      });
      s.contains(id);
      if (g.VpcId) s.edge(id, "IN_NETWORK", ec2Arn(parts(ctx), "vpc", g.VpcId));
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});

export const ec2RouteTables = defineModule<RouteTable[]>({
  id: "aws-ec2-route-tables",
  description:
    "Route tables and their routes; each subnet routes via the gateways of its associated table (or the VPC's main table).",
  scope: "regional",
  produces: { nodes: ["aws.ec2.route_table"], edges: ["CONTAINS", "IN_NETWORK", "ROUTES_VIA"] },
  // Subnets without an explicit association use the main table: which subnets those are needs the subnet list.
  dependsOn: ["aws-ec2-subnets"],
  permissions: ["ec2:DescribeRouteTables"],
  collect: ({ clients, region }) =>
    allPages(
      "ec2:DescribeRouteTables",
      paginateDescribeRouteTables({ client: clients.ec2(region) }, {}),
      (p) => p.RouteTables,
    ),
  transform(tables, ctx, deps) {
    const s = sink(ctx);
    const p = parts(ctx);
    const subnets = (deps["aws-ec2-subnets"] as Subnet[] | undefined) ?? [];
    const explicit = new Set<string>();
    for (const t of tables)
      for (const a of t.Associations ?? []) if (a.SubnetId && !a.Main) explicit.add(a.SubnetId);
    for (const t of tables) {
      if (!t.RouteTableId) continue;
      const id = ec2Arn(p, "route-table", t.RouteTableId);
      const tags = tagsOf(t.Tags);
      const main = (t.Associations ?? []).some((a) => a.Main);
      const routes = (t.Routes ?? []).map((r) => ({
        destination: r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock ?? r.DestinationPrefixListId ?? "",
        target:
          r.GatewayId ??
          r.NatGatewayId ??
          r.VpcPeeringConnectionId ??
          r.TransitGatewayId ??
          r.EgressOnlyInternetGatewayId ??
          r.NetworkInterfaceId ??
          r.InstanceId ??
          r.LocalGatewayId ??
          r.CarrierGatewayId ??
          "",
        state: r.State,
      }));
      s.node({
        id,
        kind: "route_table",
        type: "aws.ec2.route_table",
        name: nameTag(tags, t.RouteTableId),
        tags,
        props: { routeTableId: t.RouteTableId, vpcId: t.VpcId, main, routes },
      });
      s.contains(id);
      if (t.VpcId) s.edge(id, "IN_NETWORK", ec2Arn(p, "vpc", t.VpcId));
      // Gateways by target, with every destination routed to each (blackholes are not routes).
      const via = new Map<string, string[]>();
      for (const r of routes) {
        if (r.state === "blackhole" || !r.target || r.target === "local") continue;
        const arn = routeTargetArn(p, r.target);
        if (!arn) continue;
        via.set(arn, [...(via.get(arn) ?? []), r.destination]);
      }
      const subnetIds = (t.Associations ?? []).filter((a) => a.SubnetId).map((a) => a.SubnetId!);
      if (main && t.VpcId)
        for (const n of subnets)
          if (n.VpcId === t.VpcId && n.SubnetId && !explicit.has(n.SubnetId)) subnetIds.push(n.SubnetId);
      for (const [gw, destinations] of via) {
        const evidence = [{ source: "aws-ec2-route-tables", ref: t.RouteTableId, detail: { destinations } }];
        s.edge(id, "ROUTES_VIA", gw, { destinations }, evidence);
        for (const subnetId of [...new Set(subnetIds)].sort())
          s.edge(
            ec2Arn(p, "subnet", subnetId),
            "ROUTES_VIA",
            gw,
            { destinations, routeTable: t.RouteTableId },
            evidence,
          );
      }
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});

export const ec2InternetGateways = defineModule<InternetGateway[]>({
  id: "aws-ec2-internet-gateways",
  description: "Internet gateways and the VPCs they are attached to.",
  scope: "regional",
  produces: { nodes: ["aws.ec2.internet_gateway"], edges: ["CONTAINS", "IN_NETWORK"] },
  dependsOn: [],
  permissions: ["ec2:DescribeInternetGateways"],
  collect: ({ clients, region }) =>
    allPages(
      "ec2:DescribeInternetGateways",
      paginateDescribeInternetGateways({ client: clients.ec2(region) }, {}),
      (p) => p.InternetGateways,
    ),
  transform(gws, ctx) {
    const s = sink(ctx);
    for (const g of gws) {
      if (!g.InternetGatewayId) continue;
      const id = ec2Arn(parts(ctx), "internet-gateway", g.InternetGatewayId);
      const tags = tagsOf(g.Tags);
      const attached = (g.Attachments ?? []).filter((a) => a.VpcId && a.State !== "detached");
      s.node({
        id,
        kind: "gateway",
        type: "aws.ec2.internet_gateway",
        name: nameTag(tags, g.InternetGatewayId),
        tags,
        props: { internetGatewayId: g.InternetGatewayId, vpcIds: attached.map((a) => a.VpcId) },
      });
      s.contains(id);
      for (const a of attached) s.edge(id, "IN_NETWORK", ec2Arn(parts(ctx), "vpc", a.VpcId!));
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});

export const ec2NatGateways = defineModule<NatGateway[]>({
  id: "aws-ec2-nat-gateways",
  description:
    "NAT gateways: subnet, connectivity type and public addresses (HAS_ADDRESS to their Elastic IPs).",
  scope: "regional",
  produces: { nodes: ["aws.ec2.nat_gateway"], edges: ["CONTAINS", "IN_NETWORK", "IN_SUBNET", "HAS_ADDRESS"] },
  dependsOn: [],
  permissions: ["ec2:DescribeNatGateways"],
  collect: ({ clients, region }) =>
    allPages(
      "ec2:DescribeNatGateways",
      paginateDescribeNatGateways({ client: clients.ec2(region) }, {}),
      (p) => p.NatGateways,
    ),
  transform(gws, ctx) {
    const s = sink(ctx);
    for (const g of gws) {
      if (!g.NatGatewayId || g.State === "deleted" || g.State === "failed") continue;
      const id = ec2Arn(parts(ctx), "natgateway", g.NatGatewayId);
      const tags = tagsOf(g.Tags);
      s.node({
        id,
        kind: "gateway",
        type: "aws.ec2.nat_gateway",
        name: nameTag(tags, g.NatGatewayId),
        tags,
        props: {
          natGatewayId: g.NatGatewayId,
          connectivityType: g.ConnectivityType,
          state: g.State,
          publicIps: (g.NatGatewayAddresses ?? []).map((a) => a.PublicIp).filter(Boolean),
          allocationIds: (g.NatGatewayAddresses ?? []).map((a) => a.AllocationId).filter(Boolean),
        },
      });
      s.contains(id);
      if (g.VpcId) s.edge(id, "IN_NETWORK", ec2Arn(parts(ctx), "vpc", g.VpcId));
      if (g.SubnetId) s.edge(id, "IN_SUBNET", ec2Arn(parts(ctx), "subnet", g.SubnetId));
      for (const a of g.NatGatewayAddresses ?? [])
        if (a.AllocationId) s.edge(id, "HAS_ADDRESS", ec2Arn(parts(ctx), "elastic-ip", a.AllocationId));
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});

export const ec2NetworkAcls = defineModule<NetworkAcl[]>({
  id: "aws-ec2-network-acls",
  description: "Network ACLs with their numbered entries; each associated subnet is PROTECTED_BY its ACL.",
  scope: "regional",
  produces: { nodes: ["aws.ec2.network_acl"], edges: ["CONTAINS", "IN_NETWORK", "PROTECTED_BY"] },
  dependsOn: [],
  permissions: ["ec2:DescribeNetworkAcls"],
  collect: ({ clients, region }) =>
    allPages(
      "ec2:DescribeNetworkAcls",
      paginateDescribeNetworkAcls({ client: clients.ec2(region) }, {}),
      (p) => p.NetworkAcls,
    ),
  transform(acls, ctx) {
    const s = sink(ctx);
    for (const a of acls) {
      if (!a.NetworkAclId) continue;
      const id = ec2Arn(parts(ctx), "network-acl", a.NetworkAclId);
      const tags = tagsOf(a.Tags);
      const entries = (a.Entries ?? [])
        .map((e) => ({
          ruleNumber: e.RuleNumber,
          egress: e.Egress,
          protocol: e.Protocol,
          action: e.RuleAction,
          cidr: e.CidrBlock ?? e.Ipv6CidrBlock,
          fromPort: e.PortRange?.From,
          toPort: e.PortRange?.To,
        }))
        .sort((x, y) => Number(x.egress) - Number(y.egress) || (x.ruleNumber ?? 0) - (y.ruleNumber ?? 0));
      s.node({
        id,
        kind: "network_acl",
        type: "aws.ec2.network_acl",
        name: nameTag(tags, a.NetworkAclId),
        tags,
        props: { networkAclId: a.NetworkAclId, vpcId: a.VpcId, isDefault: a.IsDefault, entries },
      });
      s.contains(id);
      if (a.VpcId) s.edge(id, "IN_NETWORK", ec2Arn(parts(ctx), "vpc", a.VpcId));
      for (const as of a.Associations ?? [])
        if (as.SubnetId)
          s.edge(ec2Arn(parts(ctx), "subnet", as.SubnetId), "PROTECTED_BY", id, {}, [
            { source: "aws-ec2-network-acls", ref: as.NetworkAclAssociationId ?? a.NetworkAclId },
          ]);
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});

export const ec2Addresses = defineModule<Address[]>({
  id: "aws-ec2-addresses",
  description: "Elastic IPs, and the instance holding each (HAS_ADDRESS).",
  scope: "regional",
  produces: { nodes: ["aws.ec2.elastic_ip"], edges: ["CONTAINS", "HAS_ADDRESS"] },
  dependsOn: [],
  permissions: ["ec2:DescribeAddresses"],
  // DescribeAddresses has no paging: it returns every address of the region in one answer.
  collect: async ({ clients, region }) =>
    (await call("ec2:DescribeAddresses", () => clients.ec2(region).send(new DescribeAddressesCommand({}))))
      .Addresses ?? [],
  transform(addresses, ctx) {
    const s = sink(ctx);
    for (const a of addresses) {
      const key = a.AllocationId ?? a.PublicIp;
      if (!key) continue;
      const id = ec2Arn(parts(ctx), "elastic-ip", key);
      const tags = tagsOf(a.Tags);
      s.node({
        id,
        kind: "public_ip",
        type: "aws.ec2.elastic_ip",
        name: a.PublicIp ?? key,
        tags,
        props: {
          publicIp: a.PublicIp,
          allocationId: a.AllocationId,
          privateIp: a.PrivateIpAddress,
          networkInterfaceId: a.NetworkInterfaceId,
          instanceId: a.InstanceId,
          domain: a.Domain,
        },
      });
      s.contains(id);
      if (a.InstanceId) s.edge(ec2Arn(parts(ctx), "instance", a.InstanceId), "HAS_ADDRESS", id);
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});

export const ec2VpcPeeringConnections = defineModule<VpcPeeringConnection[]>({
  id: "aws-ec2-vpc-peering-connections",
  description:
    "VPC peering connections (active and pending) and the VPCs on both sides, in any account or region.",
  scope: "regional",
  produces: { nodes: ["aws.ec2.vpc_peering_connection"], edges: ["CONTAINS", "IN_NETWORK"] },
  dependsOn: [],
  permissions: ["ec2:DescribeVpcPeeringConnections"],
  collect: ({ clients, region }) =>
    allPages(
      "ec2:DescribeVpcPeeringConnections",
      paginateDescribeVpcPeeringConnections({ client: clients.ec2(region) }, {}),
      (p) => p.VpcPeeringConnections,
    ),
  transform(conns, ctx) {
    const s = sink(ctx);
    const side = (v: VpcPeeringConnection["RequesterVpcInfo"]) =>
      v ? { vpcId: v.VpcId, ownerId: v.OwnerId, region: v.Region, cidrBlock: v.CidrBlock } : undefined;
    for (const c of conns) {
      const code = c.Status?.Code;
      // Only connections that carry (or are about to carry) traffic.
      if (
        !c.VpcPeeringConnectionId ||
        !(code === "active" || code === "pending-acceptance" || code === "provisioning")
      )
        continue;
      const id = ec2Arn(parts(ctx), "vpc-peering-connection", c.VpcPeeringConnectionId);
      const tags = tagsOf(c.Tags);
      s.node({
        id,
        kind: "gateway",
        type: "aws.ec2.vpc_peering_connection",
        name: nameTag(tags, c.VpcPeeringConnectionId),
        tags,
        props: { status: code, requester: side(c.RequesterVpcInfo), accepter: side(c.AccepterVpcInfo) },
      });
      s.contains(id);
      // Each side's VPC by its own ARN: another account's or region's VPC is a stub until scanned.
      for (const v of [c.RequesterVpcInfo, c.AccepterVpcInfo])
        if (v?.VpcId)
          s.edge(
            id,
            "IN_NETWORK",
            ec2Arn(
              {
                partition: ctx.partition,
                region: v.Region ?? ctx.region,
                accountId: v.OwnerId ?? ctx.accountId,
              },
              "vpc",
              v.VpcId,
            ),
          );
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});
