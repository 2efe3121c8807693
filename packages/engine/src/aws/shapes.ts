// The node props the engine reads from the AWS connector's graph, described once. Every schema is
// tolerant: fields are optional and extra fields pass through, because a missing field must turn
// into "unknown" (an assumption on the edge), never into a crash or a silent "safe".
// The shapes mirror packages/discovery/src/aws/modules (EC2, IAM, access keys, ELBv2, S3, RDS);
// Secrets Manager and launch templates are the engine's proposal for modules not written yet.
import { z } from "zod";

const str = z.string();
const num = z.coerce.number();
const strList = z.array(z.string()).catch([]);

/** `aws.ec2.instance` (kind compute). */
export const InstanceProps = z.looseObject({
  instanceId: str.optional(),
  state: str.optional(),
  vpcId: str.optional(),
  subnetId: str.optional(),
  privateIp: str.optional(),
  publicIp: str.optional(),
  publicIps: strList.optional(),
  ipv6Addresses: strList.optional(),
  instanceProfileArn: str.optional(),
  networkInterfaces: z
    .array(
      z.looseObject({
        subnetId: str.optional(),
        privateIps: strList.optional(),
        publicIp: str.optional(),
        ipv6Addresses: strList.optional(),
        groups: strList.optional(),
      }),
    )
    .catch([])
    .optional(),
  /** Instance metadata service options; `v1Allowed` = endpoint on and tokens optional. */
  metadata: z
    .looseObject({
      httpEndpoint: str.optional(),
      httpTokens: str.optional(),
      hopLimit: num.optional(),
      v1Allowed: z.boolean().optional(),
    })
    .optional(),
});
export type InstanceProps = z.infer<typeof InstanceProps>;

/** `aws.ec2.subnet` (kind subnet). */
export const SubnetProps = z.looseObject({
  subnetId: str.optional(),
  vpcId: str.optional(),
  cidrBlock: str.optional(),
  ipv6CidrBlocks: strList.optional(),
});

/** A security group rule as the connector normalises it (one entry per IpPermission). */
export const FirewallRule = z.looseObject({
  protocol: z.union([str, num]).transform(String).default("-1"),
  fromPort: num.optional(),
  toPort: num.optional(),
  cidrs: strList.default([]),
  ipv6Cidrs: strList.default([]),
  prefixLists: strList.default([]),
  groups: z
    .array(z.looseObject({ groupId: str, userId: str.optional(), vpcId: str.optional() }))
    .catch([])
    .default([]),
});
export type FirewallRule = z.infer<typeof FirewallRule>;

/** `aws.ec2.security_group` (kind firewall). */
export const SecurityGroupProps = z.looseObject({
  groupId: str.optional(),
  vpcId: str.optional(),
  ingress: z.array(FirewallRule).optional(),
  egress: z.array(FirewallRule).optional(),
});

/** `aws.ec2.network_acl` entries, sorted or not: the engine sorts by rule number. */
export const NaclEntry = z.looseObject({
  ruleNumber: num,
  egress: z.boolean().default(false),
  protocol: z.union([str, num]).transform(String).default("-1"),
  action: str,
  cidr: str.optional(),
  fromPort: num.optional(),
  toPort: num.optional(),
});
export type NaclEntry = z.infer<typeof NaclEntry>;

export const NetworkAclProps = z.looseObject({
  networkAclId: str.optional(),
  vpcId: str.optional(),
  entries: z.array(NaclEntry).optional(),
});

/** `aws.ec2.elastic_ip` (kind public_ip). */
export const ElasticIpProps = z.looseObject({ publicIp: str.optional() });

/** `ROUTES_VIA` edge props (subnet or route table → gateway). */
export const RoutesViaProps = z.looseObject({ destinations: strList.optional(), routeTable: str.optional() });

/** `aws.elbv2.load_balancer` (kind load_balancer). */
export const LoadBalancerProps = z.looseObject({
  scheme: str.optional(), // "internet-facing" | "internal"
  type: str.optional(), // "application" | "network" | "gateway"
  dnsName: str.optional(),
});

/** `aws.elbv2.listener` (kind listener). */
export const ListenerProps = z.looseObject({ port: num.optional(), protocol: str.optional() });

/** `aws.elbv2.target_group` (kind target_group). `FORWARDS_TO` target edges may carry `port`. */
export const TargetGroupProps = z.looseObject({ port: num.optional(), protocol: str.optional() });
export const ForwardsToProps = z.looseObject({ port: num.optional() });

