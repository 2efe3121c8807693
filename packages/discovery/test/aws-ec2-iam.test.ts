// The AWS connector's EC2/VPC and IAM modules against the recorded account, through the real SDK
// clients and the testkit's replay server: exact node and edge sets, the cleanup cases of
// CONVENTIONS 9, paging, throttling, denied listings, and region/trigger isolation.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DescribeInstances$, DescribeSecurityGroups$, DescribeSubnets$ } from "@aws-sdk/client-ec2";
import { GetAccountAuthorizationDetails$ } from "@aws-sdk/client-iam";
import { startAwsReplayServer } from "@ctem/testkit";
import type { AwsReplayServer } from "@ctem/testkit";
import { AWS_MODULES, scanAws } from "../src/index.js";
import type { AwsClients, AwsModule } from "../src/index.js";
import {
  ACCOUNT,
  EC2_FIXTURES,
  encodeDocuments,
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
  EAST_INSTANCES,
  EC2_EAST_EDGES,
  EC2_EAST_NODES,
  EC2_WEST_EDGES,
  IAM_EDGES,
  IAM_NODES,
  PARTNER_VPC,
  WEST_INSTANCES,
  WEST_STUBS,
  edges,
  ids,
} from "./aws-expected.js";

const MODULE_IDS = [
  "aws-account",
  "aws-iam",
  "aws-ec2-vpcs",
  "aws-ec2-subnets",
  "aws-ec2-route-tables",
  "aws-ec2-internet-gateways",
  "aws-ec2-nat-gateways",
  "aws-ec2-vpc-peering-connections",
  "aws-ec2-network-acls",
  "aws-ec2-security-groups",
  "aws-ec2-addresses",
  "aws-ec2-instances",
];
const MODULES = AWS_MODULES.filter((m) => MODULE_IDS.includes(m.id));
const mod = (id: string): AwsModule => MODULES.find((m) => m.id === id)!;
const MODULE_OF: Record<string, string> = {
  DescribeVpcs: "aws-ec2-vpcs",
  DescribeSubnets: "aws-ec2-subnets",
  DescribeRouteTables: "aws-ec2-route-tables",
  DescribeInternetGateways: "aws-ec2-internet-gateways",
  DescribeNatGateways: "aws-ec2-nat-gateways",
  DescribeVpcPeeringConnections: "aws-ec2-vpc-peering-connections",
  DescribeNetworkAcls: "aws-ec2-network-acls",
  DescribeSecurityGroups: "aws-ec2-security-groups",
  DescribeAddresses: "aws-ec2-addresses",
  DescribeInstances: "aws-ec2-instances",
};

const ALL_NODES = ids(["ROOT", ...EC2_EAST_NODES, ...WEST_INSTANCES, ...IAM_NODES]);
const ALL_EDGES = edges([...EC2_EAST_EDGES, ...EC2_WEST_EDGES, ...IAM_EDGES]);

