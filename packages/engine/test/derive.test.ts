// The hand-built estate of issue 8: every rule's true edge is derived, every decoy produces none,
// and the edge sets are exactly these. Evidence is on every edge.
import { beforeAll, describe, expect, it } from "vitest";
import { INTERNET_NODE_ID } from "@ctem/model";
import { derive } from "../src/derive.js";
import type { DeriveResult } from "../src/derive.js";
import { loadActionCatalog } from "../src/iam/catalog.js";
import { OPEN_ACL, arn, key, rule } from "./build.js";
import { handBuilt } from "./estate.js";

const I = arn.instance;
const pairs = (r: DeriveResult, kind: string) =>
  r.edges
    .filter((e) => e.kind === kind)
    .map((e) => `${e.from} -> ${e.to}`)
    .sort();
const edge = (r: DeriveResult, from: string, kind: string, to: string) =>
  r.edges.find((e) => e.from === from && e.kind === kind && e.to === to);
const sorted = (xs: string[]) => [...xs].sort();

let r: DeriveResult;
beforeAll(async () => {
  r = await derive(handBuilt().estate(), { catalog: await loadActionCatalog() });
});

describe("derive on the hand-built estate", () => {
  it("EXPOSES exactly the public endpoints; decoys (10/8 only, NAT route, NACL deny, private, internal LB, other port, block public access) do not", () => {
    const net = INTERNET_NODE_ID;
    expect(pairs(r, "EXPOSES")).toEqual(
      sorted([
        `${net} -> ${I("i-web")}`,
        `${net} -> ${I("i-eip")}`,
        `${net} -> ${arn.lb("lb-web")}`,
        `${net} -> ${I("i-lbtarget")}`,
        `${net} -> ${arn.bucket("bucket-public")}`,
        `${net} -> ${arn.bucket("bucket-acl")}`,
        `${net} -> ${arn.db("db-public")}`,
      ]),
    );
  });

  it("puts the port, the CIDR, the route and the ACL entries in an exposure's evidence", () => {
    const e = edge(r, INTERNET_NODE_ID, "EXPOSES", I("i-web"))!;
    expect(e.props.ports).toEqual([{ protocol: "tcp", from: 443, to: 443, label: "tcp/443" }]);
    expect(e.evidence).toEqual([
      { source: "aws-ec2-instances", ref: "i-web", detail: { publicIp: "203.0.113.10" } },
      {
        source: "aws-ec2-security-groups",
        ref: "sg-web#ingress[0]",
        detail: { group: arn.sg("sg-web"), protocol: "tcp", fromPort: 443, toPort: 443, cidr: "0.0.0.0/0" },
      },
      {
        source: "aws-ec2-route-tables",
        ref: "rtb-subnet-pub",
        detail: { subnet: arn.subnet("subnet-pub"), destination: "0.0.0.0/0", gateway: arn.igw("igw-1") },
      },
      {
        source: "aws-ec2-network-acls",
        ref: "acl-open#inbound[100]",
        detail: { acl: arn.acl("acl-open"), ruleNumber: 100, cidr: "0.0.0.0/0", protocol: "all" },
      },
      {
        source: "aws-ec2-network-acls",
        ref: "acl-open#outbound[100]",
        detail: { acl: arn.acl("acl-open"), ruleNumber: 100, cidr: "0.0.0.0/0", purpose: "return traffic" },
      },
    ]);
    expect(e.assumptions).toEqual([]);
    const eip = edge(r, INTERNET_NODE_ID, "EXPOSES", I("i-eip"))!;
    expect(eip.evidence[0]).toEqual({
      source: "aws-ec2-addresses",
      ref: arn.eip("eipalloc-1"),
      detail: { publicIp: "198.51.100.20", elasticIp: true },
    });
    expect(eip.props.ports).toEqual([{ protocol: "tcp", from: 22, to: 22, label: "tcp/22" }]);
    expect(edge(r, INTERNET_NODE_ID, "EXPOSES", arn.db("db-public"))!.props.ports).toEqual([
      { protocol: "tcp", from: 5432, to: 5432, label: "tcp/5432" },
    ]);
    expect(edge(r, INTERNET_NODE_ID, "EXPOSES", arn.bucket("bucket-public"))!.props.level).toBe("read");
    const viaLb = edge(r, INTERNET_NODE_ID, "EXPOSES", I("i-lbtarget"))!;
    expect(viaLb.props.via).toEqual([arn.lb("lb-web")]);
    expect(viaLb.evidence).toContainEqual({
      source: "aws-ec2-security-groups",
      ref: "sg-lbtarget#ingress[0]",
      detail: { group: arn.sg("sg-lbtarget"), port: 8080, sourceGroup: "sg-lb" },
    });
  });

  it("CAN_REACH follows the firewall hub: sources → group, group → members; never instance × instance", () => {
    const vpc1 = [
      "i-web",
      "i-eip",
      "i-internal",
      "i-nat",
      "i-nacl",
      "i-admin",
      "i-lbtarget",
      "i-notadmitted",
    ];
    const expected = [
      // i-web is sg-web's only member: reaching it from itself is no edge.
      ...["sg-web", "sg-ssh-open", "sg-internal"].flatMap((g) =>
        vpc1.filter((i) => !(g === "sg-web" && i === "i-web")).map((i) => `${I(i)} -> ${arn.sg(g)}`),
      ),
      `${I("i-web")} -> ${arn.sg("sg-app")}`,
      `${arn.sg("sg-web")} -> ${I("i-web")}`,
      `${arn.sg("sg-ssh-open")} -> ${I("i-eip")}`,
      `${arn.sg("sg-ssh-open")} -> ${I("i-nat")}`,
      `${arn.sg("sg-ssh-open")} -> ${I("i-nacl")}`,
      `${arn.sg("sg-internal")} -> ${I("i-internal")}`,
      `${arn.sg("sg-internal")} -> ${I("i-notadmitted")}`,
      `${arn.sg("sg-app")} -> ${I("i-admin")}`,
    ];
    expect(pairs(r, "CAN_REACH")).toEqual(sorted(expected));
    for (const e of r.edges.filter((x) => x.kind === "CAN_REACH"))
      expect(e.from.includes(":instance/") && e.to.includes(":instance/")).toBe(false);
    expect(edge(r, I("i-web"), "CAN_REACH", arn.sg("sg-app"))!.evidence).toEqual([
      {
        source: "aws-ec2-security-groups",
        ref: "sg-app#ingress[0]",
        detail: {
          group: arn.sg("sg-app"),
          sourceGroup: "sg-web",
          protocol: "tcp",
          from: 8080,
          to: 8080,
          label: "tcp/8080",
        },
      },
    ]);
  });

  it("RUNS_AS the instance profile's role with the IMDS settings; not where the metadata endpoint is off", () => {
    expect(pairs(r, "RUNS_AS")).toEqual(
      sorted([`${I("i-web")} -> ${arn.role("web-role")}`, `${I("i-admin")} -> ${arn.role("admin-role")}`]),
    );
    expect(edge(r, I("i-web"), "RUNS_AS", arn.role("web-role"))!.props).toMatchObject({
      imdsV1: true,
      httpTokens: "optional",
    });
    expect(edge(r, I("i-admin"), "RUNS_AS", arn.role("admin-role"))!.props).toMatchObject({
      imdsV1: false,
      httpTokens: "required",
    });
  });

  it("CAN_ACCESS with levels; no edge for the role without data access, the Deny, or the boundary", () => {
    const stores = [
      arn.bucket("bucket-public"),
      arn.bucket("bucket-pab"),
      arn.bucket("bucket-acl"),
      arn.bucket("bucket-private"),
      arn.db("db-public"),
      arn.db("db-wrongport"),
      arn.db("db-flag-off"),
      arn.secret("secret-app"),
    ];
    expect(pairs(r, "CAN_ACCESS")).toEqual(
      sorted([
        ...stores.map((s) => `${arn.role("admin-role")} -> ${s}`),
        `${arn.role("web-role")} -> ${arn.bucket("bucket-private")}`,
        `${arn.role("data-role")} -> ${arn.bucket("bucket-pab")}`,
        `${arn.role("data-role")} -> ${arn.secret("secret-app")}`,
      ]),
    );
    for (const s of stores)
      expect(edge(r, arn.role("admin-role"), "CAN_ACCESS", s)!.props.level).toBe("admin");
    const web = edge(r, arn.role("web-role"), "CAN_ACCESS", arn.bucket("bucket-private"))!;
    expect(web.props).toMatchObject({ level: "read", action: "s3:GetObject" });
    expect(web.evidence).toEqual([
      {
        source: "iam-policy",
        ref: `${arn.role("web-role")}#inline-policy/web#Statement[0]`,
        detail: {
          role: "identity",
          effect: "Allow",
          action: ["s3:GetObject"],
          resource: ["arn:aws:s3:::bucket-private/*"],
          grants: "s3:GetObject",
        },
      },
    ]);
    expect(edge(r, arn.role("data-role"), "CAN_ACCESS", arn.bucket("bucket-pab"))!.props.level).toBe("write");
    expect(edge(r, arn.role("data-role"), "CAN_ACCESS", arn.secret("secret-app"))!.props.level).toBe("read");
  });

  it("CAN_ASSUME needs the trust policy and the caller's permission", () => {
    expect(pairs(r, "CAN_ASSUME")).toEqual(
      sorted([
        `${arn.role("admin-role")} -> ${arn.role("data-role")}`,
        `${arn.role("web-role")} -> ${arn.role("data-role")}`,
      ]),
    );
    const e = edge(r, arn.role("web-role"), "CAN_ASSUME", arn.role("data-role"))!;
    expect(e.evidence.map((x) => x.source)).toEqual(["iam-trust-policy", "iam-policy"]);
  });

  it("CAN_ESCALATE where a catalogue technique is allowed; admins are not escalated from", () => {
    expect(pairs(r, "CAN_ESCALATE")).toEqual([`${arn.user("dev-user")} -> ${arn.user("ops-user")}`]);
    expect(edge(r, arn.user("dev-user"), "CAN_ESCALATE", arn.user("ops-user"))!.props.techniques).toEqual([
      "iam-create-access-key",
    ]);
  });

  it("marks the internet and users with an active key as entries (not the inactive key), and the admin role", () => {
    expect(r.entries.map((e) => e.id).sort()).toEqual(
      sorted([INTERNET_NODE_ID, arn.user("bounded-user"), arn.user("dev-user")]),
    );
    expect(r.adminEquivalent.map((a) => a.id)).toEqual([arn.role("admin-role")]);
  });

  it("every edge has evidence and names the rule that proved it", () => {
    for (const e of r.edges) {
      expect(e.evidence.length).toBeGreaterThan(0);
      expect(e.props.rules.length).toBeGreaterThan(0);
    }
  });
});

