// Test helpers for the AWS connector: the recorded account (CloudMapper's demo account plus the
// hand-written responses listed in fixtures/aws/SOURCES.md), scripted onto the testkit's replay
// server, and real SDK clients pointed at it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  DescribeAddresses$,
  DescribeInstances$,
  DescribeInternetGateways$,
  DescribeNatGateways$,
  DescribeNetworkAcls$,
  DescribeRegions$,
  DescribeRouteTables$,
  DescribeSecurityGroups$,
  DescribeSubnets$,
  DescribeVpcPeeringConnections$,
  DescribeVpcs$,
} from "@aws-sdk/client-ec2";
import {
  DescribeListeners$,
  DescribeLoadBalancers$,
  DescribeRules$,
  DescribeTags$,
  DescribeTargetGroups$,
  DescribeTargetHealth$,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  GetAccessKeyLastUsed$,
  GetAccountAuthorizationDetails$,
  ListAccessKeys$,
  ListUsers$,
} from "@aws-sdk/client-iam";
import { ListFindings$ } from "@aws-sdk/client-inspector2";
import { DescribeDBInstances$ } from "@aws-sdk/client-rds";
import { GetPublicAccessBlock$ as GetAccountPublicAccessBlock$ } from "@aws-sdk/client-s3-control";
import {
  GetBucketAcl$,
  GetBucketEncryption$,
  GetBucketLocation$,
  GetBucketPolicy$,
  GetBucketTagging$,
  GetPublicAccessBlock$,
  ListBuckets$,
} from "@aws-sdk/client-s3";
import { AssumeRole$, GetCallerIdentity$ } from "@aws-sdk/client-sts";
import { openSqliteStores } from "@ctem/store";
import type { SqliteStores } from "@ctem/store";
import { graphState } from "@ctem/store/contract";
import type { AwsReplayServer, OperationSchema } from "@ctem/testkit";
import { createAwsClients } from "../src/index.js";
import type { AwsClients } from "../src/index.js";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

const dir = new URL("../fixtures/aws/cloudmapper-demo/", import.meta.url);

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, dir), "utf8")) as T;
}

/** Policy documents go over the wire URL-encoded (the AWS CLI had decoded them). */
export function encodeDocuments(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(encodeDocuments);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        /Document$/.test(k) && x && typeof x === "object"
          ? encodeURIComponent(JSON.stringify(x))
          : encodeDocuments(x),
      ]),
    );
  return v;
}

/** Each operation of the recorded account and its fixture (the API's JSON shape). */
export const EC2_FIXTURES: Array<[OperationSchema, string]> = [
  [DescribeVpcs$, "ec2-describe-vpcs.json"],
  [DescribeSubnets$, "ec2-describe-subnets.json"],
  [DescribeRouteTables$, "ec2-describe-route-tables.json"],
  [DescribeInternetGateways$, "ec2-describe-internet-gateways.json"],
  [DescribeNatGateways$, "ec2-describe-nat-gateways.json"],
  [DescribeVpcPeeringConnections$, "ec2-describe-vpc-peering-connections.json"],
  [DescribeNetworkAcls$, "ec2-describe-network-acls.json"],
  [DescribeSecurityGroups$, "ec2-describe-security-groups.json"],
  [DescribeAddresses$, "ec2-describe-addresses.json"],
  [DescribeInstances$, "ec2-describe-instances.json"],
];

export const WEST = "us-west-2";
const ELB = "arn:aws:elasticloadbalancing:us-east-1:123456789012";

/** The second region: cloud-custodian's recorded instances (with instance profiles), nothing else. */
export function westInstances(): Record<string, unknown> {
  const { data } = JSON.parse(
    readFileSync(
      new URL("../fixtures/aws/c7n-placebo/ec2.DescribeInstances_1.json", import.meta.url),
      "utf8",
    ),
  ) as { data: Record<string, unknown> };
  const { ResponseMetadata: _drop, ...rest } = data;
  return placeboDates(rest) as Record<string, unknown>;
}

/** Placebo records datetimes as `{"__class__": "datetime", year, month…}`; the API sends ISO text. */
function placeboDates(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(placeboDates);
  if (v && typeof v === "object") {
    const o = v as Record<string, number | string>;
    if (o.__class__ === "datetime")
      return new Date(
        Date.UTC(+o.year!, +o.month! - 1, +o.day!, +o.hour!, +o.minute!, +o.second!),
      ).toISOString();
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, placeboDates(x)]));
  }
  return v;
}

