// `ctem analyze`: derives the attack edges of what is stored and makes them current; `ctem
// assets show` then lists them (derived: true) with their evidence.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Edge } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import { edgeFact, key, nodeFact, scanRun } from "@ctem/store/contract";
import { main } from "../src/cli/main.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-analyze-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ctem(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { INIT_CWD: dir },
  });
  return { code, stdout, stderr };
}

const A = "111122223333";
const k = (collector: string) => key(`aws:${A}`, "us-east-1", collector);
const ec2 = (res: string, id: string) => `arn:aws:ec2:us-east-1:${A}:${res}/${id}`;
const inst = ec2("instance", "i-web");
const subnet = ec2("subnet", "subnet-pub");
const sg = ec2("security-group", "sg-web");
const acl = ec2("network-acl", "acl-1");
const igw = ec2("internet-gateway", "igw-1");
const open = [
  { ruleNumber: 100, egress: false, protocol: "-1", action: "allow", cidr: "0.0.0.0/0" },
  { ruleNumber: 100, egress: true, protocol: "-1", action: "allow", cidr: "0.0.0.0/0" },
];

async function seed(dbFile: string, failed: boolean) {
  const s = openSqliteStores(dbFile);
  const keys = [
    "aws-ec2-instances",
    "aws-ec2-subnets",
    "aws-ec2-security-groups",
    "aws-ec2-network-acls",
    "aws-ec2-route-tables",
    "aws-ec2-internet-gateways",
  ].map(k);
  const run = scanRun(keys, failed ? { failed: [k("aws-ec2-network-acls")] } : {});
  await s.app.scanRuns.start(run);
  await s.graph.applyScan(run, [
    {
      nodes: [
        nodeFact(inst, k("aws-ec2-instances"), {
          props: {
            instanceId: "i-web",
            state: "running",
            vpcId: "vpc-1",
            subnetId: "subnet-pub",
            privateIp: "10.0.1.5",
            publicIp: "203.0.113.5",
            publicIps: ["203.0.113.5"],
          },
        }),
        nodeFact(subnet, k("aws-ec2-subnets"), {
          kind: "subnet",
          type: "aws.ec2.subnet",
          props: { subnetId: "subnet-pub", vpcId: "vpc-1", cidrBlock: "10.0.1.0/24" },
        }),
        nodeFact(ec2("route-table", "rtb-1"), k("aws-ec2-route-tables"), {
          kind: "route_table",
          type: "aws.ec2.route_table",
          props: { routeTableId: "rtb-1", vpcId: "vpc-1" },
        }),
        nodeFact(igw, k("aws-ec2-internet-gateways"), { kind: "gateway", type: "aws.ec2.internet_gateway" }),
        nodeFact(acl, k("aws-ec2-network-acls"), {
          kind: "network_acl",
          type: "aws.ec2.network_acl",
          props: { networkAclId: "acl-1", entries: open },
        }),
        nodeFact(sg, k("aws-ec2-security-groups"), {
          kind: "firewall",
          type: "aws.ec2.security_group",
          props: {
            groupId: "sg-web",
            vpcId: "vpc-1",
            ingress: [
              {
                protocol: "tcp",
                fromPort: 22,
                toPort: 22,
                cidrs: ["0.0.0.0/0"],
                ipv6Cidrs: [],
                prefixLists: [],
                groups: [],
              },
            ],
          },
        }),
      ],
      edges: [
        edgeFact(inst, "IN_SUBNET", subnet, k("aws-ec2-instances")),
        edgeFact(inst, "PROTECTED_BY", sg, k("aws-ec2-instances")),
        edgeFact(subnet, "ROUTES_VIA", igw, k("aws-ec2-route-tables"), {
          props: { destinations: ["0.0.0.0/0"], routeTable: "rtb-1" },
        }),
        edgeFact(subnet, "PROTECTED_BY", acl, k("aws-ec2-network-acls")),
      ],
      findings: [],
    },
  ]);
  await s.app.scanRuns.finish({ ...run, finishedAt: new Date().toISOString() });
  await s.close();
}

describe("ctem analyze", () => {
  it("writes the derived edges; assets show lists them with evidence", async () => {
    const db = path.join(dir, "ctem.db");
    await seed(db, false);
    const r = await ctem(["--db", db, "analyze", "--json"]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      edges: Record<string, number>;
      entries: Array<{ id: string }>;
      failedCollectors: unknown[];
    };
    expect(summary.edges).toEqual({ EXPOSES: 1 });
    expect(summary.entries).toEqual([{ id: INTERNET_NODE_ID, reason: "internet" }]);
    expect(summary.failedCollectors).toEqual([]);
    expect(r.stderr).toContain("deriving…");

    const show = await ctem(["--db", db, "assets", "show", inst, "--json"]);
    const edges = (JSON.parse(show.stdout) as { edges: Edge[] }).edges.filter((e) => e.derived);
    expect(edges).toHaveLength(1);
    expect(edges[0]).toMatchObject({
      from: INTERNET_NODE_ID,
      kind: "EXPOSES",
      to: inst,
      props: { ports: [{ protocol: "tcp", from: 22, to: 22, label: "tcp/22" }] },
    });
    expect(edges[0]!.evidence.map((e) => e.ref)).toEqual([
      "i-web",
      "sg-web#ingress[0]",
      "rtb-1",
      "acl-1#inbound[100]",
      "acl-1#outbound[100]",
    ]);

    // Running it again replaces the generation: still one edge.
    await ctem(["--db", db, "analyze"]);
    const again = await ctem(["--db", db, "assets", "show", inst, "--json"]);
    expect((JSON.parse(again.stdout) as { edges: Edge[] }).edges.filter((e) => e.derived)).toHaveLength(1);
  });

  it("names failed collectors on stderr and marks the hops resting on their data", async () => {
    const db = path.join(dir, "ctem.db");
    await seed(db, true);
    const r = await ctem(["--db", db, "analyze", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`aws:${A} us-east-1 aws-ec2-network-acls`);
    const show = await ctem(["--db", db, "assets", "show", inst, "--json"]);
    const e = (JSON.parse(show.stdout) as { edges: Edge[] }).edges.find((x) => x.derived)!;
    expect(e.assumptions.map((a) => a.code)).toContain("collector_failed");
  });
});
