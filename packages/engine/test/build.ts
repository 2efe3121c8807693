// Hand-built AWS estates for the engine's tests: facts shaped as the AWS connector writes them
// (packages/discovery/src/aws/modules) and, for modules not written yet, as aws/shapes.ts proposes.
import type { EdgeFact, EdgeKind, GraphFacts, NodeFact, NodeKind, SourceKey } from "@ctem/model";
import { estateFromFacts } from "../src/graph.js";
import type { Estate } from "../src/graph.js";

export const ACCT = "111122223333";
export const REGION = "us-east-1";
export const key = (collector: string, region = REGION): SourceKey => ({
  source: `aws:${ACCT}`,
  region,
  collector,
});

const ec2 = (resource: string, id: string) => `arn:aws:ec2:${REGION}:${ACCT}:${resource}/${id}`;
export const arn = {
  vpc: (id: string) => ec2("vpc", id),
  subnet: (id: string) => ec2("subnet", id),
  sg: (id: string) => ec2("security-group", id),
  acl: (id: string) => ec2("network-acl", id),
  igw: (id: string) => ec2("internet-gateway", id),
  nat: (id: string) => ec2("natgateway", id),
  rtb: (id: string) => ec2("route-table", id),
  eip: (id: string) => ec2("elastic-ip", id),
  instance: (id: string) => ec2("instance", id),
  launchTemplate: (id: string) => ec2("launch-template", id),
  user: (n: string) => `arn:aws:iam::${ACCT}:user/${n}`,
  role: (n: string) => `arn:aws:iam::${ACCT}:role/${n}`,
  group: (n: string) => `arn:aws:iam::${ACCT}:group/${n}`,
  policy: (n: string) => `arn:aws:iam::${ACCT}:policy/${n}`,
  profile: (n: string) => `arn:aws:iam::${ACCT}:instance-profile/${n}`,
  bucket: (n: string) => `arn:aws:s3:::${n}`,
  db: (n: string) => `arn:aws:rds:${REGION}:${ACCT}:db:${n}`,
  secret: (n: string) => `arn:aws:secretsmanager:${REGION}:${ACCT}:secret:${n}-AbCdEf`,
  lb: (n: string) => `arn:aws:elasticloadbalancing:${REGION}:${ACCT}:loadbalancer/app/${n}/50dc6c495c0c9188`,
  listener: (n: string, port: number) =>
    `arn:aws:elasticloadbalancing:${REGION}:${ACCT}:listener/app/${n}/50dc6c495c0c9188/${port}`,
  tg: (n: string) => `arn:aws:elasticloadbalancing:${REGION}:${ACCT}:targetgroup/${n}/73e2d6bc24d8a067`,
  root: () => `arn:aws:iam::${ACCT}:root`,
};

export type Doc = { Version?: string; Statement: Array<Record<string, unknown>> };
export const allow = (
  Action: string | string[],
  Resource: string | string[] = "*",
  extra: Record<string, unknown> = {},
) => ({
  Effect: "Allow",
  Action,
  Resource,
  ...extra,
});
export const deny = (
  Action: string | string[],
  Resource: string | string[] = "*",
  extra: Record<string, unknown> = {},
) => ({
  Effect: "Deny",
  Action,
  Resource,
  ...extra,
});
export const doc = (...Statement: Array<Record<string, unknown>>): Doc => ({
  Version: "2012-10-17",
  Statement,
});

/** An SG rule as the connector normalises it. */
export const rule = (
  protocol: string,
  fromPort: number | undefined,
  toPort: number | undefined,
  src: { cidrs?: string[]; ipv6Cidrs?: string[]; groups?: string[] },
) => ({
  protocol,
  ...(fromPort !== undefined ? { fromPort } : {}),
  ...(toPort !== undefined ? { toPort } : {}),
  cidrs: src.cidrs ?? [],
  ipv6Cidrs: src.ipv6Cidrs ?? [],
  prefixLists: [],
  groups: (src.groups ?? []).map((groupId) => ({ groupId })),
  descriptions: [],
});

export const OPEN_ACL = [
  { ruleNumber: 100, egress: false, protocol: "-1", action: "allow", cidr: "0.0.0.0/0" },
  { ruleNumber: 32767, egress: false, protocol: "-1", action: "deny", cidr: "0.0.0.0/0" },
  { ruleNumber: 100, egress: true, protocol: "-1", action: "allow", cidr: "0.0.0.0/0" },
  { ruleNumber: 32767, egress: true, protocol: "-1", action: "deny", cidr: "0.0.0.0/0" },
];

export class Builder {
  nodes: NodeFact[] = [];
  edges: EdgeFact[] = [];

  node(
    id: string,
    kind: NodeKind,
    type: string,
    collector: string,
    props: Record<string, unknown> = {},
    name?: string,
    region: string | undefined = REGION,
  ): this {
    this.nodes.push({
      id,
      kind,
      type,
      provider: "aws",
      accountId: ACCT,
      ...(region ? { region } : {}),
      name: name ?? id.split(/[/:]/).pop() ?? id,
      tags: {},
      props,
      sources: [key(collector, region ?? "global")],
    });
    return this;
  }