/**
 * The S3 public access block, bucket, account or effective level. The connector writes the SDK's
 * PascalCase (`BlockPublicAcls`…); camelCase is read too.
 */
export const PublicAccessBlock = z.preprocess(
  (v) =>
    v && typeof v === "object"
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.charAt(0).toLowerCase() + k.slice(1), x]))
      : v,
  z.looseObject({
    blockPublicAcls: z.boolean().optional(),
    ignorePublicAcls: z.boolean().optional(),
    blockPublicPolicy: z.boolean().optional(),
    restrictPublicBuckets: z.boolean().optional(),
  }),
);
export type PublicAccessBlock = z.infer<typeof PublicAccessBlock>;

/** `aws.s3.bucket` (kind data_store), as packages/discovery/src/aws/modules/s3.ts writes it. */
export const BucketProps = z.looseObject({
  /** The bucket policy document (parsed JSON); absent when the bucket has none. */
  policy: z.unknown().optional(),
  /** The policy text when it could not be parsed. */
  policyUnparsed: str.optional(),
  acl: z
    .looseObject({
      grants: z
        .array(
          z.looseObject({
            type: str.optional(),
            uri: str.optional(),
            /** Older spelling of `uri`. */
            granteeUri: str.optional(),
            permission: str.optional(),
          }),
        )
        .catch([])
        .optional(),
    })
    .optional(),
  publicAccessBlock: PublicAccessBlock.optional(),
  accountPublicAccessBlock: PublicAccessBlock.optional(),
  /** A flag is on when the account or the bucket turns it on; absent when either was unreadable. */
  effectivePublicAccessBlock: PublicAccessBlock.optional(),
  /** Per-bucket reads that failed (`policy`, `acl`, `publicAccessBlock`, …) with the AWS error code. */
  unreadable: z.record(z.string(), z.unknown()).optional(),
});

/** `aws.rds.db_instance` (kind data_store), as packages/discovery/src/aws/modules/rds.ts writes it. */
export const DbInstanceProps = z.looseObject({
  publiclyAccessible: z.boolean().optional(),
  port: num.optional(),
  engine: str.optional(),
  dbiResourceId: str.optional(),
  /** IAM database authentication (the connector's name). */
  iamAuthentication: z.boolean().optional(),
  vpcId: str.optional(),
});

/** `aws.secretsmanager.secret` (kind secret) — proposed: no connector module yet. */
export const SecretProps = z.looseObject({ resourcePolicy: z.unknown().optional() });

/** `aws.iam.access_key` (kind identity; the key id is the node name), user `HAS_KEY` key. */
export const AccessKeyProps = z.looseObject({
  accessKeyId: str.optional(),
  status: str.optional(), // "Active" | "Inactive"
  lastUsedDate: str.optional(),
});

/** `aws.iam.user` / `aws.iam.role` (kind identity). */
export const PrincipalProps = z.looseObject({
  permissionsBoundaryArn: str.optional(),
  trustPolicy: z.unknown().optional(),
  trustPolicyUnparsed: str.optional(),
  /** Alternative to access-key nodes: keys listed on the user. */
  accessKeys: z.array(AccessKeyProps).catch([]).optional(),
  /** true / false when known (GetLoginProfile); absent when unread. */
  hasLoginProfile: z.boolean().optional(),
});

/** `aws.iam.managed_policy` / `aws.iam.inline_policy` (kind policy). */
export const PolicyProps = z.looseObject({
  document: z.unknown().optional(),
  documentUnparsed: str.optional(),
  awsManaged: z.boolean().optional(),
});

/** `ATTACHED_POLICY` edge props: how the policy applies (`managed`, `inline`, `permissions_boundary`). */
export const AttachedPolicyProps = z.looseObject({ as: strList.optional() });

const isStr = (v: unknown) => v === undefined || typeof v === "string";
const isStrList = (v: unknown) => {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") return false;
  return true;
};
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Whether instance props already have InstanceProps' shape exactly (every field absent or of its
 * type, lists of strings, a finite hop limit): the schema would accept them unchanged, field for
 * field, so readProps hands them over as they are instead of a parsed copy (60k instances on a
 * 100k estate). Anything else goes through the schema.
 */
