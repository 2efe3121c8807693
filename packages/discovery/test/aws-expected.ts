// The recorded account's graph, written out by hand from the fixtures (see fixtures/aws/SOURCES.md)
// in a shorthand: `E:` us-east-1 EC2 ARN, `W:` us-west-2 EC2 ARN, `I:` IAM ARN, all of account
// 123456789012; `ROOT` the account node.
const expand = (s: string) =>
  s
    .replace(/\bE:/g, "arn:aws:ec2:us-east-1:123456789012:")
    .replace(/\bW:/g, "arn:aws:ec2:us-west-2:123456789012:")
    .replace(/\bI:/g, "arn:aws:iam::123456789012:")
    .replace(/\bROOT\b/g, "arn:aws:iam::123456789012:root");

export const ids = (xs: string[]) => xs.map(expand).sort();
/** `from KIND to` → the graphState key `from -KIND-> to`. */
export const edges = (xs: string[]) =>
  xs
    .map((x) => {
      const [from, kind, to] = x.split(" ");
      return `${expand(from!)} -${kind}-> ${expand(to!)}`;
    })
    .sort();

/** The other side of the recorded peering: another account's VPC in another region (a stub). */
export const PARTNER_VPC = "arn:aws:ec2:us-west-2:210987654321:vpc/vpc-0abc1234";

export const EAST_SGS = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `E:security-group/sg-0000000${n}`);
export const EAST_SUBNETS = [1, 2, 3, 4].map((n) => `E:subnet/subnet-0000000${n}`);
export const EAST_INSTANCES = [0, 1, 2].map((n) => `E:instance/i-0000000000000000${n}`);
export const WEST_INSTANCES = ["W:instance/i-0087ce11c395e5703", "W:instance/i-051d5a5a07a40d2a3"];

export const EC2_EAST_NODES = [
  "E:vpc/vpc-12345678",
  ...EAST_SUBNETS,
  ...EAST_SGS,
  ...EAST_INSTANCES,
  "E:route-table/rtb-00000001",
  "E:route-table/rtb-00000002",
  "E:internet-gateway/igw-00000001",
  "E:natgateway/nat-00000001",
  // The deleted peering connection is not kept.
  "E:vpc-peering-connection/pcx-00000001",
  "E:network-acl/acl-00000001",
  "E:elastic-ip/eipalloc-00000002",
];

export const IAM_NODES = [
  "I:user/deploy-bot",
  "arn:aws:iam::aws:user/USER",
  "arn:aws:iam::aws:user/USER_WITH_BAD_INLINE_POLICY",
  "arn:aws:iam::aws:group/GROUP_WITH_BAD_INLINE_POLICY",
  "I:role/bad_role",
  "I:role/exfiller",
  "I:role/level3",
  "I:role/service-role/level1",
  "I:role/web",
  "I:instance-profile/web",
  "I:role/bad_role#inline-policy/dostuff",
  "I:role/exfiller#inline-policy/tmp",
  "I:role/level3#inline-policy/listbuckets",
  "I:role/service-role/level1#inline-policy/level1",
  "I:role/web#inline-policy/read-data",
  "I:policy/BAD_MFA_POLICY",
  "I:policy/deploy-boundary",
  // AWS-managed policies only where attached; ReadOnlyAccess (unattached) is not kept.
  "arn:aws:iam::aws:policy/AdministratorAccess",
  "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
];

