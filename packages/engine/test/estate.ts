// The hand-built estate of issue 8: a true edge for each rule and a decoy for each.
import { Builder, OPEN_ACL, allow, arn, deny, doc, rule } from "./build.js";

export const ADMIN_DOC = doc(allow("*", "*"));
const ec2Trust = doc({
  Effect: "Allow",
  Principal: { Service: "ec2.amazonaws.com" },
  Action: "sts:AssumeRole",
});
const accountTrust = doc({ Effect: "Allow", Principal: { AWS: arn.root() }, Action: "sts:AssumeRole" });

export const DENY_SSH_ACL = [
  {
    ruleNumber: 90,
    egress: false,
    protocol: "6",
    action: "deny",
    cidr: "0.0.0.0/0",
    fromPort: 22,
    toPort: 22,
  },
  ...OPEN_ACL,
];

export function handBuilt(): Builder {
  const b = new Builder();
  b.vpc("vpc-1")
    .igw("igw-1", "vpc-1")
    .nat("nat-1")
    .acl("acl-open", "vpc-1")
    .acl("acl-deny-ssh", "vpc-1", DENY_SSH_ACL);
  b.subnet("subnet-pub", "vpc-1", "10.0.1.0/24", { igw: "igw-1", acl: "acl-open" });
  b.subnet("subnet-nat", "vpc-1", "10.0.2.0/24", { nat: "nat-1", acl: "acl-open" });
  b.subnet("subnet-denied", "vpc-1", "10.0.3.0/24", { igw: "igw-1", acl: "acl-deny-ssh" });
  b.subnet("subnet-priv", "vpc-1", "10.0.4.0/24", { acl: "acl-open" });
  b.vpc("vpc-2", "10.0.0.0/16")
    .acl("acl-2", "vpc-2")
    .subnet("subnet-2", "vpc-2", "10.0.1.0/24", { acl: "acl-2" });

  const world = { cidrs: ["0.0.0.0/0"] };
  b.sg("sg-web", "vpc-1", [rule("tcp", 443, 443, world)]);
  b.sg("sg-ssh-open", "vpc-1", [rule("tcp", 22, 22, world)]);
  b.sg("sg-internal", "vpc-1", [rule("tcp", 22, 22, { cidrs: ["10.0.0.0/8"] })]);
  b.sg("sg-app", "vpc-1", [rule("tcp", 8080, 8080, { groups: ["sg-web"] })]);
  b.sg("sg-lb", "vpc-1", [rule("tcp", 443, 443, world)]);
  b.sg("sg-lbtarget", "vpc-1", [rule("tcp", 8080, 8080, { groups: ["sg-lb"] })]);
  b.sg("sg-db", "vpc-1", [rule("tcp", 5432, 5432, world)]);
  b.sg("sg-mysql", "vpc-1", [rule("tcp", 3306, 3306, world)]);

  // Instances: one true exposure by public IP, one by Elastic IP; three decoys.
  b.instance("i-web", {
    vpc: "vpc-1",
    subnet: "subnet-pub",
    groups: ["sg-web"],
    privateIp: "10.0.1.10",
    publicIp: "203.0.113.10",
    profile: "web-profile",
  });
  b.instance("i-eip", {
    vpc: "vpc-1",
    subnet: "subnet-pub",
    groups: ["sg-ssh-open"],
    privateIp: "10.0.1.20",
  });
  b.eip("eipalloc-1", "198.51.100.20", "i-eip");
  b.instance("i-internal", {
    vpc: "vpc-1",
    subnet: "subnet-pub",
    groups: ["sg-internal"],
    privateIp: "10.0.1.30",
    publicIp: "203.0.113.11",
  });
  b.instance("i-nat", {
    vpc: "vpc-1",
    subnet: "subnet-nat",
    groups: ["sg-ssh-open"],
    privateIp: "10.0.2.10",
    publicIp: "203.0.113.12",
  });
  b.instance("i-nacl", {
    vpc: "vpc-1",
    subnet: "subnet-denied",
    groups: ["sg-ssh-open"],
    privateIp: "10.0.3.10",
    publicIp: "203.0.113.13",
  });
  b.instance("i-admin", {
    vpc: "vpc-1",
    subnet: "subnet-priv",
    groups: ["sg-app"],
    privateIp: "10.0.4.10",
    profile: "admin-profile",
    tokens: "required",
  });
  b.instance("i-lbtarget", {
    vpc: "vpc-1",
    subnet: "subnet-priv",
    groups: ["sg-lbtarget"],
    privateIp: "10.0.4.20",
  });
  b.instance("i-notadmitted", {
    vpc: "vpc-1",
    subnet: "subnet-priv",
    groups: ["sg-internal"],
    privateIp: "10.0.4.30",
  });
  // Another VPC, same private range: no group of vpc-1 admits it; its metadata endpoint is off.
  b.instance("i-noimds", {
    vpc: "vpc-2",
    subnet: "subnet-2",
    groups: [],
    privateIp: "10.0.1.99",
    profile: "web-profile",
  });
  b.nodes.find((n) => n.id === arn.instance("i-noimds"))!.props!.metadata = {
    httpEndpoint: "disabled",
    httpTokens: "optional",
  };

  // Load balancers: internet-facing (true) and internal (decoy), one listener each.
  for (const [name, scheme] of [
    ["lb-web", "internet-facing"],
    ["lb-internal", "internal"],
  ] as const) {
    b.node(
      arn.lb(name),
      "load_balancer",
      "aws.elbv2.load_balancer",
      "aws-elbv2",
      { scheme, type: "application" },
      name,
    );
    b.edge(arn.lb(name), "IN_SUBNET", arn.subnet("subnet-pub"), "aws-elbv2").edge(
      arn.lb(name),
      "PROTECTED_BY",
      arn.sg("sg-lb"),
      "aws-elbv2",
    );
    b.node(arn.listener(name, 443), "listener", "aws.elbv2.listener", "aws-elbv2", {
      port: 443,
      protocol: "HTTPS",
    });
    b.edge(arn.lb(name), "LISTENS", arn.listener(name, 443), "aws-elbv2");
    b.node(arn.tg(`${name}-tg`), "target_group", "aws.elbv2.target_group", "aws-elbv2", {
      port: 8080,
      protocol: "HTTP",
    });
    b.edge(arn.listener(name, 443), "FORWARDS_TO", arn.tg(`${name}-tg`), "aws-elbv2");
    b.edge(arn.tg(`${name}-tg`), "FORWARDS_TO", arn.instance("i-lbtarget"), "aws-elbv2", { port: 8080 });
    // Decoy target: its group does not admit the load balancer on 8080.
    b.edge(arn.tg(`${name}-tg`), "FORWARDS_TO", arn.instance("i-notadmitted"), "aws-elbv2", { port: 8080 });
  }

  // Data stores.
  const publicRead = (bucket: string) =>
    doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/*` });
  // As the connector writes it: the SDK's PascalCase, bucket, account and effective levels.
  const noBlock = {
    BlockPublicAcls: false,
    IgnorePublicAcls: false,
    BlockPublicPolicy: false,
    RestrictPublicBuckets: false,
  };
  const eff = (pab: typeof noBlock) => ({
    publicAccessBlock: pab,
    accountPublicAccessBlock: noBlock,
    effectivePublicAccessBlock: pab,
  });
  b.bucket("bucket-public", { policy: publicRead("bucket-public"), ...eff(noBlock) });
  b.bucket("bucket-pab", {
    policy: publicRead("bucket-pab"),
    ...eff({ ...noBlock, RestrictPublicBuckets: true }),
  });
  b.bucket("bucket-acl", {
    ...eff(noBlock),
    acl: {
      grants: [{ type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers", permission: "READ" }],
    },
  });
  b.bucket("bucket-private", { ...eff(noBlock), acl: { grants: [] } });
  b.db("db-public", { subnets: ["subnet-pub"], groups: ["sg-db"], publiclyAccessible: true });
  b.db("db-wrongport", { subnets: ["subnet-pub"], groups: ["sg-mysql"], publiclyAccessible: true });
  b.db("db-flag-off", { subnets: ["subnet-pub"], groups: ["sg-db"], publiclyAccessible: false });
  b.secret("secret-app");

  // IAM.
  b.managed("admin-all", ADMIN_DOC);
  b.role("admin-role", ec2Trust, "admin-profile").attach(arn.role("admin-role"), arn.policy("admin-all"));
  b.role("web-role", ec2Trust, "web-profile").inline(
    arn.role("web-role"),
    "web",
    doc(
      allow("s3:GetObject", "arn:aws:s3:::bucket-private/*"),
      allow("sts:AssumeRole", [arn.role("data-role"), arn.role("other-role")]),
    ),
  );
  b.role("data-role", accountTrust).inline(
    arn.role("data-role"),
    "data",
    doc(
      allow("s3:PutObject", "arn:aws:s3:::bucket-pab/*"),
      allow("secretsmanager:GetSecretValue", arn.secret("secret-app")),
    ),
  );
  b.role(
    "other-role",
    doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999988887777:root" }, Action: "sts:AssumeRole" }),
  );
  b.role("noaccess-role", ec2Trust).inline(
    arn.role("noaccess-role"),
    "describe",
    doc(allow("ec2:Describe*")),
  );
  b.role("denied-role", ec2Trust).inline(
    arn.role("denied-role"),
    "mixed",
    doc(
      allow("s3:*", ["arn:aws:s3:::bucket-private", "arn:aws:s3:::bucket-private/*"]),
      deny("s3:*", ["arn:aws:s3:::bucket-private", "arn:aws:s3:::bucket-private/*"]),
    ),
  );
  b.managed("boundary-ec2-only", doc(allow("ec2:*")));
  b.user("bounded-user", { permissionsBoundaryArn: arn.policy("boundary-ec2-only") })
    .inline(
      arn.user("bounded-user"),
      "read-acl-bucket",
      doc(allow("s3:GetObject", "arn:aws:s3:::bucket-acl/*")),
    )
    .attach(arn.user("bounded-user"), arn.policy("boundary-ec2-only"), "permissions_boundary")
    .accessKey("bounded-user", "AKIABOUNDED000000001", "Active");
  b.user("dev-user")
    .inline(arn.user("dev-user"), "keys", doc(allow("iam:CreateAccessKey", arn.user("ops-user"))))
    .accessKey("dev-user", "AKIADEV0000000000001", "Active");
  b.user("ops-user").accessKey("ops-user", "AKIAOPS0000000000001", "Inactive");
  return b;
}
