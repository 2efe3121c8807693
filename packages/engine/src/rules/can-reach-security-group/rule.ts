// Lateral movement through DESIGN's firewall hub model: compute A CAN_REACH group G when one of
// G's ingress rules admits A (a rule naming one of A's groups, or a CIDR holding one of A's
// private addresses in G's VPC), and G CAN_REACH each of its member instances. n instances and g
// groups give at most n·g + n edges, never the n² of an instance mesh.
import type { Assumption, Evidence } from "@ctem/model";
import type { EstateEdge, EstateNode } from "../../graph.js";
import {
  COLLECTOR_OF,
  InstanceProps,
  RoutesViaProps,
  T,
  lastSegment,
  readProps,
  strProp,
} from "../../aws/shapes.js";
import { ingressOf } from "../../aws/network.js";
import type { Cidr } from "../../net/cidr.js";
import { contains, containsV4, dottedQuadV4, overlaps, parseCidr } from "../../net/cidr.js";
import { formatPorts, normProtocol, portsOf } from "../../net/filters.js";
import { defineRule } from "../meta.js";

const RULE = "can-reach-security-group";

interface Host {
  node: EstateNode;
  vpc?: string | undefined;
  /** Its plain IPv4 addresses as numbers (dottedQuadV4): the common case, without a Cidr each. */
  v4: number[];
  /** Its other addresses (IPv6, anything parseCidr reads otherwise). */
  addresses: Cidr[];
  /** The subnets it is in (IN_SUBNET), read beside its groups while its edges are at hand. */
  subnets: EstateNode[];
}

/** Appends the addresses `ips` does not hold yet, in order. */
function addNew(ips: string[], more: readonly string[]): void {
  for (const ip of more) if (!ips.includes(ip)) ips.push(ip);
}

/** Whether one of the host's addresses lies in the range. */
function holds(c: Cidr, h: Host): boolean {
  const v4 = h.v4;
  for (let i = 0; i < v4.length; i++) if (containsV4(c, v4[i]!)) return true;
  const a = h.addresses;
  for (let i = 0; i < a.length; i++) if (contains(c, a[i]!)) return true;
  return false;
}

const NONE: readonly Assumption[] = Object.freeze([]);

const groupId = (g: EstateNode) => strProp(g.props, "groupId") ?? lastSegment(g.id);

