// The synthetic AWS estate: deterministic by seed, sized by parameters, shaped as the AWS
// connector writes its graph (and as aws/shapes.ts proposes for ELBv2, S3, RDS, Secrets Manager
// and access keys). A public minority, shared instance roles, realistic rule mixes (most groups
// internal, a few open to the world, group references for app tiers), users with keys, a few
// over-privileged identities that make escalation paths, and real CVE findings on instances.
// It feeds `pnpm bench` and, in part 2, `ctem demo`.
import type { EdgeFact, EdgeKind, FindingFact, GraphFacts, NodeFact, NodeKind, SourceKey } from "@ctem/model";
import { cvePackages } from "./cves.js";
import { Rng } from "./random.js";

export interface SyntheticParams {
  seed: number;
  accounts: number;
  vpcsPerAccount: number;
  subnetsPerVpc: number;
  /** Instances per account. */
  instancesPerAccount: number;
  loadBalancersPerVpc: number;
  rolesPerAccount: number;
  usersPerAccount: number;
  bucketsPerAccount: number;
  databasesPerAccount: number;
  secretsPerAccount: number;
  /** Share of instances with a public address in a public subnet. */
  publicShare: number;
  /** Average vulnerability findings per instance. */
  findingsPerInstance: number;
  /** Claims under this source ("demo"), else `aws:<account>` per account. */
  source?: string;
}

/** Parameters for roughly `assets` nodes (every node counts: instances, groups, subnets, roles…). */
export function paramsForAssets(assets: number, seed = 1, source?: string): SyntheticParams {
  const accounts = Math.max(1, Math.round(assets / 10_000));
  const b = assets / accounts;
  const instancesPerAccount = Math.max(4, Math.round(b * 0.6));
  return {
    seed,
    accounts,
    vpcsPerAccount: Math.max(1, Math.round(instancesPerAccount / 150)),
    subnetsPerVpc: 4,
    instancesPerAccount,
    loadBalancersPerVpc: 2,
    rolesPerAccount: Math.max(6, Math.round(b * 0.03)),
    usersPerAccount: Math.max(4, Math.round(b * 0.04)),
    bucketsPerAccount: Math.max(2, Math.round(b * 0.08)),
    databasesPerAccount: Math.max(1, Math.round(b * 0.02)),
    secretsPerAccount: Math.max(1, Math.round(b * 0.03)),
    publicShare: 0.08,
    findingsPerInstance: 1.5,
    ...(source ? { source } : {}),
  };
}

const REGIONS = ["us-east-1", "eu-west-1", "us-west-2"];
const ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess";
const S3_READONLY_POLICY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const doc = (...Statement: unknown[]) => ({ Version: "2012-10-17", Statement });
const allow = (Action: string | string[], Resource: string | string[]) => ({
  Effect: "Allow",
  Action,
  Resource,
});
const rule = (protocol: string, from: number, to: number, src: { cidrs?: string[]; groups?: string[] }) => ({
  protocol,
  fromPort: from,
  toPort: to,
  cidrs: src.cidrs ?? [],
  ipv6Cidrs: [],
  prefixLists: [],
  groups: (src.groups ?? []).map((groupId) => ({ groupId })),
  descriptions: [],
});
const OPEN_ACL = [
  { ruleNumber: 100, egress: false, protocol: "-1", action: "allow", cidr: "0.0.0.0/0" },
  { ruleNumber: 32767, egress: false, protocol: "-1", action: "deny", cidr: "0.0.0.0/0" },
  { ruleNumber: 100, egress: true, protocol: "-1", action: "allow", cidr: "0.0.0.0/0" },
  { ruleNumber: 32767, egress: true, protocol: "-1", action: "deny", cidr: "0.0.0.0/0" },
];
const NO_BLOCK = {
  BlockPublicAcls: false,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};
const NO_SSH_ACL = [
  {
    ruleNumber: 50,
    egress: false,
    protocol: "6",
    action: "deny",
    cidr: "0.0.0.0/0",
    fromPort: 22,
    toPort: 22,
  },
  ...OPEN_ACL,
];

