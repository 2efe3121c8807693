// The internet's way in to one network endpoint (instance, load balancer, database): a security
// group rule admitting a public range on some ports, a route from the endpoint's subnet to an
// internet gateway for that range, and the subnet's network ACL letting the traffic in and the
// replies out. Anything not read (no ACL, no route tables for the VPC, a group without rules)
// becomes an assumption on the result, never a "blocked".
import type { Assumption, Evidence } from "@ctem/model";
import type { FirewallRule, NaclEntry } from "./shapes.js";
import {
  COLLECTOR_OF,
  NetworkAclProps,
  RoutesViaProps,
  SecurityGroupProps,
  T,
  lastSegment,
  readProps,
  strProp,
} from "./shapes.js";
import type { DeriveContext } from "../context.js";
import type { EstateNode } from "../graph.js";
import type { Cidr } from "../net/cidr.js";
import { ANY_V4, ANY_V6, intersect, overlaps, parseCidr } from "../net/cidr.js";
import type { PortRange, Protocol } from "../net/filters.js";
import {
  ALL_PORTS,
  EPHEMERAL,
  evaluateAcl,
  internetIngress,
  normProtocol,
  protocolMatches,
} from "../net/filters.js";

export interface Exposure {
  protocol: Protocol;
  ports: PortRange;
  /** The public range that gets through every filter. */
  cidr: Cidr;
  evidence: Evidence[];
  assumptions: Assumption[];
}

export interface ExposureQuery {
  /** Address families the endpoint is reachable on from outside (4: public IPv4, 6: global IPv6). */
  families: ReadonlySet<4 | 6>;
  subnets: readonly EstateNode[];
  /** The endpoint's security groups, or "none" for a network load balancer without groups. */
  groups: readonly EstateNode[] | "none";
  /** Only traffic to this protocol and ports counts (a listener, a database port). */
  only?: { protocol: Protocol; ports: PortRange };
}

interface Candidate {
  protocol: Protocol;
  ports: PortRange;
  cidr: Cidr;
  evidence: Evidence[];
  assumptions: Assumption[];
}

const gid = (n: EstateNode) => (n.props.groupId as string | undefined) ?? n.id.split("/").pop() ?? n.id;

/** The security groups protecting a node (PROTECTED_BY → firewall). */
export function securityGroupsOf(ctx: DeriveContext, node: EstateNode): EstateNode[] {
  // A stub (an edge points at a group no listing described) counts, with unknown rules.
  return ctx.g
    .outNodes(node.id, "PROTECTED_BY")
    .filter((n) => n.kind === "firewall" || (n.stub === true && n.id.includes(":security-group/")));
}

const subnetIndex = new WeakMap<object, Map<string, EstateNode>>();

/** The subnets a node is in: IN_SUBNET edges, else its `subnetId` prop. */
export function subnetsOf(ctx: DeriveContext, node: EstateNode): EstateNode[] {
  const direct = ctx.g
    .outNodes(node.id, "IN_SUBNET")
    .filter((n) => n.kind === "subnet" || (n.stub === true && n.id.includes(":subnet/")));
  if (direct.length) return direct;
  const sid = node.props.subnetId;
  if (typeof sid !== "string") return [];
  let idx = subnetIndex.get(ctx.g);
  if (!idx) {
    idx = new Map(ctx.g.ofType(T.subnet).map((s) => [strProp(s.props, "subnetId") ?? lastSegment(s.id), s]));
    subnetIndex.set(ctx.g, idx);
  }
  const s = idx.get(sid);
  return s ? [s] : [];
}

const routeTablesByVpc = new WeakMap<object, Set<string>>();

/** Whether the subnet's routes were read: a route table of its VPC is stored and its listing did not fail. */
function routesKnown(ctx: DeriveContext, subnet: EstateNode): boolean {
  if (ctx.failed(COLLECTOR_OF.routeTables, subnet)) return false;
  let vpcs = routeTablesByVpc.get(ctx.g);
  if (!vpcs) {
    vpcs = new Set(ctx.g.ofType("aws.ec2.route_table").map((t) => String(t.props.vpcId)));
    routeTablesByVpc.set(ctx.g, vpcs);
  }
  return vpcs.has(String(subnet.props.vpcId));
}

/**
 * Per derive: each group's candidates (a function of the group alone), and per candidate and
 * subnet the exposure that passes route and ACL (null: none). Every endpoint behind the group in
 * the subnet shares them: one evaluation, and one set of evidence objects, which the sink
 * compares by identity before it compares them by JSON.
 */