describe("unread data is never safe", () => {
  it("a failed route-table listing makes the NAT-only subnet's route unknown: an exposure with an assumption", async () => {
    const b = handBuilt();
    // The route tables were never read: no route-table nodes, no ROUTES_VIA edges.
    b.nodes = b.nodes.filter((n) => n.type !== "aws.ec2.route_table");
    b.edges = b.edges.filter((e) => e.kind !== "ROUTES_VIA");
    const failed = [key("aws-ec2-route-tables")];
    const res = await derive(b.estate(), { catalog: await loadActionCatalog(), failedCollectors: failed });
    const nat = edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-nat"))!;
    expect(nat).toBeDefined();
    expect(nat.assumptions).toContainEqual({
      code: "route_unknown",
      detail: { subnet: arn.subnet("subnet-nat") },
    });
    // The NACL still decides where it was read.
    expect(edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-nacl"))).toBeUndefined();
  });

  it("data from a collector that failed this time carries collector_failed", async () => {
    const res = await derive(handBuilt().estate(), {
      catalog: await loadActionCatalog(),
      failedCollectors: [key("aws-ec2-security-groups")],
    });
    const e = edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-web"))!;
    expect(e.assumptions).toContainEqual({
      code: "collector_failed",
      detail: {
        collector: "aws-ec2-security-groups",
        source: "aws:111122223333",
        region: "us-east-1",
        node: arn.sg("sg-web"),
      },
    });
  });

  it("a subnet without a recorded ACL and a group without rules are unknown, not closed", async () => {
    const b = handBuilt();
    b.edges = b.edges.filter((e) => !(e.from === arn.subnet("subnet-denied") && e.kind === "PROTECTED_BY"));
    const internal = b.nodes.find((n) => n.id === arn.sg("sg-internal"))!;
    delete internal.props!.ingress;
    const res = await derive(b.estate(), { catalog: await loadActionCatalog() });
    expect(edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-nacl"))!.assumptions).toContainEqual({
      code: "nacl_unknown",
      detail: { subnet: arn.subnet("subnet-denied") },
    });
    expect(edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-internal"))!.assumptions).toContainEqual({
      code: "firewall_rules_unknown",
      detail: { group: arn.sg("sg-internal") },
    });
  });

  it("an instance whose subnet and group no listing described (stubs) is exposed with assumptions", async () => {
    const b = handBuilt();
    b.instance("i-stubs", {
      vpc: "vpc-1",
      subnet: "subnet-gone",
      groups: ["sg-gone"],
      privateIp: "10.0.9.9",
      publicIp: "203.0.113.99",
    });
    const g = b.estate();
    for (const id of [arn.subnet("subnet-gone"), arn.sg("sg-gone")])
      g.addNode({
        id,
        kind: "unknown",
        type: "unknown",
        name: id,
        tags: {},
        props: {},
        sources: [],
        stub: true,
      });
    const res = await derive(g, { catalog: await loadActionCatalog() });
    const codes = edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-stubs"))!.assumptions.map((a) => a.code);
    expect(codes).toEqual(["firewall_rules_unknown", "route_unknown", "nacl_unknown"]);
  });

  it("a policy the graph names but holds no document for may allow anything (policy_unknown)", async () => {
    const b = handBuilt();
    b.attach(arn.role("noaccess-role"), "arn:aws:iam::aws:policy/Unread");
    const res = await derive(b.estate(), { catalog: await loadActionCatalog() });
    const e = edge(res, arn.role("noaccess-role"), "CAN_ACCESS", arn.bucket("bucket-private"))!;
    expect(e.assumptions).toContainEqual({
      code: "policy_unknown",
      detail: { policy: "arn:aws:iam::aws:policy/Unread" },
    });
  });

  it("a bucket whose policy could not be read may be public (bucket_policy_unknown)", async () => {
    const b = handBuilt();
    const priv = b.nodes.find((n) => n.id === arn.bucket("bucket-private"))!;
    priv.props = { ...priv.props, unreadable: { policy: "AccessDenied" } };
    const res = await derive(b.estate(), { catalog: await loadActionCatalog() });
    expect(edge(res, INTERNET_NODE_ID, "EXPOSES", arn.bucket("bucket-private"))!.assumptions).toContainEqual({
      code: "bucket_policy_unknown",
      detail: { bucket: arn.bucket("bucket-private") },
    });
  });
});