export const canReachSecurityGroup = defineRule(
  {
    id: RULE,
    title: "Workload can reach the members of a security group",
    edge: "CAN_REACH",
    severity: "medium",
    risk: "A compromised instance can open connections to every instance in the group on the admitted ports.",
    remediation: {
      aws: {
        title: "Admit only the groups that need the port (group references, not VPC-wide CIDRs)",
        cli: "aws ec2 revoke-security-group-ingress --group-id <group-id> --ip-permissions IpProtocol=<protocol>,FromPort=<from>,ToPort=<to>,IpRanges=[{CidrIp=<cidr>}]",
        terraform:
          'resource "aws_vpc_security_group_ingress_rule" "<name>" {\n  referenced_security_group_id = "<the one client group>"\n}',
      },
    },
    limitations: [
      "Across VPCs, CIDR admission follows the source subnet's routes through peering connections and transit gateways; the return route is an assumption.",
      "The source's egress rules and the subnets' network ACLs between two instances of one VPC are not evaluated (AWS defaults allow them).",
      "Databases and load balancers are not members here: the hub reaches compute only.",
    ],
  },
  (ctx) => {
    const hosts: Host[] = [];
    const byVpc = new Map<string, Host[]>();
    const membersOf = new Map<string, EstateNode[]>(); // group node id → compute members
    for (const inst of ctx.g.ofType(T.instance)) {
      const p = readProps(InstanceProps, inst.props).value;
      if (p.state === "terminated" || p.state === "shutting-down") continue;
      // The distinct addresses in the order first named (usually one: no set for that, and no
      // closure per instance either).
      const ips: string[] = [];
      if (p.privateIp) ips.push(p.privateIp);
      if (p.ipv6Addresses) addNew(ips, p.ipv6Addresses);
      if (p.networkInterfaces)
        for (const n of p.networkInterfaces) {
          if (n.privateIps) addNew(ips, n.privateIps);
          if (n.ipv6Addresses) addNew(ips, n.ipv6Addresses);
        }
      const vpc = p.vpcId ?? ctx.g.out(inst.id, "IN_NETWORK")[0]?.to.split("/").pop();
      const v4: number[] = [];
      const addresses: Cidr[] = [];
      for (const ip of ips) {
        const n = dottedQuadV4(ip);
        if (n >= 0) v4.push(n);
        else {
          const c = parseCidr(ip);
          if (c) addresses.push(c);
        }
      }
      const h: Host = { node: inst, vpc, v4, addresses, subnets: ctx.g.outNodes(inst.id, "IN_SUBNET") };
      hosts.push(h);
      if (vpc) {
        const list = byVpc.get(vpc);
        if (list) list.push(h);
        else byVpc.set(vpc, [h]);
      }
      for (const e of ctx.g.out(inst.id, "PROTECTED_BY")) {
        const g = ctx.g.node(e.to);
        if (g && g.kind === "firewall") {
          const list = membersOf.get(g.id);
          if (list) list.push(inst);
          else membersOf.set(g.id, [inst]);
        }
      }
    }
    const groupsById = new Map<string, EstateNode[]>();
    for (const g of ctx.g.ofType(T.securityGroup)) {
      const id = groupId(g);
      const list = groupsById.get(id);
      if (list) list.push(g);
      else groupsById.set(id, [g]);
    }

    // Hosts of other VPCs whose subnet routes into a VPC through a peering connection or a
    // transit gateway: CIDR rules of that VPC's groups admit them too.
    const vpcCidrs = new Map<string, Cidr[]>();
    for (const v of ctx.g.ofType("aws.ec2.vpc")) {
      const texts = [v.props.cidrBlocks, v.props.ipv6CidrBlocks].flatMap((x): unknown[] =>
        Array.isArray(x) ? (x as unknown[]) : [],
      );
      const id = strProp(v.props, "vpcId") ?? lastSegment(v.id);
      vpcCidrs.set(
        id,
        texts.flatMap((t) => (typeof t === "string" ? (parseCidr(t) ?? []) : [])),
      );
    }
    const routedInto = new Map<string, Array<{ host: Host; route: Evidence }>>();
    // Per route (subnet → peering / transit gateway), the VPCs it leads into with the evidence:
    // the same for every host of the subnet, so worked out once.
    const intoOf = new Map<EstateEdge, Array<{ vpcId: string; route: Evidence }>>();
    const routesInto = (e: EstateEdge, subnet: EstateNode) => {
      let into = intoOf.get(e);
      if (into) return into;
      into = [];
      const dests = readProps(RoutesViaProps, e.props).value.destinations ?? [];
      for (const [vpcId, cidrs] of vpcCidrs) {
        const d = dests.find((t) => {
          const c = parseCidr(t);
          return c !== undefined && cidrs.some((v) => overlaps(c, v));
        });
        if (!d) continue;
        into.push({
          vpcId,
          route: {
            source: COLLECTOR_OF.routeTables,
            ref: strProp(e.props, "routeTable") ?? subnet.id,
            detail: { subnet: subnet.id, destination: d, gateway: e.to },
          },
        });
      }
      intoOf.set(e, into);
      return into;
    };
    // Per subnet, its routes through a peering connection or a transit gateway (most have none).
    const peeringRoutes = new Map<EstateNode, EstateEdge[]>();
    const peeringRoutesOf = (subnet: EstateNode) => {
      let list = peeringRoutes.get(subnet);
      if (!list) {
        list = [];
        for (const e of ctx.g.out(subnet.id, "ROUTES_VIA"))
          if (e.to.includes(":vpc-peering-connection/") || e.to.includes(":transit-gateway/")) list.push(e);
        peeringRoutes.set(subnet, list);
      }
      return list;
    };
    for (const h of hosts)
      for (const subnet of h.subnets)
        for (const e of peeringRoutesOf(subnet)) {
          for (const { vpcId, route } of routesInto(e, subnet)) {
            if (vpcId === h.vpc) continue;
            const list = routedInto.get(vpcId);
            if (list) list.push({ host: h, route });
            else routedInto.set(vpcId, [{ host: h, route }]);
          }
        }

    // One evidence array, props object and assumptions array per distinct reason (an ingress
    // rule and the group or range it names), frozen: the sink shares them between every member
    // the reason admits.
    for (const g of ctx.g.ofType(T.securityGroup)) {
      const members = membersOf.get(g.id) ?? [];
      if (!members.length) continue;
      const vpc = g.props.vpcId as string | undefined;
      const rules = ingressOf(g);
      const staleG = ctx.stale(g);
      let admitsAny = false;
      const reach = (
        a: EstateNode,
        evidence: readonly Evidence[],
        assumptions: readonly Assumption[],
        props: Readonly<Record<string, unknown>>,
      ) => {
        // Reaching a group whose only member is yourself moves nowhere.
        if (members.length === 1 && members[0]!.id === a.id) return;
        admitsAny = true;
        const staleA = ctx.stale(a);
        ctx.sink.add(a.id, "CAN_REACH", g.id, {
          rule: RULE,
          props,
          evidence,
          assumptions:
            staleG.length === 0 && staleA.length === 0 ? assumptions : [...assumptions, ...staleG, ...staleA],
        });
      };
      if (!rules) {
        const evidence = Object.freeze([{ source: COLLECTOR_OF.securityGroups, ref: groupId(g) }]);
        const assumptions = Object.freeze([{ code: "firewall_rules_unknown", detail: { group: g.id } }]);
        const props = Object.freeze({
          ports: Object.freeze([{ protocol: "all", from: 0, to: 65535, label: "all traffic" }]),
        });
        for (const h of vpc ? (byVpc.get(vpc) ?? []) : []) reach(h.node, evidence, assumptions, props);
      } else
        rules.forEach((r, i) => {
          const protocol = normProtocol(r.protocol);
          const ports = portsOf(protocol, r.fromPort, r.toPort);
          const port = { protocol, from: ports.from, to: ports.to, label: formatPorts(protocol, ports) };
          const props = Object.freeze({ ports: Object.freeze([port]) });
          const ref = `${groupId(g)}#ingress[${i}]`;
          for (const src of r.groups) {
            const evidence = Object.freeze([
              {
                source: COLLECTOR_OF.securityGroups,
                ref,
                detail: { group: g.id, sourceGroup: src.groupId, ...port },
              },
            ]);
            for (const sg of groupsById.get(src.groupId) ?? [])
              for (const a of membersOf.get(sg.id) ?? []) reach(a, evidence, NONE, props);
          }
          for (const text of [...r.cidrs, ...r.ipv6Cidrs]) {
            const c = parseCidr(text);
            if (!c) continue;
            const admitted: Evidence = {
              source: COLLECTOR_OF.securityGroups,
              ref,
              detail: { group: g.id, cidr: c.text, ...port },
            };
            const evidence = Object.freeze([admitted]);
            for (const h of vpc ? (byVpc.get(vpc) ?? []) : [])
              if (holds(c, h)) reach(h.node, evidence, NONE, props);
            for (const { host, route } of vpc ? (routedInto.get(vpc) ?? []) : [])
              if (holds(c, host))
                reach(
                  host.node,
                  [admitted, route],
                  [{ code: "return_route_not_evaluated", detail: { from: host.vpc, to: vpc } }],
                  props,
                );
          }
        });
      if (!admitsAny) continue;
      for (const m of members)
        ctx.sink.add(g.id, "CAN_REACH", m.id, {
          rule: RULE,
          evidence: [{ source: COLLECTOR_OF.instances, ref: m.id, detail: { memberOf: g.id } }],
          assumptions: ctx.stale(m),
        });
    }
  },
);
