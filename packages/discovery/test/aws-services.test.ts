// The AWS connector's S3, RDS, ELBv2, IAM access key and Inspector2 modules, and the whole recorded
// account with every module: exact node, edge and finding sets; disappearance; denied listings.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DescribeListeners$, DescribeTargetHealth$ } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ListAccessKeys$ } from "@aws-sdk/client-iam";
import { ListFindings$ } from "@aws-sdk/client-inspector2";
import { DescribeDBInstances$ } from "@aws-sdk/client-rds";
import { GetBucketPolicy$, ListBuckets$ } from "@aws-sdk/client-s3";
import { GetPublicAccessBlock$ as GetAccountPublicAccessBlock$ } from "@aws-sdk/client-s3-control";
import { startAwsReplayServer } from "@ctem/testkit";
import type { AwsReplayServer } from "@ctem/testkit";
import { scanAws } from "../src/index.js";
import type { AwsClients } from "../src/index.js";
import {
  REGION,
  WEST,
  fixture,
  graphIds,
  scriptRecordedAccount,
  tempStores,
  testClients,
} from "./aws-helpers.js";
import type { TempStores } from "./aws-helpers.js";
import {
  EC2_EAST_EDGES,
  EC2_EAST_NODES,
  EC2_WEST_EDGES,
  ELBV2_EDGES,
  ELBV2_NODES,
  FINDINGS,
  IAM_EDGES,
  IAM_NODES,
  KEY_EDGES,
  KEY_NODES,
  RDS_EDGES,
  RDS_NODES,
  S3_EDGES,
  S3_NODES,
  SERVICE_IDS,
  WEST_INSTANCES,
  edges,
  ids,
} from "./aws-expected.js";

const ALL_NODES = ids([
  "ROOT",
  ...EC2_EAST_NODES,
  ...WEST_INSTANCES,
  ...IAM_NODES,
  ...S3_NODES,
  ...RDS_NODES,
  ...ELBV2_NODES,
  ...KEY_NODES,
]);
const ALL_EDGES = edges([
  ...EC2_EAST_EDGES,
  ...EC2_WEST_EDGES,
  ...IAM_EDGES,
  ...S3_EDGES,
  ...RDS_EDGES,
  ...ELBV2_EDGES,
  ...KEY_EDGES,
]);
const findingKeys = (fs: Array<{ assetRef: string; ruleId: string; package: string }>) =>
  fs.map((f) => [f.assetRef, f.ruleId, f.package].join(" ")).sort();
const ALL_FINDINGS = FINDINGS.map((f) => f.join(" ")).sort();

