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