  edge(
    from: string,
    kind: EdgeKind,
    to: string,
    collector: string,
    props: Record<string, unknown> = {},
  ): this {
    this.edges.push({ from, kind, to, props, evidence: [], assumptions: [], sources: [key(collector)] });
    return this;
  }

  // --- network ---
  vpc(id: string, cidr = "10.0.0.0/16"): this {
    this.node(arn.vpc(id), "network", "aws.ec2.vpc", "aws-ec2-vpcs", { vpcId: id, cidrBlocks: [cidr] });
    this.node(arn.rtb(`rtb-main-${id}`), "route_table", "aws.ec2.route_table", "aws-ec2-route-tables", {
      routeTableId: `rtb-main-${id}`,
      vpcId: id,
      main: true,
      routes: [],
    });
    return this;
  }
  subnet(
    id: string,
    vpc: string,
    cidr: string,
    opts: { igw?: string; nat?: string; acl?: string; ipv6?: boolean } = {},
  ): this {
    this.node(arn.subnet(id), "subnet", "aws.ec2.subnet", "aws-ec2-subnets", {
      subnetId: id,
      vpcId: vpc,
      cidrBlock: cidr,
    });
    this.edge(arn.vpc(vpc), "CONTAINS", arn.subnet(id), "aws-ec2-subnets");
    if (opts.igw)
      this.edge(arn.subnet(id), "ROUTES_VIA", arn.igw(opts.igw), "aws-ec2-route-tables", {
        destinations: opts.ipv6 ? ["0.0.0.0/0", "::/0"] : ["0.0.0.0/0"],
        routeTable: `rtb-${id}`,
      });
    if (opts.nat)
      this.edge(arn.subnet(id), "ROUTES_VIA", arn.nat(opts.nat), "aws-ec2-route-tables", {
        destinations: ["0.0.0.0/0"],
        routeTable: `rtb-${id}`,
      });
    if (opts.acl) this.edge(arn.subnet(id), "PROTECTED_BY", arn.acl(opts.acl), "aws-ec2-network-acls");
    return this;
  }
  igw(id: string, vpc: string): this {
    return this.node(arn.igw(id), "gateway", "aws.ec2.internet_gateway", "aws-ec2-internet-gateways", {
      internetGatewayId: id,
      vpcIds: [vpc],
    });
  }
  nat(id: string): this {
    return this.node(arn.nat(id), "gateway", "aws.ec2.nat_gateway", "aws-ec2-nat-gateways", {
      natGatewayId: id,
    });
  }
  acl(id: string, vpc: string, entries: unknown[] = OPEN_ACL): this {
    return this.node(arn.acl(id), "network_acl", "aws.ec2.network_acl", "aws-ec2-network-acls", {
      networkAclId: id,
      vpcId: vpc,
      entries,
    });
  }
  sg(
    id: string,
    vpc: string,
    ingress: unknown[],
    egress: unknown[] = [rule("-1", undefined, undefined, { cidrs: ["0.0.0.0/0"] })],
  ): this {
    return this.node(
      arn.sg(id),
      "firewall",
      "aws.ec2.security_group",
      "aws-ec2-security-groups",
      { groupId: id, vpcId: vpc, ingress, egress },
      id,
    );
  }
  instance(
    id: string,
    o: {
      vpc: string;
      subnet: string;
      groups: string[];
      privateIp: string;
      publicIp?: string;
      ipv6?: string[];
      profile?: string;
      tokens?: "required" | "optional";
      state?: string;
    },
  ): this {
    this.node(arn.instance(id), "compute", "aws.ec2.instance", "aws-ec2-instances", {
      instanceId: id,
      state: o.state ?? "running",
      vpcId: o.vpc,
      subnetId: o.subnet,
      privateIp: o.privateIp,
      ...(o.publicIp ? { publicIp: o.publicIp } : {}),
      publicIps: o.publicIp ? [o.publicIp] : [],
      ipv6Addresses: o.ipv6 ?? [],
      public: Boolean(o.publicIp),
      ...(o.profile ? { instanceProfileArn: arn.profile(o.profile) } : {}),
      networkInterfaces: [{ subnetId: o.subnet, privateIps: [o.privateIp], groups: o.groups }],
      metadata: {
        httpEndpoint: "enabled",
        httpTokens: o.tokens ?? "optional",
        hopLimit: 1,
        v1Allowed: (o.tokens ?? "optional") !== "required",
      },
    });
    this.edge(arn.instance(id), "IN_NETWORK", arn.vpc(o.vpc), "aws-ec2-instances");
    this.edge(arn.instance(id), "IN_SUBNET", arn.subnet(o.subnet), "aws-ec2-instances");
    for (const g of o.groups) this.edge(arn.instance(id), "PROTECTED_BY", arn.sg(g), "aws-ec2-instances");
    if (o.profile) this.edge(arn.instance(id), "HAS_ROLE", arn.profile(o.profile), "aws-ec2-instances");
    return this;
  }
  eip(alloc: string, ip: string, instance: string): this {
    this.node(
      arn.eip(alloc),
      "public_ip",
      "aws.ec2.elastic_ip",
      "aws-ec2-addresses",
      { publicIp: ip, allocationId: alloc, instanceId: instance },
      ip,
    );
    return this.edge(arn.instance(instance), "HAS_ADDRESS", arn.eip(alloc), "aws-ec2-addresses");
  }