export function instancePropsAsIs(p: Record<string, unknown>): boolean {
  if (
    !isStr(p.instanceId) ||
    !isStr(p.state) ||
    !isStr(p.vpcId) ||
    !isStr(p.subnetId) ||
    !isStr(p.privateIp) ||
    !isStr(p.publicIp) ||
    !isStrList(p.publicIps) ||
    !isStrList(p.ipv6Addresses) ||
    !isStr(p.instanceProfileArn)
  )
    return false;
  const nis = p.networkInterfaces;
  if (nis !== undefined) {
    if (!Array.isArray(nis)) return false;
    for (let i = 0; i < nis.length; i++) {
      const n: unknown = nis[i];
      if (
        !isRecord(n) ||
        !isStr(n.subnetId) ||
        !isStrList(n.privateIps) ||
        !isStr(n.publicIp) ||
        !isStrList(n.ipv6Addresses) ||
        !isStrList(n.groups)
      )
        return false;
    }
  }
  const md = p.metadata;
  if (md !== undefined) {
    if (!isRecord(md) || !isStr(md.httpEndpoint) || !isStr(md.httpTokens)) return false;
    if (md.hopLimit !== undefined && !(typeof md.hopLimit === "number" && Number.isFinite(md.hopLimit)))
      return false;
    if (md.v1Allowed !== undefined && typeof md.v1Allowed !== "boolean") return false;
  }
  return true;
}

const isNum = (v: unknown) => v === undefined || (typeof v === "number" && Number.isFinite(v));
const isDefinedStrList = (v: unknown) => v !== undefined && isStrList(v);

/** Whether one ingress or egress rule already has FirewallRule's output shape (defaults filled in). */
function firewallRuleAsIs(r: unknown): boolean {
  if (!isRecord(r)) return false;
  if (
    typeof r.protocol !== "string" ||
    !isNum(r.fromPort) ||
    !isNum(r.toPort) ||
    !isDefinedStrList(r.cidrs) ||
    !isDefinedStrList(r.ipv6Cidrs) ||
    !isDefinedStrList(r.prefixLists) ||
    !Array.isArray(r.groups)
  )
    return false;
  const groups: unknown[] = r.groups;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (!isRecord(g) || typeof g.groupId !== "string" || !isStr(g.userId) || !isStr(g.vpcId)) return false;
  }
  return true;
}

const isRuleList = (v: unknown) => {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!firewallRuleAsIs(v[i])) return false;
  return true;
};

/**
 * Whether security group props already have SecurityGroupProps' output shape: every rule with its
 * protocol as a string, finite ports and its four lists present (the schema's defaults filled in).
 * Then the schema would give the same fields back and readProps takes them as they are.
 */
export function securityGroupPropsAsIs(p: Record<string, unknown>): boolean {
  return isStr(p.groupId) && isStr(p.vpcId) && isRuleList(p.ingress) && isRuleList(p.egress);
}

/**
 * The same key rewrite as PublicAccessBlock's preprocess step (a later key wins a clash), or
 * undefined for a `__proto__` key, which an assignment would not copy as Object.fromEntries does.
 */
function camelKeys(v: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const c = k.charAt(0).toLowerCase() + k.slice(1);
    if (c === "__proto__") return undefined;
    out[c] = v[k];
  }
  return out;
}

const isBool = (v: unknown) => v === undefined || typeof v === "boolean";

/** A public access block as PublicAccessBlock gives it back, or undefined when the schema would refuse it. */
function publicAccessBlockOf(v: Record<string, unknown>): Record<string, unknown> | undefined {
  const c = camelKeys(v);
  return c &&
    isBool(c.blockPublicAcls) &&
    isBool(c.ignorePublicAcls) &&
    isBool(c.blockPublicPolicy) &&
    isBool(c.restrictPublicBuckets)
    ? c
    : undefined;
}

const PUBLIC_ACCESS_BLOCKS = ["publicAccessBlock", "accountPublicAccessBlock", "effectivePublicAccessBlock"];

/**
 * BucketProps' result without zod, when the props already have its shape apart from the public
 * access blocks' key spelling: a copy with those blocks' keys rewritten as the schema's preprocess
 * step does, every other field as it is. Undefined when the props need the schema (a field of
 * another type, an ACL grant list the schema would replace…).
 */