class Sink {
  nodes: NodeFact[] = [];
  edges: EdgeFact[] = [];
  findings: FindingFact[] = [];
  constructor(
    private readonly source: string,
    private readonly account: string,
    private readonly region: string,
  ) {}
  key(collector: string, global = false): SourceKey {
    return { source: this.source, region: global ? "global" : this.region, collector };
  }
  node(
    id: string,
    kind: NodeKind,
    type: string,
    collector: string,
    name: string,
    props: Record<string, unknown>,
    o: { tags?: Record<string, string>; global?: boolean } = {},
  ): void {
    this.nodes.push({
      id,
      kind,
      type,
      provider: "aws",
      accountId: this.account,
      ...(o.global ? {} : { region: this.region }),
      name,
      tags: o.tags ?? {},
      props,
      sources: [this.key(collector, o.global)],
    });
  }
  edge(
    from: string,
    kind: EdgeKind,
    to: string,
    collector: string,
    props: Record<string, unknown> = {},
    global = false,
  ): void {
    this.edges.push({
      from,
      kind,
      to,
      props,
      evidence: [],
      assumptions: [],
      sources: [this.key(collector, global)],
    });
  }
}

/** The collectors (as claims) the estate is written under, for the ScanRun that applies it. */
export function syntheticKeys(p: SyntheticParams): SourceKey[] {
  const out: SourceKey[] = [];
  const collectors = [
    "aws-ec2-vpcs",
    "aws-ec2-subnets",
    "aws-ec2-route-tables",
    "aws-ec2-internet-gateways",
    "aws-ec2-nat-gateways",
    "aws-ec2-network-acls",
    "aws-ec2-security-groups",
    "aws-ec2-instances",
    "aws-elbv2",
    "aws-rds-db-instances",
    "aws-secretsmanager-secrets",
    "import-trivy",
  ];
  const global = ["aws-account", "aws-iam", "aws-iam-access-keys", "aws-s3-buckets"];
  const seen = new Set<string>();
  for (let a = 0; a < p.accounts; a++) {
    const source = p.source ?? `aws:${accountId(a)}`;
    const region = REGIONS[a % REGIONS.length]!;
    for (const c of collectors) out.push({ source, region, collector: c });
    for (const c of global) out.push({ source, region: "global", collector: c });
  }
  return out.filter((k) => {
    const s = `${k.source}|${k.region}|${k.collector}`;
    if (seen.has(s)) return false;
    seen.add(s);
    return true;
  });
}

export const accountId = (a: number) => String(100000000000 + a * 7919);