interface Memo {
  groups: Map<EstateNode, Candidate[]>;
  through: WeakMap<Candidate, Map<EstateNode, Exposure | null>>;
}
const memos = new WeakMap<DeriveContext, Memo>();
function memoOf(ctx: DeriveContext): Memo {
  let m = memos.get(ctx);
  if (!m) memos.set(ctx, (m = { groups: new Map(), through: new WeakMap() }));
  return m;
}

function groupCandidates(ctx: DeriveContext, g: EstateNode): Candidate[] {
  const memo = memoOf(ctx).groups;
  let out = memo.get(g);
  if (out) return out;
  out = [];
  const rules = readProps(SecurityGroupProps, g.props).value.ingress;
  if (!rules) {
    const evidence = [{ source: COLLECTOR_OF.securityGroups, ref: gid(g) }];
    const detail = { group: g.id };
    for (const cidr of [ANY_V4, ANY_V6])
      out.push({
        protocol: "all",
        ports: ALL_PORTS,
        cidr,
        evidence,
        assumptions: [{ code: "firewall_rules_unknown", detail }],
      });
  } else
    for (const r of internetIngress(rules)) {
      const rule = rules[r.ruleIndex]!;
      out.push({
        protocol: r.protocol,
        ports: r.ports,
        cidr: r.cidr,
        evidence: [
          {
            source: COLLECTOR_OF.securityGroups,
            ref: `${gid(g)}#ingress[${r.ruleIndex}]`,
            detail: {
              group: g.id,
              protocol: r.protocol,
              fromPort: rule.fromPort ?? r.ports.from,
              toPort: rule.toPort ?? r.ports.to,
              cidr: r.cidr.text,
            },
          },
        ],
        assumptions: ctx.stale(g),
      });
    }
  memo.set(g, out);
  return out;
}

function candidates(ctx: DeriveContext, q: ExposureQuery): Candidate[] {
  const out: Candidate[] = [];
  const unknown = (code: string, detail: Record<string, unknown>, evidence: Evidence[]) => {
    for (const cidr of [ANY_V4, ANY_V6])
      out.push({ protocol: "all", ports: ALL_PORTS, cidr, evidence, assumptions: [{ code, detail }] });
  };
  if (q.groups === "none") {
    for (const cidr of [ANY_V4, ANY_V6])
      out.push({
        protocol: "all",
        ports: ALL_PORTS,
        cidr,
        evidence: [
          {
            source: "engine",
            ref: "no-security-group",
            detail: { note: "no security group filters this endpoint" },
          },
        ],
        assumptions: [],
      });
  } else if (q.groups.length === 0) {
    unknown("firewall_unknown", { note: "no security group is recorded for this endpoint" }, [
      { source: "engine", ref: "no-security-group-recorded" },
    ]);
  } else for (const g of q.groups) for (const c of groupCandidates(ctx, g)) out.push(c);
  const narrowed: Candidate[] = [];
  for (const c of out) {
    if (!q.families.has(c.cidr.family)) continue;
    if (!q.only) {
      narrowed.push(c);
      continue;
    }
    const o = q.only;
    if (!protocolMatches(c.protocol, o.protocol)) continue;
    const from = Math.max(c.ports.from, o.ports.from);
    const to = Math.min(c.ports.to, o.ports.to);
    if (from > to) continue;
    narrowed.push({ ...c, protocol: o.protocol === "all" ? c.protocol : o.protocol, ports: { from, to } });
  }
  return narrowed;
}

const RoutesVia = RoutesViaProps;

function igwRoutes(ctx: DeriveContext, subnet: EstateNode) {
  const out: Array<{ gateway: string; destination: Cidr; routeTable?: string; stale: Assumption[] }> = [];
  for (const e of ctx.g.out(subnet.id, "ROUTES_VIA")) {
    const gw = ctx.g.node(e.to);
    const isIgw = gw && !gw.stub ? gw.type === T.internetGateway : e.to.includes(":internet-gateway/");
    if (!isIgw) continue;
    const p = readProps(RoutesVia, e.props).value;
    for (const d of p.destinations ?? []) {
      const c = parseCidr(d);
      if (c)
        out.push({
          gateway: e.to,
          destination: c,
          ...(p.routeTable ? { routeTable: p.routeTable } : {}),
          stale: ctx.stale(gw),
        });
    }
  }
  return out;
}

