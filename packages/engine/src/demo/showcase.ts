// A few hand-placed resources the demo adds to the synthetic estate, so a fresh install shows
// every path class and every severity band (DESIGN "Demo estate"): a public bucket of customer
// exports, a web server with a KEV-listed CVE whose role reads the customer database, a jump host
// and a ledger server marked as crown jewels, a CI user whose key can make itself admin, and a
// billing user whose key assumes a crown-jewel role. Same shapes as the AWS connector writes.
import type { EdgeFact, EdgeKind, FindingFact, GraphFacts, NodeFact, NodeKind, SourceKey } from "@ctem/model";
import { accountId } from "../synthetic/estate.js";

const REGION = "us-east-1";
const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const OPEN = {
  BlockPublicAcls: false,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};
const ACL = [
  { ruleNumber: 100, egress: false, protocol: "-1", action: "allow", cidr: "0.0.0.0/0" },
  { ruleNumber: 32767, egress: false, protocol: "-1", action: "deny", cidr: "0.0.0.0/0" },
  { ruleNumber: 100, egress: true, protocol: "-1", action: "allow", cidr: "0.0.0.0/0" },
  { ruleNumber: 32767, egress: true, protocol: "-1", action: "deny", cidr: "0.0.0.0/0" },
];
const doc = (...Statement: unknown[]) => ({ Version: "2012-10-17", Statement });
const sgRule = (
  protocol: string,
  port: number | undefined,
  src: { cidrs?: string[]; groups?: string[] },
) => ({
  protocol,
  ...(port !== undefined ? { fromPort: port, toPort: port } : {}),
  cidrs: src.cidrs ?? [],
  ipv6Cidrs: [],
  prefixLists: [],
  groups: (src.groups ?? []).map((groupId) => ({ groupId })),
  descriptions: [],
});

/** The KEV-listed CVE on the showcase web server (Log4Shell). */
export const SHOWCASE_KEV_CVE = "CVE-2021-44228";