export const EC2_EAST_EDGES = [
  ...EC2_EAST_NODES.map((n) =>
    n.includes("subnet/") ? `E:vpc/vpc-12345678 CONTAINS ${n}` : `ROOT CONTAINS ${n}`,
  ),
  "E:instance/i-00000000000000000 IN_NETWORK E:vpc/vpc-12345678",
  "E:instance/i-00000000000000000 IN_SUBNET E:subnet/subnet-00000001",
  "E:instance/i-00000000000000000 PROTECTED_BY E:security-group/sg-00000002",
  "E:instance/i-00000000000000001 IN_NETWORK E:vpc/vpc-12345678",
  "E:instance/i-00000000000000001 IN_SUBNET E:subnet/subnet-00000003",
  "E:instance/i-00000000000000001 PROTECTED_BY E:security-group/sg-00000004",
  "E:instance/i-00000000000000002 IN_NETWORK E:vpc/vpc-12345678",
  "E:instance/i-00000000000000002 IN_SUBNET E:subnet/subnet-00000004",
  "E:instance/i-00000000000000002 PROTECTED_BY E:security-group/sg-00000004",
  "E:internet-gateway/igw-00000001 IN_NETWORK E:vpc/vpc-12345678",
  "E:natgateway/nat-00000001 IN_NETWORK E:vpc/vpc-12345678",
  "E:natgateway/nat-00000001 IN_SUBNET E:subnet/subnet-00000001",
  "E:natgateway/nat-00000001 HAS_ADDRESS E:elastic-ip/eipalloc-00000002",
  "E:vpc-peering-connection/pcx-00000001 IN_NETWORK E:vpc/vpc-12345678",
  `E:vpc-peering-connection/pcx-00000001 IN_NETWORK ${PARTNER_VPC}`,
  "E:network-acl/acl-00000001 IN_NETWORK E:vpc/vpc-12345678",
  "E:route-table/rtb-00000001 IN_NETWORK E:vpc/vpc-12345678",
  "E:route-table/rtb-00000001 ROUTES_VIA E:natgateway/nat-00000001",
  "E:route-table/rtb-00000002 IN_NETWORK E:vpc/vpc-12345678",
  "E:route-table/rtb-00000002 ROUTES_VIA E:internet-gateway/igw-00000001",
  ...EAST_SGS.map((g) => `${g} IN_NETWORK E:vpc/vpc-12345678`),
  ...EAST_SUBNETS.map((s) => `${s} PROTECTED_BY E:network-acl/acl-00000001`),
  // Subnets 1 and 2 are associated with the public table; 3 and 4 fall back to the main table.
  "E:subnet/subnet-00000001 ROUTES_VIA E:internet-gateway/igw-00000001",
  "E:subnet/subnet-00000002 ROUTES_VIA E:internet-gateway/igw-00000001",
  "E:subnet/subnet-00000003 ROUTES_VIA E:natgateway/nat-00000001",
  "E:subnet/subnet-00000004 ROUTES_VIA E:natgateway/nat-00000001",
];

export const EC2_WEST_EDGES = [
  ...WEST_INSTANCES.map((i) => `ROOT CONTAINS ${i}`),
  "W:instance/i-0087ce11c395e5703 HAS_ROLE arn:aws:iam::644160558196:instance-profile/c7n-pratyush-test",
  "W:instance/i-0087ce11c395e5703 IN_NETWORK W:vpc/vpc-d2d616b5",
  "W:instance/i-0087ce11c395e5703 IN_SUBNET W:subnet/subnet-914763e7",
  "W:instance/i-0087ce11c395e5703 PROTECTED_BY W:security-group/sg-007e9ef58b28a8050",
  "W:instance/i-051d5a5a07a40d2a3 HAS_ROLE arn:aws:iam::644160558196:instance-profile/CloudCustodianRole",
  "W:instance/i-051d5a5a07a40d2a3 IN_NETWORK W:vpc/vpc-d2d616b5",
  "W:instance/i-051d5a5a07a40d2a3 IN_SUBNET W:subnet/subnet-914763e7",
  "W:instance/i-051d5a5a07a40d2a3 PROTECTED_BY W:security-group/sg-007e9ef58b28a8050",
];

/** West's instances point at a VPC, subnet, group and profiles nobody listed: stubs. */
export const WEST_STUBS = [
  "W:security-group/sg-007e9ef58b28a8050",
  "W:subnet/subnet-914763e7",
  "W:vpc/vpc-d2d616b5",
  "arn:aws:iam::644160558196:instance-profile/CloudCustodianRole",
  "arn:aws:iam::644160558196:instance-profile/c7n-pratyush-test",
];

export const IAM_EDGES = [
  ...IAM_NODES.filter((n) => !n.includes("#") && !n.includes(":aws:policy/")).map(
    (n) => `ROOT CONTAINS ${n}`,
  ),
  "I:role/bad_role ATTACHED_POLICY I:role/bad_role#inline-policy/dostuff",
  "I:role/bad_role ATTACHED_POLICY arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
  "I:role/exfiller ATTACHED_POLICY I:role/exfiller#inline-policy/tmp",
  "I:role/level3 ATTACHED_POLICY I:role/level3#inline-policy/listbuckets",
  "I:role/service-role/level1 ATTACHED_POLICY I:role/service-role/level1#inline-policy/level1",
  "I:role/web ATTACHED_POLICY I:role/web#inline-policy/read-data",
  "I:role/web MEMBER_OF I:instance-profile/web",
  "I:role/web TRUSTS ROOT",
  "I:role/web TRUSTS arn:aws:iam::210987654321:role/deployer",
  "I:user/deploy-bot ATTACHED_POLICY I:policy/deploy-boundary",
  "I:user/deploy-bot ATTACHED_POLICY arn:aws:iam::aws:policy/AdministratorAccess",
  "arn:aws:iam::aws:group/GROUP_WITH_BAD_INLINE_POLICY ATTACHED_POLICY arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
  "arn:aws:iam::aws:user/USER MEMBER_OF arn:aws:iam::aws:group/GROUP_WITH_BAD_INLINE_POLICY",
  "arn:aws:iam::aws:user/USER_WITH_BAD_INLINE_POLICY ATTACHED_POLICY arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
];