describe("AWS S3, RDS, ELBv2, access keys, Inspector2: the whole recorded account", () => {
  let aws: AwsReplayServer;
  let s: TempStores;
  let clients: AwsClients;

  beforeEach(async () => {
    aws = scriptRecordedAccount(await startAwsReplayServer());
    s = tempStores();
    clients = testClients(aws);
  });
  afterEach(async () => {
    clients.destroy();
    await s.dispose();
    await aws.close();
  });

  const scan = (inspector2 = true) =>
    scanAws({
      graph: s.graph,
      scanRuns: s.app.scanRuns,
      trigger: { kind: "adhoc" },
      clients,
      regions: [REGION, WEST],
      inspector2,
    });

  it("writes exactly the recorded account's nodes, edges and findings", async () => {
    const r = await scan();
    expect(aws.errors).toEqual([]);
    expect(r.run.status).toBe("complete");
    // 4 global modules; 13 regional ones in 2 regions.
    expect(r.run.collectors).toHaveLength(4 + 13 * 2);
    const g = await graphIds(s);
    expect(g.nodes).toEqual(ALL_NODES);
    expect(g.edges).toEqual(ALL_EDGES);
    expect([g.nodes.length, g.edges.length, g.state.findings.length]).toEqual([54, 117, 9]);
    expect(findingKeys(g.state.findings)).toEqual(ALL_FINDINGS);
    expect(r.apply.findings).toMatchObject({ matched: 1, unmatched: 8 });
    // Inspector2 pages (REST-JSON nextToken) were followed.
    expect(
      aws.calls
        .filter((c) => c.action === "ListFindings" && c.region === REGION)
        .map((c) => c.params.nextToken ?? ""),
    ).toEqual(["", "p2"]);
  });

  it("keeps what the engine needs in props", async () => {
    await scan();
    const { state } = await graphIds(s);
    const bucket = state.nodes.get(SERVICE_IDS.BUCKET)!;
    expect(bucket.region).toBe("us-east-1");
    expect(bucket.tags).toEqual({ "data-classification": "confidential" });
    expect(bucket.props).toMatchObject({
      policy: { Statement: [{ Principal: { AWS: "*" }, Action: "s3:GetObject" }] },
      encryption: [{ algorithm: "AES256", bucketKeyEnabled: false }],
      // Not configured: nothing blocked.
      publicAccessBlock: {
        BlockPublicAcls: false,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
      acl: { grants: [{ type: "CanonicalUser", permission: "FULL_CONTROL" }] },
      accountPublicAccessBlock: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
      // The account blocks ACLs; nothing blocks the public bucket policy.
      effectivePublicAccessBlock: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    });
    expect(bucket.props.unreadable).toBeUndefined();
    expect(state.nodes.get(SERVICE_IDS.DB)!.props).toMatchObject({
      engine: "postgres",
      publiclyAccessible: false,
      vpcId: "vpc-12345678",
    });
    expect(state.nodes.get(SERVICE_IDS.LB)!.tags).toEqual({ team: "web" });
    expect(state.nodes.get(SERVICE_IDS.LB)!.props).toMatchObject({
      scheme: "internet-facing",
      type: "application",
    });
    expect(state.nodes.get(SERVICE_IDS.L443)!.props).toMatchObject({
      protocol: "HTTPS",
      port: 443,
      defaultActions: ["forward"],
      rules: [
        {
          priority: "10",
          conditions: [{ field: "path-pattern", values: ["/admin/*"] }],
          actions: ["forward"],
        },
      ],
    });
    expect(state.edges.get(`${SERVICE_IDS.L443} -FORWARDS_TO-> ${SERVICE_IDS.ADMIN_TG}`)!.props).toEqual({
      rules: ["10"],
    });
    expect(state.edges.get(`${SERVICE_IDS.L443} -FORWARDS_TO-> ${SERVICE_IDS.TG}`)!.props).toEqual({
      rules: ["default"],
    });
    expect(state.nodes.get("arn:aws:iam::123456789012:access-key/AKIA00000000000000D1")!.props).toEqual({
      userName: "deploy-bot",
      status: "Active",
      active: true,
      createDate: "2024-01-10T08:00:00.000Z",
      lastUsedDate: "2026-11-01T10:00:00.000Z",
      lastUsedService: "ec2",
      lastUsedRegion: "us-east-1",
    });
    const ssh = state.findings.find((f) => f.ruleId === "CVE-2024-6387")!;
    expect(ssh).toMatchObject({
      matched: true,
      installedVersion: "8.9p1",
      fixedVersion: "1:8.9p1-3ubuntu0.10",
      props: { epss: 0.45, exploitAvailable: "YES" },
    });
    expect(ssh.sources.map((x) => [x.tool, x.severity, x.vector])).toEqual([
      ["inspector2", "critical", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"],
    ]);
  });

  it("a second scan removes what disappeared", async () => {
    await scan();
    aws.on(ListBuckets$, { Buckets: [] });
    aws.on(DescribeDBInstances$, { DBInstances: [] }, { region: REGION });
    aws.on(
      DescribeListeners$,
      { Listeners: fixture<{ Listeners: unknown[] }>("elbv2-describe-listeners.json").Listeners.slice(0, 1) },
      { region: REGION },
    );
    aws.on(
      DescribeTargetHealth$,
      {
        TargetHealthDescriptions: fixture<{ TargetHealthDescriptions: unknown[] }>(
          "elbv2-describe-target-health.json",
        ).TargetHealthDescriptions.slice(0, 1),
      },
      { region: REGION },
    );
    aws.on(
      ListAccessKeys$,
      {
        AccessKeyMetadata: fixture<Record<string, { AccessKeyMetadata: unknown[] }>>(
          "iam-list-access-keys.json",
        )["deploy-bot"]!.AccessKeyMetadata.slice(0, 1),
      },
      { params: { UserName: "deploy-bot" } },
    );
    aws.on(ListFindings$, { findings: [] }, { region: REGION, params: { nextToken: "p2" } });
    const r = await scan();
    expect(r.run.status).toBe("complete");
    const g = await graphIds(s);
    const goneNodes = ids([SERVICE_IDS.BUCKET, SERVICE_IDS.DB, SERVICE_IDS.L80, SERVICE_IDS.KEY2]);
    expect(g.nodes).toEqual(ALL_NODES.filter((n) => !goneNodes.includes(n)));
    const goneEdges = edges([`${SERVICE_IDS.TG} FORWARDS_TO E:instance/i-00000000000000002`]);
    expect(g.edges).toEqual(
      ALL_EDGES.filter((e) => !goneEdges.includes(e) && !goneNodes.some((n) => e.includes(n))),
    );
    expect(findingKeys(g.state.findings)).toEqual(ALL_FINDINGS.filter((f) => !f.includes("CVE-2024-6387")));
  });

  it("denied listings fail their collectors with the AWS code and delete nothing", async () => {
    await scan();
    aws.fail(ListBuckets$, "AccessDenied", { status: 403 });
    aws.fail(DescribeDBInstances$, "AccessDenied", { status: 403, region: REGION });
    // A denial in the middle of a module (after the load balancers were listed) fails the whole module.
    aws.fail(DescribeListeners$, "AccessDenied", { status: 403, region: REGION });
    aws.fail(ListAccessKeys$, "AccessDenied", { status: 403, params: { UserName: "deploy-bot" } });
    aws.fail(ListFindings$, "AccessDeniedException", { status: 403, region: REGION });
    const r = await scan();
    expect(r.run.status).toBe("partial");
    expect(
      r.run.collectors
        .filter((c) => c.status === "failed")
        .map((c) => [c.region, c.collector, c.errorCode])
        .sort(),
    ).toEqual([
      ["global", "aws-iam-access-keys", "AccessDenied"],
      ["global", "aws-s3-buckets", "AccessDenied"],
      [REGION, "aws-elbv2", "AccessDenied"],
      [REGION, "aws-inspector2-findings", "AccessDeniedException"],
      [REGION, "aws-rds-db-instances", "AccessDenied"],
    ]);
    const g = await graphIds(s);
    expect(g.nodes).toEqual(ALL_NODES);
    expect(g.edges).toEqual(ALL_EDGES);
    expect(findingKeys(g.state.findings)).toEqual(ALL_FINDINGS);
  });

  it("an unreadable bucket policy is recorded on the bucket, not read as 'no policy'", async () => {
    aws.fail(GetBucketPolicy$, "AccessDenied", { status: 403 });
    aws.fail(GetAccountPublicAccessBlock$, "AccessDenied", { status: 403 });
    const r = await scan(false);
    expect(r.run.collectors.find((c) => c.collector === "aws-s3-buckets")!.status).toBe("ok");
    const bucket = (await graphIds(s)).state.nodes.get(SERVICE_IDS.BUCKET)!;
    expect(bucket.props.unreadable).toEqual({
      policy: "AccessDenied",
      accountPublicAccessBlock: "AccessDenied",
    });
    expect(bucket.props.policy).toBeUndefined();
    // One level unknown: the effective block is unknown, not "nothing blocked".
    expect(bucket.props.effectivePublicAccessBlock).toBeUndefined();
  });

  it("reads Inspector2 only when asked", async () => {
    const r = await scan(false);
    expect(r.run.collectors.some((c) => c.collector === "aws-inspector2-findings")).toBe(false);
    expect(aws.calls.some((c) => c.service === "inspector2")).toBe(false);
    expect((await graphIds(s)).state.findings).toEqual([]);
  });
});