/** The empty answer of each EC2 listing (what a region with nothing in it says). */
const EMPTY: Record<string, Record<string, unknown>> = {
  DescribeVpcs: { Vpcs: [] },
  DescribeSubnets: { Subnets: [] },
  DescribeRouteTables: { RouteTables: [] },
  DescribeInternetGateways: { InternetGateways: [] },
  DescribeNatGateways: { NatGateways: [] },
  DescribeVpcPeeringConnections: { VpcPeeringConnections: [] },
  DescribeNetworkAcls: { NetworkAcls: [] },
  DescribeSecurityGroups: { SecurityGroups: [] },
  DescribeAddresses: { Addresses: [] },
};

/**
 * Scripts the recorded account onto the replay server: CloudMapper's demo account (plus the
 * hand-written responses) in us-east-1, cloud-custodian's instances in us-west-2, and IAM as two
 * pages (the recorded one, then a hand-written one).
 */
export function scriptRecordedAccount(aws: AwsReplayServer): AwsReplayServer {
  aws.on(GetCallerIdentity$, fixture("sts-get-caller-identity.json"));
  // For scopes: the role ctem assumes (the test checks the external id it sent).
  aws.on(AssumeRole$, {
    Credentials: {
      AccessKeyId: "ASIATESTKITASSUMED",
      SecretAccessKey: "testkit",
      SessionToken: "testkit-session",
      Expiration: "2099-01-01T00:00:00Z",
    },
    AssumedRoleUser: {
      AssumedRoleId: "AROA00000000000000009:ctem-scan",
      Arn: "arn:aws:sts::123456789012:assumed-role/ctem-scanner/ctem-scan",
    },
  });
  aws.on(DescribeRegions$, fixture("ec2-describe-regions.json"));
  for (const [op, file] of EC2_FIXTURES) {
    aws.on(op, fixture(file), { region: REGION });
    const empty = EMPTY[op[2]];
    aws.on(op, empty ?? westInstances(), { region: WEST });
  }
  aws.on(
    GetAccountAuthorizationDetails$,
    encodeDocuments({
      ...fixture<Record<string, unknown>>("iam-get-account-authorization-details.json"),
      IsTruncated: true,
      Marker: "page-2",
    }) as Record<string, unknown>,
  );
  aws.on(
    GetAccountAuthorizationDetails$,
    encodeDocuments(fixture("iam-get-account-authorization-details-page2.json")) as Record<string, unknown>,
    { params: { Marker: "page-2" } },
  );
  // IAM access keys: per user, then per key.
  aws.on(ListUsers$, fixture("iam-list-users.json"));
  for (const [user, answer] of Object.entries(
    fixture<Record<string, Record<string, unknown>>>("iam-list-access-keys.json"),
  ))
    aws.on(ListAccessKeys$, answer, { params: { UserName: user } });
  for (const [key, answer] of Object.entries(
    fixture<Record<string, Record<string, unknown>>>("iam-get-access-key-last-used.json"),
  ))
    aws.on(GetAccessKeyLastUsed$, answer, { params: { AccessKeyId: key } });
  // S3: one bucket; no public access block configured.
  aws.on(ListBuckets$, fixture("s3-list-buckets.json"));
  aws.on(GetBucketLocation$, fixture("s3-get-bucket-location.json"));
  aws.on(GetBucketPolicy$, fixture("s3-get-bucket-policy.json"));
  aws.on(GetBucketAcl$, fixture("s3-get-bucket-acl.json"));
  aws.on(GetBucketEncryption$, fixture("s3-get-bucket-encryption.json"));
  aws.on(GetBucketTagging$, fixture("s3-get-bucket-tagging.json"));
  aws.fail(GetPublicAccessBlock$, "NoSuchPublicAccessBlockConfiguration", { status: 404 });
  aws.on(GetAccountPublicAccessBlock$, fixture("s3control-get-public-access-block.json"));
  // RDS and ELBv2 in us-east-1; nothing in us-west-2.
  aws.on(DescribeDBInstances$, fixture("rds-describe-db-instances.json"), { region: REGION });
  aws.on(DescribeDBInstances$, { DBInstances: [] }, { region: WEST });
  aws.on(DescribeLoadBalancers$, fixture("elbv2-describe-load-balancers.json"), { region: REGION });
  aws.on(DescribeLoadBalancers$, { LoadBalancers: [] }, { region: WEST });
  aws.on(DescribeListeners$, fixture("elbv2-describe-listeners.json"), { region: REGION });
  aws.on(DescribeTargetGroups$, fixture("elbv2-describe-target-groups.json"), { region: REGION });
  aws.on(DescribeTargetGroups$, { TargetGroups: [] }, { region: WEST });
  aws.on(DescribeTargetHealth$, fixture("elbv2-describe-target-health.json"), { region: REGION });
  aws.on(
    DescribeTargetHealth$,
    { TargetHealthDescriptions: [] },
    { region: REGION, params: { TargetGroupArn: `${ELB}:targetgroup/admin/0000000000000002` } },
  );
  aws.on(DescribeTags$, fixture("elbv2-describe-tags.json"), { region: REGION });
  aws.on(DescribeRules$, fixture("elbv2-describe-rules.json"), {
    region: REGION,
    params: { ListenerArn: `${ELB}:listener/app/demo/qwerty/443aaaaaaaaaaaaa` },
  });
  aws.on(
    DescribeRules$,
    {
      Rules: [
        {
          RuleArn: `${ELB}:listener-rule/app/demo/qwerty/80aaaaaaaaaaaaaa/default`,
          Priority: "default",
          Conditions: [],
          Actions: [
            { Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } },
          ],
          IsDefault: true,
        },
      ],
    },
    { region: REGION, params: { ListenerArn: `${ELB}:listener/app/demo/qwerty/80aaaaaaaaaaaaaa` } },
  );
  // Inspector2 (opt-in): DefectDojo's recorded page, then the bastion's finding as page 2.
  aws.on(
    ListFindings$,
    { ...fixture<Record<string, unknown>>("inspector2-list-findings.json"), nextToken: "p2" },
    {
      region: REGION,
    },
  );
  aws.on(ListFindings$, fixture("inspector2-list-findings-bastion.json"), {
    region: REGION,
    params: { nextToken: "p2" },
  });
  aws.on(ListFindings$, { findings: [] }, { region: WEST });
  return aws;
}