const LB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo/qwerty";
const L443 = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/demo/qwerty/443aaaaaaaaaaaaa";
const L80 = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/demo/qwerty/80aaaaaaaaaaaaaa";
const TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0000000000000001";
const ADMIN_TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/admin/0000000000000002";
const DB = "arn:aws:rds:us-east-1:123456789012:db:securitymonkey";
const BUCKET = "arn:aws:s3:::cloudmapper_demo";
const KEY1 = "I:access-key/AKIA00000000000000D1";
const KEY2 = "I:access-key/AKIA00000000000000D2";
export const SERVICE_IDS = { LB, L443, L80, TG, ADMIN_TG, DB, BUCKET, KEY1, KEY2 };

export const S3_NODES = [BUCKET];
export const S3_EDGES = [`ROOT CONTAINS ${BUCKET}`];
export const RDS_NODES = [DB];
export const RDS_EDGES = [
  `ROOT CONTAINS ${DB}`,
  `${DB} IN_NETWORK E:vpc/vpc-12345678`,
  `${DB} IN_SUBNET E:subnet/subnet-00000003`,
  `${DB} IN_SUBNET E:subnet/subnet-00000004`,
  `${DB} PROTECTED_BY E:security-group/sg-00000005`,
];
export const ELBV2_NODES = [LB, L443, L80, TG, ADMIN_TG];
export const ELBV2_EDGES = [
  `ROOT CONTAINS ${LB}`,
  `ROOT CONTAINS ${TG}`,
  `${LB} IN_NETWORK E:vpc/vpc-12345678`,
  `${LB} IN_SUBNET E:subnet/subnet-00000002`,
  `${LB} PROTECTED_BY E:security-group/sg-00000003`,
  `${LB} LISTENS ${L443}`,
  `${LB} LISTENS ${L80}`,
  `ROOT CONTAINS ${ADMIN_TG}`,
  `${ADMIN_TG} IN_NETWORK E:vpc/vpc-12345678`,
  // HTTP 80 only redirects: no target group behind it. HTTPS forwards by default and for /admin/*.
  `${L443} FORWARDS_TO ${TG}`,
  `${L443} FORWARDS_TO ${ADMIN_TG}`,
  `${TG} IN_NETWORK E:vpc/vpc-12345678`,
  `${TG} FORWARDS_TO E:instance/i-00000000000000001`,
  `${TG} FORWARDS_TO E:instance/i-00000000000000002`,
];
export const KEY_NODES = [KEY1, KEY2];
export const KEY_EDGES = [`I:user/deploy-bot HAS_KEY ${KEY1}`, `I:user/deploy-bot HAS_KEY ${KEY2}`];

const IMAGE =
  "arn:aws:ecr:us-east-1:012345678901:repository/my-awesome-docker-image/sha256:d667ad018b538adadb5bd1db75836c8561b23bc7d31d9cd8941fa74f5df93802";
const OTHER_INSTANCE = "arn:aws:ec2:us-east-1:012345678901:instance/i-0b22a22eec53b9321";
/** [assetRef, ruleId, package] of every Inspector2 finding: DefectDojo's page minus its CLOSED one, plus the bastion's. */
export const FINDINGS: Array<[string, string, string]> = [
  ...["CVE-2024-37021", "CVE-2021-3640", "CVE-2021-47013", "CVE-2023-42753", "CVE-2020-27170"].map(
    (c): [string, string, string] => [`unmatched:${IMAGE}`, c, "linux"],
  ),
  // Listed twice in the finding: one package, one finding.
  [`unmatched:${IMAGE}`, "CVE-2022-29824", "libxml2"],
  [`unmatched:${OTHER_INSTANCE}`, "CVE-2015-8035", "libxml2"],
  [`unmatched:${OTHER_INSTANCE}`, "CVE-2015-8035", "libxml2-python"],
  ["arn:aws:ec2:us-east-1:123456789012:instance/i-00000000000000000", "CVE-2024-6387", "openssh-server"],
];
