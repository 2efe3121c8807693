// EC2 instances: state, addresses (private, public IPv4, IPv6, per interface), subnets, security
// groups, instance profile and metadata-service options. An instance is public only when AWS
// reports a public address on it — never guessed from address ranges.
import { paginateDescribeInstances } from "@aws-sdk/client-ec2";
import type { Instance, Reservation } from "@aws-sdk/client-ec2";
import { ec2Arn } from "../arn.js";
import { allPages } from "../errors.js";
import { defineModule } from "../module.js";
import { nameTag, sink, tagsOf } from "../facts.js";

export const ec2Instances = defineModule<Reservation[]>({
  id: "aws-ec2-instances",
  description:
    "EC2 instances: addresses, interfaces, subnets, security groups, instance profile, IMDS options, tags.",
  scope: "regional",
  produces: {
    nodes: ["aws.ec2.instance"],
    edges: ["CONTAINS", "IN_NETWORK", "IN_SUBNET", "PROTECTED_BY", "HAS_ROLE"],
  },
  dependsOn: [],
  permissions: ["ec2:DescribeInstances"],
  collect: ({ clients, region }) =>
    allPages(
      "ec2:DescribeInstances",
      paginateDescribeInstances({ client: clients.ec2(region) }, {}),
      (p) => p.Reservations,
    ),
  transform(reservations, ctx) {
    const s = sink(ctx);
    const p = { partition: ctx.partition, region: ctx.region, accountId: ctx.accountId };
    for (const r of reservations)
      for (const i of r.Instances ?? []) {
        // Terminated instances linger in the listing for an hour; they are gone.
        if (!i.InstanceId || i.State?.Name === "terminated") continue;
        const id = ec2Arn(p, "instance", i.InstanceId);
        const tags = tagsOf(i.Tags);
        const enis = i.NetworkInterfaces ?? [];
        const publicIps = [
          ...new Set(
            [i.PublicIpAddress, ...enis.map((n) => n.Association?.PublicIp)].filter((x): x is string => !!x),
          ),
        ];
        // IPv6 addresses are reported only on the interfaces, not on the instance.
        const ipv6 = [
          ...new Set([
            i.Ipv6Address,
            ...enis.flatMap((n) => (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)),
          ]),
        ].filter((x): x is string => !!x);
        const md = i.MetadataOptions;
        s.node({
          id,
          kind: "compute",
          type: "aws.ec2.instance",
          name: nameTag(tags, i.InstanceId),
          tags,
          props: {
            instanceId: i.InstanceId,
            state: i.State?.Name,
            instanceType: i.InstanceType,
            imageId: i.ImageId,
            platform: i.PlatformDetails ?? i.Platform,
            vpcId: i.VpcId,
            subnetId: i.SubnetId,
            privateIp: i.PrivateIpAddress,
            publicIp: i.PublicIpAddress,
            publicIps,
            ipv6Addresses: ipv6,
            public: publicIps.length > 0,
            instanceProfileArn: i.IamInstanceProfile?.Arn,
            networkInterfaces: enis.map((n) => ({
              networkInterfaceId: n.NetworkInterfaceId,
              subnetId: n.SubnetId,
              privateIps: (n.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress).filter(Boolean),
              publicIp: n.Association?.PublicIp,
              publicIpOwner: n.Association?.IpOwnerId,
              ipv6Addresses: (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address).filter(Boolean),
              groups: (n.Groups ?? []).map((g) => g.GroupId).filter(Boolean),
            })),
            metadata: md
              ? {
                  httpEndpoint: md.HttpEndpoint,
                  httpTokens: md.HttpTokens,
                  hopLimit: md.HttpPutResponseHopLimit,
                  // IMDSv1 answers unless tokens are required or the endpoint is off.
                  v1Allowed: md.HttpEndpoint !== "disabled" && md.HttpTokens !== "required",
                }
              : undefined,
          },
        });
        s.contains(id);
        if (i.VpcId) s.edge(id, "IN_NETWORK", ec2Arn(p, "vpc", i.VpcId));
        for (const subnet of subnetsOf(i)) s.edge(id, "IN_SUBNET", ec2Arn(p, "subnet", subnet));
        for (const g of groupsOf(i)) s.edge(id, "PROTECTED_BY", ec2Arn(p, "security-group", g));
        if (i.IamInstanceProfile?.Arn) s.edge(id, "HAS_ROLE", i.IamInstanceProfile.Arn);
      }
    return { nodes: s.nodes, edges: s.edges };
  },
});

function subnetsOf(i: Instance): string[] {
  return [...new Set([i.SubnetId, ...(i.NetworkInterfaces ?? []).map((n) => n.SubnetId)])]
    .filter((x): x is string => !!x)
    .sort();
}

function groupsOf(i: Instance): string[] {
  return [
    ...new Set([
      ...(i.SecurityGroups ?? []).map((g) => g.GroupId),
      ...(i.NetworkInterfaces ?? []).flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId)),
    ]),
  ]
    .filter((x): x is string => !!x)
    .sort();
}