/** Every operation the recorded account scripts, by name. */
export function recordedOperations(): Map<string, OperationSchema> {
  const ops: OperationSchema[] = [
    GetCallerIdentity$,
    DescribeRegions$,
    GetAccountAuthorizationDetails$,
    ...EC2_FIXTURES.map(([op]) => op),
  ];
  return new Map(ops.map((op) => [op[2], op]));
}

/** Answers these actions with AccessDenied (UnauthorizedOperation for EC2) instead of the recorded answers. */
export function denyActions(aws: AwsReplayServer, actions: string[]): void {
  const ops = recordedOperations();
  for (const a of actions) {
    const op = ops.get(a);
    if (!op) throw new Error(`unknown action ${a} (one of ${[...ops.keys()].join(", ")})`);
    const ec2 = op[1] === "com.amazonaws.ec2";
    aws.fail(op, ec2 ? "UnauthorizedOperation" : "AccessDenied", {
      status: 403,
      message: ec2
        ? "You are not authorized to perform this operation."
        : `User: arn:aws:iam::${ACCOUNT}:user/ctem is not authorized to perform: ${a}`,
    });
  }
}

export function testClients(aws: AwsReplayServer, maxAttempts = 3): AwsClients {
  return createAwsClients({
    homeRegion: REGION,
    endpoint: aws.url,
    credentials: { accessKeyId: "AKIATESTKIT", secretAccessKey: "testkit" },
    maxAttempts,
  });
}

export interface TempStores extends SqliteStores {
  dispose(): Promise<void>;
}

export function tempStores(): TempStores {
  const d = mkdtempSync(path.join(tmpdir(), "ctem-aws-"));
  const s = openSqliteStores(path.join(d, "ctem.db"));
  return Object.assign(s, {
    async dispose() {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    },
  });
}

/** Node ids and edge keys (`from -KIND-> to`) as sorted lists: what the exact-set assertions compare. */
export async function graphIds(s: SqliteStores) {
  const g = await graphState(s.graph);
  return {
    nodes: [...g.nodes.values()]
      .filter((n) => !n.stub)
      .map((n) => n.id)
      .sort(),
    stubs: [...g.nodes.values()]
      .filter((n) => n.stub)
      .map((n) => n.id)
      .sort(),
    edges: [...g.edges.keys()].sort(),
    state: g,
  };
}