/** The estate as GraphFacts chunks of about `chunkNodes` nodes. */
export function* syntheticEstate(p: SyntheticParams, chunkNodes = 5_000): Generator<GraphFacts> {
  const rng = new Rng(p.seed);
  const cves = cvePackages();
  for (let a = 0; a < p.accounts; a++) {
    const acct = accountId(a);
    const region = REGIONS[a % REGIONS.length]!;
    const s = new Sink(p.source ?? `aws:${acct}`, acct, region);
    const ec2 = (res: string, id: string) => `arn:aws:ec2:${region}:${acct}:${res}/${id}`;
    const iam = (res: string) => `arn:aws:iam::${acct}:${res}`;
    const root = iam("root");
    const flush = function* (force = false): Generator<GraphFacts> {
      if (!force && s.nodes.length < chunkNodes) return;
      yield { nodes: s.nodes, edges: s.edges, findings: s.findings };
      s.nodes = [];
      s.edges = [];
      s.findings = [];
    };

    s.node(
      root,
      "account",
      "aws.account",
      "aws-account",
      acct,
      { accountId: acct, partition: "aws" },
      { global: true },
    );

    // --- data stores first: roles' policies name them ---
    const buckets: string[] = [];
    for (let i = 0; i < p.bucketsPerAccount; i++) {
      const name = `data-${acct}-${i.toString(36)}`;
      const id = `arn:aws:s3:::${name}`;
      buckets.push(id);
      const sensitive = rng.chance(0.2);
      const publicPolicy = rng.chance(0.04);
      const blockAll = !publicPolicy && rng.chance(0.85);
      const pab = {
        BlockPublicAcls: blockAll,
        IgnorePublicAcls: blockAll,
        BlockPublicPolicy: blockAll,
        RestrictPublicBuckets: blockAll,
      };
      s.node(
        id,
        "data_store",
        "aws.s3.bucket",
        "aws-s3-buckets",
        name,
        {
          ...(publicPolicy
            ? {
                policy: doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${id}/*` }),
              }
            : {}),
          publicAccessBlock: pab,
          accountPublicAccessBlock: NO_BLOCK,
          effectivePublicAccessBlock: pab,
          acl: {
            grants:
              !blockAll && rng.chance(0.1)
                ? [
                    {
                      type: "Group",
                      uri: "http://acs.amazonaws.com/groups/global/AllUsers",
                      permission: "READ",
                    },
                  ]
                : [],
          },
        },
        {
          global: true,
          tags: sensitive
            ? { "data-classification": rng.pick(["confidential", "pii", "restricted"]) }
            : { env: "prod" },
        },
      );
      s.edge(root, "CONTAINS", id, "aws-s3-buckets", {}, true);
    }
    const secrets: string[] = [];
    for (let i = 0; i < p.secretsPerAccount; i++) {
      const id = `arn:aws:secretsmanager:${region}:${acct}:secret:app-${i}-${rng.hex(6)}`;
      secrets.push(id);
      s.node(id, "secret", "aws.secretsmanager.secret", "aws-secretsmanager-secrets", `app-${i}`, {});
      s.edge(root, "CONTAINS", id, "aws-secretsmanager-secrets");
    }

    // --- IAM ---
    s.node(
      ADMIN_POLICY,
      "policy",
      "aws.iam.managed_policy",
      "aws-iam",
      "AdministratorAccess",
      { awsManaged: true, document: doc(allow("*", "*")) },
      { global: true },
    );
    s.node(
      S3_READONLY_POLICY,
      "policy",
      "aws.iam.managed_policy",
      "aws-iam",
      "AmazonS3ReadOnlyAccess",
      { awsManaged: true, document: doc(allow(["s3:Get*", "s3:List*"], "*")) },
      { global: true },
    );
    const ec2Trust = doc({
      Effect: "Allow",
      Principal: { Service: "ec2.amazonaws.com" },
      Action: "sts:AssumeRole",
    });
    const acctTrust = (mfa: boolean) =>
      doc({
        Effect: "Allow",
        Principal: { AWS: root },
        Action: "sts:AssumeRole",
        ...(mfa ? { Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } } : {}),
      });
    const role = (name: string, trust: unknown, profile: boolean) => {
      const id = iam(`role/${name}`);
      s.node(
        id,
        "identity",
        "aws.iam.role",
        "aws-iam",
        name,
        { trustPolicy: trust, path: "/" },
        { global: true },
      );
      s.edge(root, "CONTAINS", id, "aws-iam", {}, true);
      if (profile) {
        const ip = iam(`instance-profile/${name}`);
        s.node(ip, "identity", "aws.iam.instance_profile", "aws-iam", name, {}, { global: true });
        s.edge(id, "MEMBER_OF", ip, "aws-iam", {}, true);
      }
      return id;
    };
    const managed = (name: string, d: unknown, principals: string[]) => {
      const id = iam(`policy/${name}`);
      s.node(
        id,
        "policy",
        "aws.iam.managed_policy",
        "aws-iam",
        name,
        { awsManaged: false, document: d, defaultVersionId: "v1" },
        { global: true },
      );
      for (const pr of principals) s.edge(pr, "ATTACHED_POLICY", id, "aws-iam", { as: ["managed"] }, true);
      return id;
    };
    const attach = (pr: string, policy: string) =>
      s.edge(pr, "ATTACHED_POLICY", policy, "aws-iam", { as: ["managed"] }, true);

    const opsAdmin = role("ops-admin", acctTrust(rng.chance(0.5)), false);
    attach(opsAdmin, ADMIN_POLICY);
    const legacyAdmin = role("legacy-admin-instance", ec2Trust, true);
    attach(legacyAdmin, ADMIN_POLICY);
    const readOnly = role("s3-readonly", acctTrust(false), false);
    attach(readOnly, S3_READONLY_POLICY);
    const appRoles: string[] = [];
    const appCount = Math.max(2, p.rolesPerAccount - 4);
    for (let i = 0; i < appCount; i++) {
      const id = role(`app-${i}`, ec2Trust, true);
      appRoles.push(id);
      const mine = Array.from({ length: rng.int(1, 3) }, () => rng.pick(buckets));
      const st: unknown[] = [
        allow(
          "s3:GetObject",
          mine.map((b) => `${b}/*`),
        ),
      ];
      if (rng.chance(0.3)) st.push(allow(["s3:PutObject", "s3:DeleteObject"], `${mine[0]}/*`));
      if (rng.chance(0.4)) st.push(allow("secretsmanager:GetSecretValue", rng.pick(secrets)));
      if (rng.chance(0.01)) st.push(allow("s3:*", "*"));
      managed(`app-${i}-access`, doc(...st), [id]);
    }
    const deployer = role("ci-deployer", acctTrust(false), false);
    managed(
      "ci-deploy",
      doc(allow("iam:PassRole", iam("role/app-*")), allow(["ec2:RunInstances", "ec2:Describe*"], "*")),
      [deployer],
    );

    // Users: developers read and assume the read-only role; a few hold escalation rights.
    const developers = iam("group/developers");
    s.node(developers, "identity", "aws.iam.group", "aws-iam", "developers", {}, { global: true });
    managed(
      "developer-base",
      doc(allow(["ec2:Describe*", "s3:ListAllMyBuckets"], "*"), allow("sts:AssumeRole", readOnly)),
      [developers],
    );
    for (let i = 0; i < p.usersPerAccount; i++) {
      const name = `user-${i}`;
      const id = iam(`user/${name}`);
      s.node(
        id,
        "identity",
        "aws.iam.user",
        "aws-iam",
        name,
        { userId: `AIDA${rng.hex(16).toUpperCase()}`, hasLoginProfile: rng.chance(0.6) },
        { global: true },
      );
      s.edge(root, "CONTAINS", id, "aws-iam", {}, true);
      s.edge(id, "MEMBER_OF", developers, "aws-iam", {}, true);
      const keyRoll = rng.next();
      if (keyRoll < 0.8) {
        const keyId = `AKIA${rng.hex(16).toUpperCase()}`;
        const kid = `${id}/access-key/${keyId}`;
        s.node(
          kid,
          "identity",
          "aws.iam.access_key",
          "aws-iam-access-keys",
          keyId,
          { accessKeyId: keyId, status: keyRoll < 0.6 ? "Active" : "Inactive" },
          { global: true },
        );
        s.edge(id, "HAS_KEY", kid, "aws-iam-access-keys", {}, true);
      }
      const roll = rng.next();
      const extra =
        roll < 0.03
          ? doc(allow("sts:AssumeRole", opsAdmin))
          : roll < 0.05
            ? doc(allow("iam:CreateAccessKey", iam("user/*")))
            : roll < 0.06
              ? doc(allow("iam:AttachUserPolicy", id))
              : roll < 0.07
                ? doc(allow("sts:AssumeRole", deployer))
                : undefined;
      if (extra) {
        const pid = `${id}#inline-policy/extra`;
        s.node(
          pid,
          "policy",
          "aws.iam.inline_policy",
          "aws-iam",
          "extra",
          { principal: id, document: extra },
          { global: true },
        );
        s.edge(id, "ATTACHED_POLICY", pid, "aws-iam", { as: ["inline"] }, true);
      }
      yield* flush();
    }

    // --- network and compute ---
    const instancesPerVpc = Math.ceil(p.instancesPerAccount / p.vpcsPerAccount);
    let instanceNo = 0;
    const dbSubnets: Array<{ priv: string[]; pub: string[]; sgDb: string; sgDbOpen: string }> = [];
    for (let v = 0; v < p.vpcsPerAccount; v++) {
      const vpcId = `vpc-${acct.slice(-4)}${v.toString(16).padStart(4, "0")}`;
      const vpc = ec2("vpc", vpcId);
      const octet = v % 256;
      s.node(vpc, "network", "aws.ec2.vpc", "aws-ec2-vpcs", vpcId, {
        vpcId,
        cidrBlocks: [`10.${octet}.0.0/16`],
      });
      s.edge(root, "CONTAINS", vpc, "aws-ec2-vpcs");
      const igw = ec2("internet-gateway", `igw-${vpcId.slice(4)}`);
      s.node(
        igw,
        "gateway",
        "aws.ec2.internet_gateway",
        "aws-ec2-internet-gateways",
        `igw-${vpcId.slice(4)}`,
        { vpcIds: [vpcId] },
      );
      s.edge(igw, "IN_NETWORK", vpc, "aws-ec2-internet-gateways");
      const nat = ec2("natgateway", `nat-${vpcId.slice(4)}`);
      s.node(nat, "gateway", "aws.ec2.nat_gateway", "aws-ec2-nat-gateways", `nat-${vpcId.slice(4)}`, {
        connectivityType: "public",
        state: "available",
      });
      const rtbMain = `rtb-m${vpcId.slice(4)}`;
      const rtbPub = `rtb-p${vpcId.slice(4)}`;
      s.node(
        ec2("route-table", rtbMain),
        "route_table",
        "aws.ec2.route_table",
        "aws-ec2-route-tables",
        rtbMain,
        {
          routeTableId: rtbMain,
          vpcId,
          main: true,
          routes: [{ destination: "0.0.0.0/0", target: nat.split("/").pop() }],
        },
      );
      s.node(
        ec2("route-table", rtbPub),
        "route_table",
        "aws.ec2.route_table",
        "aws-ec2-route-tables",
        rtbPub,
        {
          routeTableId: rtbPub,
          vpcId,
          main: false,
          routes: [{ destination: "0.0.0.0/0", target: igw.split("/").pop() }],
        },
      );
      const aclOpen = `acl-o${vpcId.slice(4)}`;
      const aclStrict = `acl-s${vpcId.slice(4)}`;
      s.node(
        ec2("network-acl", aclOpen),
        "network_acl",
        "aws.ec2.network_acl",
        "aws-ec2-network-acls",
        aclOpen,
        { networkAclId: aclOpen, vpcId, isDefault: true, entries: OPEN_ACL },
      );
      const strictVpc = rng.chance(0.15);
      if (strictVpc)
        s.node(
          ec2("network-acl", aclStrict),
          "network_acl",
          "aws.ec2.network_acl",
          "aws-ec2-network-acls",
          aclStrict,
          { networkAclId: aclStrict, vpcId, isDefault: false, entries: NO_SSH_ACL },
        );
      const pub: string[] = [];
      const priv: string[] = [];
      const nPub = Math.max(1, Math.floor(p.subnetsPerVpc / 4));
      for (let k = 0; k < p.subnetsPerVpc; k++) {
        const subnetId = `subnet-${vpcId.slice(4)}${k.toString(16).padStart(2, "0")}`;
        const id = ec2("subnet", subnetId);
        const isPub = k < nPub;
        s.node(id, "subnet", "aws.ec2.subnet", "aws-ec2-subnets", subnetId, {
          subnetId,
          vpcId,
          cidrBlock: `10.${octet}.${k}.0/24`,
          mapPublicIpOnLaunch: isPub,
        });
        s.edge(vpc, "CONTAINS", id, "aws-ec2-subnets");
        s.edge(id, "ROUTES_VIA", isPub ? igw : nat, "aws-ec2-route-tables", {
          destinations: ["0.0.0.0/0"],
          routeTable: isPub ? rtbPub : rtbMain,
        });
        s.edge(
          id,
          "PROTECTED_BY",
          ec2("network-acl", strictVpc && isPub ? aclStrict : aclOpen),
          "aws-ec2-network-acls",
        );
        (isPub ? pub : priv).push(subnetId);
      }
      if (!priv.length) priv.push(pub[0]!);
      s.edge(nat, "IN_SUBNET", ec2("subnet", pub[0]!), "aws-ec2-nat-gateways");
      // Security groups: a realistic mix, mostly internal.
      const g = (n: string) => `sg-${vpcId.slice(4)}${n}`;
      const world = { cidrs: ["0.0.0.0/0"] };
      const groups: Array<[string, unknown[]]> = [
        [g("web"), [rule("tcp", 443, 443, world), rule("tcp", 80, 80, world)]],
        [g("ssh"), [rule("tcp", 22, 22, world)]],
        [g("int"), [rule("tcp", 22, 22, { cidrs: ["10.0.0.0/8"] })]],
        [g("lb"), [rule("tcp", 443, 443, world)]],
        [g("app"), [rule("tcp", 8080, 8080, { groups: [g("web"), g("lb")] })]],
        [g("db"), [rule("tcp", 5432, 5432, { groups: [g("app")] })]],
        [g("dbo"), [rule("tcp", 5432, 5432, world)]],
        [g("rdp"), [rule("tcp", 3389, 3389, { cidrs: [`203.0.${octet}.0/24`] })]],
      ];
      for (const [gid, ingress] of groups) {
        const id = ec2("security-group", gid);
        s.node(id, "firewall", "aws.ec2.security_group", "aws-ec2-security-groups", gid, {
          groupId: gid,
          vpcId,
          ingress,
          egress: [rule("-1", -1, -1, world)],
        });
        s.edge(id, "IN_NETWORK", vpc, "aws-ec2-security-groups");
      }
      dbSubnets.push({ priv, pub, sgDb: g("db"), sgDbOpen: g("dbo") });

      const appInstances: string[] = [];
      for (let n = 0; n < instancesPerVpc && instanceNo < p.instancesPerAccount; n++, instanceNo++) {
        const instanceId = `i-${acct.slice(-4)}${instanceNo.toString(16).padStart(9, "0")}`;
        const id = ec2("instance", instanceId);
        const isPublic = rng.chance(p.publicShare);
        const subnetId = isPublic ? rng.pick(pub) : rng.pick(priv);
        const k = Number.parseInt(subnetId.slice(-2), 16);
        const privateIp = `10.${octet}.${k}.${(n % 250) + 4}`;
        const sgs = isPublic
          ? [rng.chance(0.7) ? g("web") : g("ssh")]
          : [rng.chance(0.6) ? g("app") : g("int")];
        if (rng.chance(0.02)) sgs.push(g("rdp"));
        const profileRole = rng.chance(0.01) ? legacyAdmin : rng.chance(0.7) ? rng.pick(appRoles) : undefined;
        const profile = profileRole ? profileRole.replace(":role/", ":instance-profile/") : undefined;
        const tokens = rng.chance(0.4) ? "optional" : "required";
        const publicIp = isPublic ? `198.51.${octet}.${(n % 250) + 1}` : undefined;
        s.node(
          id,
          "compute",
          "aws.ec2.instance",
          "aws-ec2-instances",
          instanceId,
          {
            instanceId,
            state: "running",
            instanceType: rng.pick(["t3.micro", "m5.large", "c6i.xlarge"]),
            vpcId,
            subnetId,
            privateIp,
            ...(publicIp ? { publicIp } : {}),
            publicIps: publicIp ? [publicIp] : [],
            ipv6Addresses: [],
            public: Boolean(publicIp),
            ...(profile ? { instanceProfileArn: profile } : {}),
            networkInterfaces: [{ subnetId, privateIps: [privateIp], groups: sgs }],
            metadata: {
              httpEndpoint: "enabled",
              httpTokens: tokens,
              hopLimit: 1,
              v1Allowed: tokens === "optional",
            },
          },
          {
            tags: {
              env: rng.pick(["prod", "staging", "dev"]),
              team: rng.pick(["payments", "search", "platform"]),
            },
          },
        );
        s.edge(root, "CONTAINS", id, "aws-ec2-instances");
        s.edge(id, "IN_NETWORK", vpc, "aws-ec2-instances");
        s.edge(id, "IN_SUBNET", ec2("subnet", subnetId), "aws-ec2-instances");
        for (const sg of sgs) s.edge(id, "PROTECTED_BY", ec2("security-group", sg), "aws-ec2-instances");
        if (profile) s.edge(id, "HAS_ROLE", profile, "aws-ec2-instances");
        if (sgs[0] === g("app")) appInstances.push(id);
        // Findings: a real CVE tuple per finding.
        const count = Math.round(rng.next() * 2 * p.findingsPerInstance);
        for (let f = 0; f < count; f++) {
          const c = rng.pick(cves);
          s.findings.push({
            kind: "vulnerability",
            ruleId: c.cve,
            package: c.package,
            installedVersion: c.installedVersion,
            ...(c.fixedVersion ? { fixedVersion: c.fixedVersion } : {}),
            resource: { ids: [id] },
            props: {},
            sources: [
              {
                tool: "trivy",
                sourceKey: s.key("import-trivy"),
                severity: normSeverity(c.severity),
                ...(c.vector ? { vector: c.vector } : {}),
              },
            ],
          });
        }
        yield* flush();
      }
      // Load balancers in front of app instances.
      for (let l = 0; l < p.loadBalancersPerVpc; l++) {
        const name = `lb-${vpcId.slice(4)}-${l}`;
        const suffix = rng.hex(16);
        const lb = `arn:aws:elasticloadbalancing:${region}:${acct}:loadbalancer/app/${name}/${suffix}`;
        const scheme = rng.chance(0.7) ? "internet-facing" : "internal";
        s.node(lb, "load_balancer", "aws.elbv2.load_balancer", "aws-elbv2", name, {
          scheme,
          type: "application",
          dnsName: `${name}.elb.amazonaws.com`,
        });
        for (const sn of scheme === "internet-facing" ? pub : priv.slice(0, 2))
          s.edge(lb, "IN_SUBNET", ec2("subnet", sn), "aws-elbv2");
        s.edge(lb, "PROTECTED_BY", ec2("security-group", g("lb")), "aws-elbv2");
        const listener = `arn:aws:elasticloadbalancing:${region}:${acct}:listener/app/${name}/${suffix}/${rng.hex(16)}`;
        s.node(listener, "listener", "aws.elbv2.listener", "aws-elbv2", `${name}:443`, {
          port: 443,
          protocol: "HTTPS",
        });
        s.edge(lb, "LISTENS", listener, "aws-elbv2");
        const tg = `arn:aws:elasticloadbalancing:${region}:${acct}:targetgroup/${name}-tg/${rng.hex(16)}`;
        s.node(tg, "target_group", "aws.elbv2.target_group", "aws-elbv2", `${name}-tg`, {
          port: 8080,
          protocol: "HTTP",
        });
        s.edge(listener, "FORWARDS_TO", tg, "aws-elbv2");
        for (let t = 0; t < Math.min(appInstances.length, rng.int(2, 5)); t++)
          s.edge(tg, "FORWARDS_TO", rng.pick(appInstances), "aws-elbv2", { port: 8080 });
      }
      yield* flush();
    }

    // Databases: private behind the app tier; a few public.
    for (let i = 0; i < p.databasesPerAccount; i++) {
      const name = `db-${i}`;
      const id = `arn:aws:rds:${region}:${acct}:db:${name}`;
      const net = dbSubnets[i % dbSubnets.length]!;
      const isPublic = rng.chance(0.05);
      s.node(
        id,
        "data_store",
        "aws.rds.db_instance",
        "aws-rds-db-instances",
        name,
        {
          publiclyAccessible: isPublic,
          port: 5432,
          engine: "postgres",
          dbiResourceId: `db-${rng.hex(20).toUpperCase()}`,
          iamAuthentication: rng.chance(0.3),
        },
        { tags: rng.chance(0.3) ? { "data-classification": "confidential" } : {} },
      );
      s.edge(root, "CONTAINS", id, "aws-rds-db-instances");
      for (const sn of isPublic ? net.pub : net.priv.slice(0, 2))
        s.edge(id, "IN_SUBNET", ec2("subnet", sn), "aws-rds-db-instances");
      s.edge(
        id,
        "PROTECTED_BY",
        ec2("security-group", isPublic ? net.sgDbOpen : net.sgDb),
        "aws-rds-db-instances",
      );
    }
    yield* flush(true);
  }
}

function normSeverity(s: string): "critical" | "high" | "medium" | "low" | "info" | "unknown" {
  const x = s.toLowerCase();
  return x === "critical" || x === "high" || x === "medium" || x === "low" || x === "info"
    ? x
    : x === "negligible"
      ? "low"
      : "unknown";
}