describe("IPv6 and network load balancers", () => {
  it("a global IPv6 address is exposed through ::/0 rules and routes; an IPv4-only rule does not expose it", async () => {
    const b = handBuilt();
    const v6acl = [
      ...OPEN_ACL,
      { ruleNumber: 101, egress: false, protocol: "-1", action: "allow", cidr: "::/0" },
      { ruleNumber: 101, egress: true, protocol: "-1", action: "allow", cidr: "::/0" },
    ];
    b.acl("acl-v6", "vpc-1", v6acl).subnet("subnet-v6", "vpc-1", "10.0.6.0/24", {
      igw: "igw-1",
      acl: "acl-v6",
      ipv6: true,
    });
    b.sg("sg-v6-ssh", "vpc-1", [rule("tcp", 22, 22, { ipv6Cidrs: ["::/0"] })]);
    b.sg("sg-v4-only", "vpc-1", [rule("tcp", 22, 22, { cidrs: ["0.0.0.0/0"] })]);
    b.instance("i-v6", {
      vpc: "vpc-1",
      subnet: "subnet-v6",
      groups: ["sg-v6-ssh"],
      privateIp: "10.0.6.10",
      ipv6: ["2001:db8::10"],
    });
    b.instance("i-v6-decoy", {
      vpc: "vpc-1",
      subnet: "subnet-v6",
      groups: ["sg-v4-only"],
      privateIp: "10.0.6.11",
      ipv6: ["2001:db8::11"],
    });
    const res = await derive(b.estate(), { catalog: await loadActionCatalog() });
    const e = edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-v6"))!;
    expect(e.evidence[0]).toEqual({
      source: "aws-ec2-instances",
      ref: "i-v6",
      detail: { ipv6Address: "2001:db8::10" },
    });
    expect(e.evidence.find((x) => x.ref === "sg-v6-ssh#ingress[0]")?.detail?.cidr).toBe("::/0");
    expect(e.evidence).toContainEqual(expect.objectContaining({ ref: "acl-v6#inbound[101]" }));
    expect(edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-v6-decoy"))).toBeUndefined();
  });

  it("a network load balancer without groups exposes targets whose groups admit the clients", async () => {
    const b = handBuilt();
    const nlb = arn.lb("nlb");
    b.node(nlb, "load_balancer", "aws.elbv2.load_balancer", "aws-elbv2", {
      scheme: "internet-facing",
      type: "network",
    });
    b.edge(nlb, "IN_SUBNET", arn.subnet("subnet-pub"), "aws-elbv2");
    b.node(arn.listener("nlb", 22), "listener", "aws.elbv2.listener", "aws-elbv2", {
      port: 22,
      protocol: "TCP",
    });
    b.edge(nlb, "LISTENS", arn.listener("nlb", 22), "aws-elbv2");
    b.node(arn.tg("nlb-tg"), "target_group", "aws.elbv2.target_group", "aws-elbv2", {
      port: 22,
      protocol: "TCP",
    });
    b.edge(arn.listener("nlb", 22), "FORWARDS_TO", arn.tg("nlb-tg"), "aws-elbv2");
    // i-nat's group admits the world on 22 (client IPs are preserved); i-internal's only 10/8.
    b.edge(arn.tg("nlb-tg"), "FORWARDS_TO", I("i-nat"), "aws-elbv2", { port: 22 });
    b.edge(arn.tg("nlb-tg"), "FORWARDS_TO", I("i-admin"), "aws-elbv2", { port: 22 });
    const res = await derive(b.estate(), { catalog: await loadActionCatalog() });
    expect(edge(res, INTERNET_NODE_ID, "EXPOSES", nlb)!.props.ports).toEqual([
      { protocol: "tcp", from: 22, to: 22, label: "tcp/22" },
    ]);
    const viaNlb = edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-nat"))!;
    expect(viaNlb.props.via).toEqual([nlb]);
    expect(viaNlb.evidence.find((x) => x.ref === "sg-ssh-open#ingress[0]")?.detail?.clientIpPreserved).toBe(
      true,
    );
    expect(edge(res, INTERNET_NODE_ID, "EXPOSES", I("i-admin"))).toBeUndefined();
  });
});

describe("lateral movement across VPCs", () => {
  it("a peered VPC's instance reaches groups whose CIDR rules hold its address, with the route as evidence", async () => {
    const b = handBuilt();
    const pcx = "arn:aws:ec2:us-east-1:111122223333:vpc-peering-connection/pcx-1";
    b.vpc("vpc-3", "10.3.0.0/16")
      .acl("acl-3", "vpc-3")
      .subnet("subnet-3", "vpc-3", "10.3.1.0/24", { acl: "acl-3" });
    b.edge(arn.subnet("subnet-3"), "ROUTES_VIA", pcx, "aws-ec2-route-tables", {
      destinations: ["10.0.0.0/16"],
      routeTable: "rtb-3",
    });
    b.instance("i-peer", { vpc: "vpc-3", subnet: "subnet-3", groups: [], privateIp: "10.3.1.5" });
    const res = await derive(b.estate(), { catalog: await loadActionCatalog() });
    const from = pairs(res, "CAN_REACH").filter((p) => p.startsWith(`${I("i-peer")} ->`));
    expect(from).toEqual(
      sorted(["sg-web", "sg-ssh-open", "sg-internal"].map((g) => `${I("i-peer")} -> ${arn.sg(g)}`)),
    );
    const e = edge(res, I("i-peer"), "CAN_REACH", arn.sg("sg-internal"))!;
    expect(e.evidence[1]).toEqual({
      source: "aws-ec2-route-tables",
      ref: "rtb-3",
      detail: { subnet: arn.subnet("subnet-3"), destination: "10.0.0.0/16", gateway: pcx },
    });
    expect(e.assumptions).toEqual([
      { code: "return_route_not_evaluated", detail: { from: "vpc-3", to: "vpc-1" } },
    ]);
    // vpc-2 has no route to vpc-1: its instance reaches nothing there.
    expect(pairs(res, "CAN_REACH").some((p) => p.startsWith(`${I("i-noimds")} ->`))).toBe(false);
  });
});