export function bucketPropsFast(p: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!isStr(p.policyUnparsed)) return undefined;
  const acl = p.acl;
  if (acl !== undefined) {
    if (!isRecord(acl)) return undefined;
    const grants = acl.grants;
    if (grants !== undefined) {
      if (!Array.isArray(grants)) return undefined;
      for (let i = 0; i < grants.length; i++) {
        const g: unknown = grants[i];
        if (!isRecord(g) || !isStr(g.type) || !isStr(g.uri) || !isStr(g.granteeUri) || !isStr(g.permission))
          return undefined;
      }
    }
  }
  if (p.unreadable !== undefined && !isRecord(p.unreadable)) return undefined;
  const out: Record<string, unknown> = { ...p };
  for (const k of PUBLIC_ACCESS_BLOCKS) {
    const v = p[k];
    if (v === undefined) continue;
    if (!isRecord(v)) return undefined;
    const c = publicAccessBlockOf(v);
    if (!c) return undefined;
    out[k] = c;
  }
  return out;
}

/**
 * Schemas whose result may be had without zod: the props as they are (they already have the
 * schema's shape) or a cheap copy equal to what the schema gives; undefined means "ask the schema".
 */
const FAST = new Map<z.ZodType, (p: Record<string, unknown>) => Record<string, unknown> | undefined>([
  [InstanceProps, (p) => (instancePropsAsIs(p) ? p : undefined)],
  [SecurityGroupProps, (p) => (securityGroupPropsAsIs(p) ? p : undefined)],
  [BucketProps, bucketPropsFast],
]);

/** Cached parses, per schema then per props object (most props are read with one schema only). */
let parsed = new Map<z.ZodType, WeakMap<object, { value: unknown; ok: boolean }>>();

/**
 * Forgets every cached parse. derive() calls it when it returns: the parsed copies are its working
 * memory, and the estate they hang on outlives it (the rest of the analysis holds it).
 */
export function forgetParsedProps(): void {
  parsed = new Map();
}

/**
 * Parses props with a schema; on failure returns `{}` and says so, so callers treat fields as
 * unknown. Results are cached per props object (a node's props do not change during derive).
 */
export function readProps<S extends z.ZodType>(
  schema: S,
  props: Record<string, unknown>,
): { value: Partial<z.infer<S>>; ok: boolean } {
  let byProps = parsed.get(schema);
  if (!byProps) parsed.set(schema, (byProps = new WeakMap()));
  const hit = byProps.get(props);
  if (hit) return hit as { value: Partial<z.infer<S>>; ok: boolean };
  const fast = FAST.get(schema)?.(props);
  if (fast) {
    const out = { value: fast as Partial<z.infer<S>>, ok: true };
    byProps.set(props, out);
    return out;
  }
  const r = schema.safeParse(props);
  const out = r.success ? { value: r.data, ok: true } : { value: {}, ok: false };
  byProps.set(props, out);
  return out;
}

// Node types the engine knows.
export const T = {
  instance: "aws.ec2.instance",
  subnet: "aws.ec2.subnet",
  securityGroup: "aws.ec2.security_group",
  networkAcl: "aws.ec2.network_acl",
  internetGateway: "aws.ec2.internet_gateway",
  natGateway: "aws.ec2.nat_gateway",
  elasticIp: "aws.ec2.elastic_ip",
  loadBalancer: "aws.elbv2.load_balancer",
  listener: "aws.elbv2.listener",
  targetGroup: "aws.elbv2.target_group",
  bucket: "aws.s3.bucket",
  dbInstance: "aws.rds.db_instance",
  secret: "aws.secretsmanager.secret",
  user: "aws.iam.user",
  group: "aws.iam.group",
  role: "aws.iam.role",
  instanceProfile: "aws.iam.instance_profile",
  accessKey: "aws.iam.access_key",
  managedPolicy: "aws.iam.managed_policy",
  inlinePolicy: "aws.iam.inline_policy",
  launchTemplate: "aws.ec2.launch_template",
} as const;

/** Which collector writes what the engine reads: a failed one makes the affected hops unknown. */
export const COLLECTOR_OF = {
  instances: "aws-ec2-instances",
  securityGroups: "aws-ec2-security-groups",
  routeTables: "aws-ec2-route-tables",
  networkAcls: "aws-ec2-network-acls",
  addresses: "aws-ec2-addresses",
  iam: "aws-iam",
  accessKeys: "aws-iam-access-keys",
  buckets: "aws-s3-buckets",
  rds: "aws-rds-db-instances",
  elbv2: "aws-elbv2",
  secrets: "aws-secretsmanager-secrets",
} as const;

/** A string prop, or undefined when absent or not a string. */
export const strProp = (props: Record<string, unknown>, name: string): string | undefined =>
  typeof props[name] === "string" ? props[name] : undefined;

/** The last segment of an ARN (`…/sg-1` → `sg-1`). */
export const lastSegment = (id: string): string => id.split("/").pop() ?? id;