describe("AWS EC2/VPC and IAM modules on the recorded account", () => {
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

  const scan = (o: { regions?: string[]; trigger?: { kind: "adhoc" | "scope"; scopeId?: string } } = {}) =>
    scanAws({
      graph: s.graph,
      scanRuns: s.app.scanRuns,
      trigger: o.trigger ?? { kind: "adhoc" },
      clients,
      regions: o.regions ?? [REGION, WEST],
      modules: MODULES,
    });

  it("writes exactly the recorded account's nodes and edges", async () => {
    const r = await scan();
    expect(aws.errors).toEqual([]);
    expect(r.accountId).toBe(ACCOUNT);
    expect(r.run.status).toBe("complete");
    expect(r.run.collectors).toHaveLength(2 + 10 * 2);
    const g = await graphIds(s);
    expect(g.nodes).toEqual(ALL_NODES);
    expect(g.stubs).toEqual(ids([...WEST_STUBS, PARTNER_VPC, "arn:aws:iam::210987654321:role/deployer"]));
    expect(g.edges).toEqual(ALL_EDGES);
    expect(g.nodes).toHaveLength(45);
    expect(g.edges).toHaveLength(95);
    // The scan run is recorded.
    const runs = await s.app.scanRuns.list({ limit: 10 });
    expect(runs.items.map((x) => [x.id, x.status])).toEqual([[r.run.id, "complete"]]);
  });

  it("keeps what the engine needs in props: addresses, IMDS, rules, trust, policy documents", async () => {
    await scan();
    const { state } = await graphIds(s);
    const node = (id: string) => state.nodes.get(ids([id])[0]!)!;
    const edge = (e: string) => state.edges.get(edges([e])[0]!)!;
    const bastion = node(EAST_INSTANCES[0]!);
    expect(bastion.props).toMatchObject({ public: true, publicIps: ["1.2.3.4"], privateIp: "10.0.0.1" });
    expect(bastion.name).toBe("Bastion");
    expect(node(EAST_INSTANCES[1]!).props).toMatchObject({
      public: false,
      metadata: { httpTokens: "optional", httpEndpoint: "enabled", v1Allowed: true },
    });
    expect(node("E:security-group/sg-00000002").props.ingress).toEqual([
      {
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
        cidrs: ["1.1.1.1/32", "2.2.2.2/28"],
        ipv6Cidrs: [],
        prefixLists: [],
        groups: [],
        descriptions: [],
      },
    ]);
    expect(node("E:security-group/sg-00000008").props.ingress).toMatchObject([
      { fromPort: 22, groups: [{ groupId: "sg-00000002", userId: ACCOUNT }] },
      { fromPort: 443, cidrs: ["0.0.0.0/0"] },
    ]);
    expect(edge("E:subnet/subnet-00000003 ROUTES_VIA E:natgateway/nat-00000001").props).toEqual({
      destinations: ["0.0.0.0/0"],
      routeTable: "rtb-00000001",
    });
    expect(edge("E:route-table/rtb-00000002 ROUTES_VIA E:internet-gateway/igw-00000001").props).toEqual({
      destinations: ["0.0.0.0/0", "::/0"],
    });
    const trust = edge("I:role/web TRUSTS arn:aws:iam::210987654321:role/deployer");
    expect(trust.assumptions).toEqual([
      {
        code: "condition_not_evaluated",
        detail: { condition: { StringEquals: { "sts:ExternalId": "ctem-test" } } },
      },
    ]);
    expect(trust.evidence).toEqual([
      {
        source: "aws-iam",
        ref: "arn:aws:iam::123456789012:role/web#trust[1]",
        detail: { principal: "arn:aws:iam::210987654321:role/deployer", actions: ["sts:AssumeRole"] },
      },
    ]);
    expect(node("I:role/web").props.trustedServices).toEqual(["ec2.amazonaws.com"]);
    expect(node("I:role/bad_role").props.trustsAnyPrincipal).toBe(true);
    // URL-encoded on the wire (page 1) and plain (page 2) both decode.
    expect(node("I:role/exfiller#inline-policy/tmp").props.document).toEqual({
      Statement: [{ Action: "s3:*", Effect: "Allow", Resource: "*" }],
      Version: "2012-10-17",
    });
    expect(node("I:role/web#inline-policy/read-data").props.document).toMatchObject({
      Statement: [{ Action: "s3:GetObject", Resource: "arn:aws:s3:::cloudmapper_demo/*" }],
    });
    expect(node("I:policy/deploy-boundary").props).toMatchObject({
      defaultVersionId: "v2",
      document: { Statement: [{ Action: ["ec2:*", "s3:*"] }] },
    });
    expect(edge("I:user/deploy-bot ATTACHED_POLICY I:policy/deploy-boundary").props).toEqual({
      as: ["permissions_boundary"],
    });
    expect(node("I:user/deploy-bot").props.permissionsBoundaryArn).toBe(
      "arn:aws:iam::123456789012:policy/deploy-boundary",
    );
  });

  it("transform on the recorded JSON gives the same facts as the SDK path", () => {
    const ctx = (id: string, region: string) => ({
      accountId: ACCOUNT,
      partition: "aws",
      region,
      key: { source: `aws:${ACCOUNT}`, region, collector: id },
    });
    const facts = EC2_FIXTURES.map(([op, file]) => {
      const id = MODULE_OF[op[2]]!;
      const json = fixture(file);
      const raw = Object.values(json)[0];
      return mod(id).transform(raw, ctx(id, REGION), {
        "aws-ec2-subnets": fixture<{ Subnets: unknown[] }>("ec2-describe-subnets.json").Subnets,
      });
    });
    const p1 = fixture<Record<string, unknown[]>>("iam-get-account-authorization-details.json");
    const p2 = fixture<Record<string, unknown[]>>("iam-get-account-authorization-details-page2.json");
    const iamRaw = {
      users: [...p1.UserDetailList!, ...p2.UserDetailList!],
      groups: [...p1.GroupDetailList!, ...p2.GroupDetailList!],
      roles: [...p1.RoleDetailList!, ...p2.RoleDetailList!],
      policies: [...p1.Policies!, ...p2.Policies!],
    };
    facts.push(mod("aws-iam").transform(iamRaw, ctx("aws-iam", "global"), {}));
    const nodeIds = facts.flatMap((f) => f.nodes ?? []).map((n) => n.id);
    expect(new Set(nodeIds).size).toBe(nodeIds.length);
    expect(nodeIds.sort()).toEqual(ids([...EC2_EAST_NODES, ...IAM_NODES]));
    const edgeKeys = facts.flatMap((f) => f.edges ?? []).map((e) => `${e.from} -${e.kind}-> ${e.to}`);
    expect(edgeKeys.sort()).toEqual(edges([...EC2_EAST_EDGES, ...IAM_EDGES]));
  });

  it("a second scan removes what disappeared, with its edges", async () => {
    await scan();
    const instances = fixture<{ Reservations: Array<{ Instances: Array<{ InstanceId: string }> }> }>(
      "ec2-describe-instances.json",
    );
    for (const r of instances.Reservations)
      r.Instances = r.Instances.filter((i) => i.InstanceId !== "i-00000000000000000");
    const groups = fixture<{ SecurityGroups: Array<{ GroupId: string }> }>(
      "ec2-describe-security-groups.json",
    );
    groups.SecurityGroups = groups.SecurityGroups.filter((g) => g.GroupId !== "sg-00000007");
    aws.on(DescribeInstances$, instances, { region: REGION, params: {} });
    // Rules are picked by specificity, then order: move the new answers ahead of the recorded ones.
    aws.reset();
    scriptRecordedAccount(aws);
    aws.on(DescribeInstances$, instances, { region: REGION, params: { Action: "DescribeInstances" } });
    aws.on(DescribeSecurityGroups$, groups, { region: REGION, params: { Action: "DescribeSecurityGroups" } });
    const r = await scan();
    expect(r.run.status).toBe("complete");
    const g = await graphIds(s);
    const gone = ids(["E:instance/i-00000000000000000", "E:security-group/sg-00000007"]);
    expect(g.nodes).toEqual(ALL_NODES.filter((n) => !gone.includes(n)));
    expect(g.edges).toEqual(ALL_EDGES.filter((e) => !gone.some((x) => e.includes(x))));
    expect(r.apply.deleted.nodes).toBe(2);
  });

  it("a denied listing is a failed collector with the AWS code and deletes nothing", async () => {
    await scan();
    aws.fail(DescribeInstances$, "UnauthorizedOperation", {
      status: 403,
      region: REGION,
      params: { Action: "DescribeInstances" },
      message: "You are not authorized to perform this operation.",
    });
    aws.fail(GetAccountAuthorizationDetails$, "AccessDenied", {
      status: 403,
      params: { Action: "GetAccountAuthorizationDetails" },
    });
    const r = await scan();
    expect(r.run.status).toBe("partial");
    const failed = r.run.collectors.filter((c) => c.status === "failed");
    expect(failed.map((c) => [c.region, c.collector, c.errorCode])).toEqual([
      ["global", "aws-iam", "AccessDenied"],
      [REGION, "aws-ec2-instances", "UnauthorizedOperation"],
    ]);
    expect(failed[1]!.message).toContain(
      "ec2:DescribeInstances: UnauthorizedOperation: You are not authorized",
    );
    const g = await graphIds(s);
    expect(g.nodes).toEqual(ALL_NODES);
    expect(g.edges).toEqual(ALL_EDGES);
    // A denial is not retried.
    expect(aws.calls.filter((c) => c.action === "DescribeInstances" && c.region === REGION)).toHaveLength(2);
  });

  it("a listing whose dependency failed fails too, and keeps its data", async () => {
    await scan();
    aws.fail(DescribeSubnets$, "UnauthorizedOperation", {
      status: 403,
      region: REGION,
      params: { Action: "DescribeSubnets" },
    });
    const r = await scan();
    const failed = r.run.collectors.filter((c) => c.status === "failed");
    expect(failed.map((c) => [c.collector, c.errorCode])).toEqual([
      ["aws-ec2-subnets", "UnauthorizedOperation"],
      ["aws-ec2-route-tables", "dependency_failed"],
    ]);
    expect((await graphIds(s)).edges).toEqual(ALL_EDGES);
  });

  it("retries throttling, then succeeds; throttled past the retries is a failed collector", async () => {
    aws.fail(DescribeSecurityGroups$, "RequestLimitExceeded", {
      status: 503,
      region: REGION,
      times: 1,
      params: { Action: "DescribeSecurityGroups" },
    });
    const r1 = await scan({ regions: [REGION] });
    expect(r1.run.status).toBe("complete");
    expect(aws.calls.filter((c) => c.action === "DescribeSecurityGroups").map((c) => c.status)).toEqual([
      503, 200,
    ]);

    aws.fail(DescribeSecurityGroups$, "RequestLimitExceeded", {
      status: 503,
      region: REGION,
      params: { Action: "DescribeSecurityGroups" },
    });
    const r2 = await scan({ regions: [REGION] });
    const c = r2.run.collectors.find((x) => x.collector === "aws-ec2-security-groups")!;
    expect([c.status, c.errorCode]).toEqual(["failed", "RequestLimitExceeded"]);
    // testClients allows 3 attempts.
    expect(aws.calls.filter((x) => x.action === "DescribeSecurityGroups").map((x) => x.status)).toEqual([
      503, 200, 503, 503, 503,
    ]);
    expect((await graphIds(s)).nodes).toEqual(ids(["ROOT", ...EC2_EAST_NODES, ...IAM_NODES]));
  }, 60_000);

  it("without regions, scans the regions enabled in the account (ec2:DescribeRegions)", async () => {
    const r = await scanAws({
      graph: s.graph,
      scanRuns: s.app.scanRuns,
      trigger: { kind: "adhoc" },
      clients,
      modules: MODULES,
    });
    expect(r.regions).toEqual([REGION]);
    expect(aws.calls.filter((c) => c.action === "DescribeRegions")).toHaveLength(1);
    expect(new Set(r.run.collectors.map((c) => c.region))).toEqual(new Set(["global", REGION]));
  });

  it("follows NextToken across pages", async () => {
    const all = fixture<{ Reservations: unknown[] }>("ec2-describe-instances.json");
    aws.on(
      DescribeInstances$,
      { Reservations: all.Reservations.slice(0, 1), NextToken: "t2" },
      {
        region: REGION,
        params: { Action: "DescribeInstances", NextToken: null },
      },
    );
    aws.on(
      DescribeInstances$,
      { Reservations: all.Reservations.slice(1) },
      { region: REGION, params: { NextToken: "t2" } },
    );
    await scan({ regions: [REGION] });
    const pages = aws.calls.filter((c) => c.action === "DescribeInstances");
    expect(pages.map((c) => c.params.NextToken ?? "")).toEqual(["", "t2"]);
    const g = await graphIds(s);
    expect(g.nodes.filter((n) => n.includes(":instance/"))).toEqual(ids(EAST_INSTANCES));
  });

  // CONVENTIONS 9 for every EC2 listing: the module's facts go when its listing comes back empty,
  // and a denied listing keeps them (and everything else).
  it.each(EC2_FIXTURES.map(([op, file]) => [op[2], op, file] as const))(
    "%s: an empty listing removes the module's facts; a denied one removes nothing",
    async (_name, op, file) => {
      const id = MODULE_OF[op[2]]!;
      await scan({ regions: [REGION] });
      const before = await graphIds(s);
      const own = mod(id).transform(
        Object.values(fixture(file))[0],
        {
          accountId: ACCOUNT,
          partition: "aws",
          region: REGION,
          key: { source: `aws:${ACCOUNT}`, region: REGION, collector: id },
        },
        { "aws-ec2-subnets": fixture<{ Subnets: unknown[] }>("ec2-describe-subnets.json").Subnets },
      );
      const ownNodes = (own.nodes ?? []).map((n) => n.id);
      const ownEdges = (own.edges ?? []).map((e) => `${e.from} -${e.kind}-> ${e.to}`);
      // Route tables read the subnet list: without subnets, the main table associates none.
      if (id === "aws-ec2-subnets")
        ownEdges.push(
          ...edges([
            "E:subnet/subnet-00000003 ROUTES_VIA E:natgateway/nat-00000001",
            "E:subnet/subnet-00000004 ROUTES_VIA E:natgateway/nat-00000001",
          ]),
        );
      expect(ownNodes.length + ownEdges.length).toBeGreaterThan(0);

      aws.fail(op, op[2] === "DescribeAddresses" ? "AuthFailure" : "UnauthorizedOperation", {
        status: 403,
        region: REGION,
      });
      const denied = await scan({ regions: [REGION] });
      expect(denied.run.collectors.filter((c) => c.status === "failed").map((c) => c.collector)).toEqual(
        id === "aws-ec2-subnets" ? [id, "aws-ec2-route-tables"] : [id],
      );
      const afterDenied = await graphIds(s);
      expect([afterDenied.nodes, afterDenied.edges]).toEqual([before.nodes, before.edges]);

      aws.on(op, Object.fromEntries(Object.keys(fixture(file)).map((k) => [k, []])), { region: REGION });
      const emptied = await scan({ regions: [REGION] });
      expect(emptied.run.status).toBe("complete");
      const after = await graphIds(s);
      expect(after.nodes).toEqual(before.nodes.filter((n) => !ownNodes.includes(n)));
      expect(after.edges).toEqual(before.edges.filter((e) => !ownEdges.includes(e)));
    },
  );

  it("IAM: what a later scan no longer lists is removed (page 2 gone)", async () => {
    await scan({ regions: [REGION] });
    aws.on(
      GetAccountAuthorizationDetails$,
      encodeDocuments(fixture("iam-get-account-authorization-details.json")) as Record<string, unknown>,
    );
    await scan({ regions: [REGION] });
    const g = await graphIds(s);
    const page2 = ids([
      "I:user/deploy-bot",
      "I:role/web",
      "I:instance-profile/web",
      "I:role/web#inline-policy/read-data",
      "I:policy/deploy-boundary",
      "arn:aws:iam::aws:policy/AdministratorAccess",
    ]);
    expect(g.nodes).toEqual(ids(["ROOT", ...EC2_EAST_NODES, ...IAM_NODES]).filter((n) => !page2.includes(n)));
    expect(g.edges.filter((e) => page2.some((n) => e.includes(n)))).toEqual([]);
    // The cross-account principal was only an edge endpoint: its stub went with the edge.
    expect(g.stubs).toEqual([PARTNER_VPC]);
  });

  it("tolerates missing optional fields and holds Elastic IPs to their instances", () => {
    const ctx = (id: string, region: string) => ({
      accountId: ACCOUNT,
      partition: "aws",
      region,
      key: { source: `aws:${ACCOUNT}`, region, collector: id },
    });
    const iamFacts = mod("aws-iam").transform(
      {
        users: [],
        groups: [],
        roles: [{ Arn: "arn:aws:iam::123456789012:role/bare" }],
        policies: [
          {
            Arn: "arn:aws:iam::123456789012:policy/team/no-name",
            PolicyVersionList: [{ IsDefaultVersion: true, Document: "not json at all" }],
          },
        ],
      },
      ctx("aws-iam", "global"),
      {},
    );
    expect(iamFacts.nodes!.map((n) => [n.id, n.name, n.props])).toEqual([
      ["arn:aws:iam::123456789012:role/bare", "bare", { trustedServices: [], trustedFederated: [] }],
      [
        "arn:aws:iam::123456789012:policy/team/no-name",
        "no-name",
        { awsManaged: false, documentUnparsed: "not json at all" },
      ],
    ]);
    const eip = mod("aws-ec2-addresses").transform(
      [{ AllocationId: "eipalloc-9", PublicIp: "5.6.7.8", InstanceId: "i-9" }],
      ctx("aws-ec2-addresses", REGION),
      {},
    );
    expect(eip.edges!.map((e) => `${e.from} -${e.kind}-> ${e.to}`)).toContain(
      "arn:aws:ec2:us-east-1:123456789012:instance/i-9 -HAS_ADDRESS-> arn:aws:ec2:us-east-1:123456789012:elastic-ip/eipalloc-9",
    );
  });

  it("a scan of one region keeps the other's; ad-hoc and scope scans keep each other's data", async () => {
    await scan({ trigger: { kind: "adhoc" } });
    aws.on(
      DescribeInstances$,
      { Reservations: [] },
      { region: WEST, params: { Action: "DescribeInstances" } },
    );
    const r = await scan({ regions: [WEST], trigger: { kind: "scope", scopeId: "scope-1" } });
    expect(r.run.collectors.every((c) => c.region !== REGION)).toBe(true);
    const g = await graphIds(s);
    // West's instances are gone (that listing said so); everything of us-east-1 is still there.
    expect(g.nodes).toEqual(ALL_NODES.filter((n) => !ids(WEST_INSTANCES).includes(n)));
    expect(g.edges).toEqual(edges([...EC2_EAST_EDGES, ...IAM_EDGES]));
  });
});