  // --- IAM ---
  managed(name: string, d: Doc): this {
    return this.node(
      arn.policy(name),
      "policy",
      "aws.iam.managed_policy",
      "aws-iam",
      { awsManaged: false, document: d, defaultVersionId: "v1" },
      name,
      undefined,
    );
  }
  attach(principal: string, policyArn: string, as: "managed" | "permissions_boundary" = "managed"): this {
    this.edges.push({
      from: principal,
      kind: "ATTACHED_POLICY",
      to: policyArn,
      props: { as: [as] },
      evidence: [],
      assumptions: [],
      sources: [key("aws-iam", "global")],
    });
    return this;
  }
  inline(principal: string, name: string, d: Doc): this {
    const id = `${principal}#inline-policy/${name}`;
    this.node(id, "policy", "aws.iam.inline_policy", "aws-iam", { principal, document: d }, name, undefined);
    return this.attachInline(principal, id);
  }
  private attachInline(principal: string, id: string): this {
    this.edges.push({
      from: principal,
      kind: "ATTACHED_POLICY",
      to: id,
      props: { as: ["inline"] },
      evidence: [],
      assumptions: [],
      sources: [key("aws-iam", "global")],
    });
    return this;
  }
  user(name: string, props: Record<string, unknown> = {}): this {
    return this.node(
      arn.user(name),
      "identity",
      "aws.iam.user",
      "aws-iam",
      { userId: `AIDA${name.toUpperCase()}`, ...props },
      name,
      undefined,
    );
  }
  group(name: string, members: string[] = []): this {
    this.node(arn.group(name), "identity", "aws.iam.group", "aws-iam", {}, name, undefined);
    for (const m of members)
      this.edges.push({
        from: arn.user(m),
        kind: "MEMBER_OF",
        to: arn.group(name),
        props: {},
        evidence: [],
        assumptions: [],
        sources: [key("aws-iam", "global")],
      });
    return this;
  }
  role(name: string, trust: Doc, profile?: string, props: Record<string, unknown> = {}): this {
    this.node(
      arn.role(name),
      "identity",
      "aws.iam.role",
      "aws-iam",
      { trustPolicy: trust, ...props },
      name,
      undefined,
    );
    if (profile) {
      this.node(
        arn.profile(profile),
        "identity",
        "aws.iam.instance_profile",
        "aws-iam",
        {},
        profile,
        undefined,
      );
      this.edges.push({
        from: arn.role(name),
        kind: "MEMBER_OF",
        to: arn.profile(profile),
        props: {},
        evidence: [],
        assumptions: [],
        sources: [key("aws-iam", "global")],
      });
    }
    return this;
  }
  accessKey(user: string, id: string, status: "Active" | "Inactive"): this {
    const kid = `${arn.user(user)}/access-key/${id}`;
    this.node(
      kid,
      "identity",
      "aws.iam.access_key",
      "aws-iam-access-keys",
      { accessKeyId: id, status },
      id,
      undefined,
    );
    this.edges.push({
      from: arn.user(user),
      kind: "HAS_KEY",
      to: kid,
      props: {},
      evidence: [],
      assumptions: [],
      sources: [key("aws-iam-access-keys", "global")],
    });
    return this;
  }

  // --- data ---
  bucket(name: string, props: Record<string, unknown> = {}): this {
    return this.node(
      arn.bucket(name),
      "data_store",
      "aws.s3.bucket",
      "aws-s3-buckets",
      props,
      name,
      undefined,
    );
  }
  db(
    name: string,
    o: { subnets: string[]; groups: string[]; publiclyAccessible: boolean; port?: number },
  ): this {
    this.node(arn.db(name), "data_store", "aws.rds.db_instance", "aws-rds-db-instances", {
      publiclyAccessible: o.publiclyAccessible,
      port: o.port ?? 5432,
      engine: "postgres",
      dbiResourceId: `db-${name.toUpperCase()}`,
    });
    for (const s of o.subnets) this.edge(arn.db(name), "IN_SUBNET", arn.subnet(s), "aws-rds-db-instances");
    for (const g of o.groups) this.edge(arn.db(name), "PROTECTED_BY", arn.sg(g), "aws-rds-db-instances");
    return this;
  }
  secret(name: string, resourcePolicy?: Doc): this {
    return this.node(
      arn.secret(name),
      "secret",
      "aws.secretsmanager.secret",
      "aws-secretsmanager-secrets",
      resourcePolicy ? { resourcePolicy } : {},
      name,
    );
  }

  facts(): GraphFacts {
    return { nodes: this.nodes, edges: this.edges, findings: [] };
  }
  estate(): Estate {
    return estateFromFacts([this.facts()]);
  }
}