function naclEntries(ctx: DeriveContext, subnet: EstateNode): { acl?: EstateNode; entries?: NaclEntry[] } {
  const acl = ctx.g.outNodes(subnet.id, "PROTECTED_BY").find((n) => n.kind === "network_acl");
  if (!acl) return {};
  return { acl, entries: readProps(NetworkAclProps, acl.props).value.entries };
}

/** Every way in from the internet to the endpoint, one per admitting rule that passes route and ACL. */
export function internetExposures(ctx: DeriveContext, q: ExposureQuery): Exposure[] {
  const result: Exposure[] = [];
  const cands = candidates(ctx, q);
  if (!cands.length) return result;
  const memo = memoOf(ctx).through;
  for (const c of cands) {
    // No subnet recorded at all: where the endpoint sits is unknown, so is its route and ACL.
    if (!q.subnets.length) {
      result.push({
        ...c,
        assumptions: [
          ...c.assumptions,
          { code: "subnet_unknown", detail: { note: "no subnet is recorded for this endpoint" } },
        ],
      });
      continue;
    }
    for (const subnet of q.subnets) {
      let bySubnet = memo.get(c);
      if (!bySubnet) memo.set(c, (bySubnet = new Map<EstateNode, Exposure | null>()));
      let x = bySubnet.get(subnet);
      if (x === undefined) bySubnet.set(subnet, (x = through(ctx, c, subnet)));
      if (!x) continue;
      result.push(x);
      break;
    }
  }
  return result;
}

/** The candidate's exposure through the subnet (its route and ACL), or null when they stop it. */
function through(ctx: DeriveContext, c: Candidate, subnet: EstateNode): Exposure | null {
  const ev: Evidence[] = [...c.evidence];
  const as: Assumption[] = [...c.assumptions, ...ctx.stale(subnet)];
  const sid = (subnet.props.subnetId as string | undefined) ?? subnet.id;
  // Route: the range must be routed to an internet gateway (replies go back the same way).
  let effective: Cidr | undefined;
  if (routesKnown(ctx, subnet)) {
    const route = igwRoutes(ctx, subnet).find((r) => overlaps(r.destination, c.cidr));
    if (!route) return null;
    effective = intersect(route.destination, c.cidr)!;
    ev.push({
      source: COLLECTOR_OF.routeTables,
      ref: route.routeTable ?? sid,
      detail: { subnet: subnet.id, destination: route.destination.text, gateway: route.gateway },
    });
    as.push(...route.stale);
  } else {
    effective = c.cidr;
    as.push({ code: "route_unknown", detail: { subnet: subnet.id } });
  }
  // Network ACL: stateless, so the request in and the reply out must both pass.
  const { acl, entries } = naclEntries(ctx, subnet);
  if (!acl || !entries) {
    as.push({ code: "nacl_unknown", detail: { subnet: subnet.id, ...(acl ? { acl: acl.id } : {}) } });
  } else {
    const proto = c.protocol;
    const inbound = evaluateAcl(entries, "inbound", proto, c.ports, effective);
    if (!inbound.allowed) return null;
    const replyPorts = proto === "tcp" || proto === "udp" ? EPHEMERAL : ALL_PORTS;
    const outbound = evaluateAcl(entries, "outbound", proto, replyPorts, effective);
    if (!outbound.allowed) return null;
    const aclId = (acl.props.networkAclId as string | undefined) ?? acl.id;
    ev.push(
      {
        source: COLLECTOR_OF.networkAcls,
        ref: `${aclId}#inbound[${inbound.entry!.ruleNumber}]`,
        detail: {
          acl: acl.id,
          ruleNumber: inbound.entry!.ruleNumber,
          cidr: inbound.entry!.cidr,
          protocol: normProtocol(inbound.entry!.protocol),
        },
      },
      {
        source: COLLECTOR_OF.networkAcls,
        ref: `${aclId}#outbound[${outbound.entry!.ruleNumber}]`,
        detail: {
          acl: acl.id,
          ruleNumber: outbound.entry!.ruleNumber,
          cidr: outbound.entry!.cidr,
          purpose: "return traffic",
        },
      },
    );
    as.push(...ctx.stale(acl));
  }
  return { protocol: c.protocol, ports: c.ports, cidr: effective, evidence: ev, assumptions: as };
}

/** A security group's ingress rules, or undefined when they were not read. */
export function ingressOf(g: EstateNode): FirewallRule[] | undefined {
  return readProps(SecurityGroupProps, g.props).value.ingress;
}