export function showcaseFacts(source: string): GraphFacts {
  const acct = accountId(0);
  const nodes: NodeFact[] = [];
  const edges: EdgeFact[] = [];
  const key = (collector: string, global = false): SourceKey => ({
    source,
    region: global ? "global" : REGION,
    collector,
  });
  const node = (
    id: string,
    kind: NodeKind,
    type: string,
    collector: string,
    name: string,
    props: Record<string, unknown>,
    o: { tags?: Record<string, string>; global?: boolean } = {},
  ) =>
    nodes.push({
      id,
      kind,
      type,
      provider: "aws",
      accountId: acct,
      ...(o.global ? {} : { region: REGION }),
      name,
      tags: o.tags ?? {},
      props,
      sources: [key(collector, o.global)],
    });
  const edge = (
    from: string,
    kind: EdgeKind,
    to: string,
    collector: string,
    props: Record<string, unknown> = {},
    global = false,
  ) =>
    edges.push({ from, kind, to, props, evidence: [], assumptions: [], sources: [key(collector, global)] });
  const ec2 = (res: string, id: string) => `arn:aws:ec2:${REGION}:${acct}:${res}/${id}`;
  const iam = (res: string) => `arn:aws:iam::${acct}:${res}`;

  // Network: one VPC, a public subnet routed to an internet gateway, open ACL.
  const vpc = "vpc-0showcase";
  node(ec2("vpc", vpc), "network", "aws.ec2.vpc", "aws-ec2-vpcs", "showcase", {
    vpcId: vpc,
    cidrBlocks: ["10.90.0.0/16"],
  });
  node(
    ec2("internet-gateway", "igw-0showcase"),
    "gateway",
    "aws.ec2.internet_gateway",
    "aws-ec2-internet-gateways",
    "igw-0showcase",
    {
      internetGatewayId: "igw-0showcase",
      vpcIds: [vpc],
    },
  );
  node(
    ec2("network-acl", "acl-0showcase"),
    "network_acl",
    "aws.ec2.network_acl",
    "aws-ec2-network-acls",
    "acl-0showcase",
    {
      networkAclId: "acl-0showcase",
      vpcId: vpc,
      entries: ACL,
    },
  );
  const subnet = "subnet-0showcase";
  node(ec2("subnet", subnet), "subnet", "aws.ec2.subnet", "aws-ec2-subnets", subnet, {
    subnetId: subnet,
    vpcId: vpc,
    cidrBlock: "10.90.1.0/24",
  });
  edge(ec2("vpc", vpc), "CONTAINS", ec2("subnet", subnet), "aws-ec2-subnets");
  node(
    ec2("route-table", "rtb-0showcase"),
    "route_table",
    "aws.ec2.route_table",
    "aws-ec2-route-tables",
    "rtb-0showcase",
    {
      routeTableId: "rtb-0showcase",
      vpcId: vpc,
      main: true,
      routes: [{ destination: "0.0.0.0/0", gatewayId: "igw-0showcase" }],
    },
  );
  edge(
    ec2("subnet", subnet),
    "ROUTES_VIA",
    ec2("internet-gateway", "igw-0showcase"),
    "aws-ec2-route-tables",
    {
      destinations: ["0.0.0.0/0"],
      routeTable: "rtb-0showcase",
    },
  );
  edge(ec2("subnet", subnet), "PROTECTED_BY", ec2("network-acl", "acl-0showcase"), "aws-ec2-network-acls");
  const sg = (id: string, ingress: unknown[]) =>
    node(ec2("security-group", id), "firewall", "aws.ec2.security_group", "aws-ec2-security-groups", id, {
      groupId: id,
      vpcId: vpc,
      ingress,
      egress: [sgRule("-1", undefined, { cidrs: ["0.0.0.0/0"] })],
    });
  sg("sg-0showcaseweb", [sgRule("tcp", 443, { cidrs: ["0.0.0.0/0"] })]);
  sg("sg-0showcasejump", [sgRule("tcp", 22, { cidrs: ["0.0.0.0/0"] })]);
  sg("sg-0showcaseledger", [sgRule("tcp", 8443, { groups: ["sg-0showcaseweb"] })]);

  // Data: a public bucket of customer exports, the customer database bucket the web role reads.
  const bucket = (name: string, props: Record<string, unknown>) => {
    node(`arn:aws:s3:::${name}`, "data_store", "aws.s3.bucket", "aws-s3-buckets", name, props, {
      global: true,
      tags: { "data-classification": "pii" },
    });
  };
  bucket("showcase-customer-exports", {
    publicAccessBlock: OPEN,
    accountPublicAccessBlock: OPEN,
    effectivePublicAccessBlock: OPEN,
    acl: { grants: [{ type: "Group", uri: ALL_USERS, permission: "FULL_CONTROL" }] },
  });
  bucket("showcase-customer-db", {
    publicAccessBlock: {
      ...OPEN,
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    },
    accountPublicAccessBlock: OPEN,
    effectivePublicAccessBlock: {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    },
    acl: { grants: [] },
  });

  // Identities.
  const ec2Trust = doc({
    Effect: "Allow",
    Principal: { Service: "ec2.amazonaws.com" },
    Action: "sts:AssumeRole",
  });
  const role = (name: string, trust: unknown, profile?: string, tags?: Record<string, string>) => {
    node(
      iam(`role/${name}`),
      "identity",
      "aws.iam.role",
      "aws-iam",
      name,
      { trustPolicy: trust, roleId: `AROA${name.toUpperCase()}` },
      {
        global: true,
        ...(tags ? { tags } : {}),
      },
    );
    if (profile) {
      node(
        iam(`instance-profile/${profile}`),
        "identity",
        "aws.iam.instance_profile",
        "aws-iam",
        profile,
        {},
        { global: true },
      );
      edge(iam(`role/${name}`), "MEMBER_OF", iam(`instance-profile/${profile}`), "aws-iam", {}, true);
    }
  };
  const inline = (principal: string, name: string, d: unknown) => {
    const id = `${principal}#inline-policy/${name}`;
    node(
      id,
      "policy",
      "aws.iam.inline_policy",
      "aws-iam",
      name,
      { principal, document: d },
      { global: true },
    );
    edge(principal, "ATTACHED_POLICY", id, "aws-iam", { as: ["inline"] }, true);
  };
  role("showcase-web", ec2Trust, "showcase-web");
  inline(
    iam("role/showcase-web"),
    "read-customer-db",
    doc({
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:ListBucket"],
      Resource: ["arn:aws:s3:::showcase-customer-db", "arn:aws:s3:::showcase-customer-db/*"],
    }),
  );
  role(
    "showcase-billing",
    doc({ Effect: "Allow", Principal: { AWS: iam("root") }, Action: "sts:AssumeRole" }),
    undefined,
    {
      "crown-jewel": "true",
    },
  );
  const user = (name: string, keyId: string) => {
    node(
      iam(`user/${name}`),
      "identity",
      "aws.iam.user",
      "aws-iam",
      name,
      { userId: `AIDA${name.toUpperCase().replace(/-/g, "")}` },
      { global: true },
    );
    const k = `${iam(`user/${name}`)}/access-key/${keyId}`;
    node(
      k,
      "identity",
      "aws.iam.access_key",
      "aws-iam-access-keys",
      keyId,
      { accessKeyId: keyId, status: "Active" },
      { global: true },
    );
    edge(iam(`user/${name}`), "HAS_KEY", k, "aws-iam-access-keys", {}, true);
  };
  user("showcase-ci", "AKIASHOWCASECI00001");
  node(
    iam("policy/showcase-ci"),
    "policy",
    "aws.iam.managed_policy",
    "aws-iam",
    "showcase-ci",
    {
      awsManaged: false,
      defaultVersionId: "v1",
      document: doc({
        Effect: "Allow",
        Action: "iam:CreatePolicyVersion",
        Resource: iam("policy/showcase-ci"),
      }),
    },
    { global: true },
  );
  edge(
    iam("user/showcase-ci"),
    "ATTACHED_POLICY",
    iam("policy/showcase-ci"),
    "aws-iam",
    { as: ["managed"] },
    true,
  );
  user("showcase-billing-bot", "AKIASHOWCASEBILL001");
  inline(
    iam("user/showcase-billing-bot"),
    "assume-billing",
    doc({ Effect: "Allow", Action: "sts:AssumeRole", Resource: iam("role/showcase-billing") }),
  );

  // Compute: the web server (public, IMDSv1, KEV CVE), a jump host and a ledger server (crown jewels).
  const instance = (
    id: string,
    ip: number,
    group: string,
    o: { publicIp?: string; profile?: string; tags?: Record<string, string> },
  ) => {
    const arn = ec2("instance", id);
    const privateIp = `10.90.1.${ip}`;
    node(
      arn,
      "compute",
      "aws.ec2.instance",
      "aws-ec2-instances",
      id,
      {
        instanceId: id,
        state: "running",
        vpcId: vpc,
        subnetId: subnet,
        privateIp,
        ...(o.publicIp ? { publicIp: o.publicIp } : {}),
        publicIps: o.publicIp ? [o.publicIp] : [],
        ipv6Addresses: [],
        public: Boolean(o.publicIp),
        ...(o.profile ? { instanceProfileArn: iam(`instance-profile/${o.profile}`) } : {}),
        networkInterfaces: [{ subnetId: subnet, privateIps: [privateIp], groups: [group] }],
        metadata: { httpEndpoint: "enabled", httpTokens: "optional", hopLimit: 1, v1Allowed: true },
      },
      o.tags ? { tags: o.tags } : {},
    );
    edge(arn, "IN_NETWORK", ec2("vpc", vpc), "aws-ec2-instances");
    edge(arn, "IN_SUBNET", ec2("subnet", subnet), "aws-ec2-instances");
    edge(arn, "PROTECTED_BY", ec2("security-group", group), "aws-ec2-instances");
    if (o.profile) edge(arn, "HAS_ROLE", iam(`instance-profile/${o.profile}`), "aws-ec2-instances");
    return arn;
  };
  const web = instance("i-0showcaseweb0001", 10, "sg-0showcaseweb", {
    publicIp: "198.51.100.10",
    profile: "showcase-web",
  });
  instance("i-0showcasejump001", 11, "sg-0showcasejump", {
    publicIp: "198.51.100.11",
    tags: { "crown-jewel": "true" },
  });
  instance("i-0showcaseledger1", 12, "sg-0showcaseledger", { tags: { "crown-jewel": "true" } });

  const findings: FindingFact[] = [
    {
      kind: "vulnerability",
      ruleId: SHOWCASE_KEV_CVE,
      package: "org.apache.logging.log4j:log4j-core",
      installedVersion: "2.14.1",
      fixedVersion: "2.17.1",
      port: 443,
      resource: { ids: [web] },
      props: {},
      sources: [
        {
          tool: "trivy",
          sourceKey: key("import-trivy"),
          severity: "critical",
          vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
        },
      ],
    },
  ];
  return { nodes, edges, findings };
}
