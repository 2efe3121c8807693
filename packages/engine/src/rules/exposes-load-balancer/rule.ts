// internet EXPOSES an internet-facing ELBv2 load balancer on its listener ports (its subnets'
// routes and ACLs, its security groups — a network load balancer may have none), and EXPOSES
// each target on the target port when the target's security groups admit the load balancer (by
// its group, or a CIDR holding one of its subnets) — or, for a network load balancer without
// groups, the clients themselves (client IP preservation).
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Assumption, Evidence } from "@ctem/model";
import type { DeriveContext } from "../../context.js";
import type { EstateNode } from "../../graph.js";
import {
  COLLECTOR_OF,
  ForwardsToProps,
  ListenerProps,
  LoadBalancerProps,
  SubnetProps,
  T,
  TargetGroupProps,
  lastSegment,
  readProps,
  strProp,
} from "../../aws/shapes.js";
import { ingressOf, internetExposures, securityGroupsOf, subnetsOf } from "../../aws/network.js";
import type { Cidr } from "../../net/cidr.js";
import { overlaps, parseCidr } from "../../net/cidr.js";
import { formatPorts, internetIngress, normProtocol, portsOf } from "../../net/filters.js";
import type { Protocol } from "../../net/filters.js";
import { defineRule } from "../meta.js";

const RULE = "exposes-load-balancer";

// Listener protocols as the transport they ride on.
const transport = (p: string | undefined): Protocol => {
  const x = (p ?? "").toUpperCase();
  if (x === "UDP") return "udp";
  if (x === "TCP_UDP") return "all";
  return "tcp";
};

export const exposesLoadBalancer = defineRule(
  {
    id: RULE,
    title: "Internet-facing load balancer and the targets behind it",
    edge: "EXPOSES",
    severity: "medium",
    risk: "Requests from anywhere reach the listener and are forwarded to the targets' application port.",
    remediation: {
      aws: {
        title:
          "Make the load balancer internal, or restrict its security group to the clients that need it (and put a WAF in front)",
        cli: "aws elbv2 set-security-groups --load-balancer-arn <lb-arn> --security-groups <restricted-group-id>",
        terraform: 'resource "aws_lb" "<name>" {\n  internal = true\n}',
      },
    },
    limitations: [
      "Listener rules (host/path conditions, fixed responses, authentication actions) are not read: every target group a listener forwards to counts.",
    ],
  },
  (ctx) => {
    for (const lb of ctx.g.ofType(T.loadBalancer)) {
      const p = readProps(LoadBalancerProps, lb.props).value;
      const assumptions: Assumption[] = [...ctx.stale(lb)];
      if (p.scheme === "internal") continue;
      if (p.scheme !== "internet-facing")
        assumptions.push({ code: "scheme_unknown", detail: { loadBalancer: lb.id } });
      const subnets = subnetsOf(ctx, lb);
      const sgs = securityGroupsOf(ctx, lb);
      const groups = sgs.length === 0 && p.type === "network" ? "none" : sgs;
      for (const listener of ctx.g.outNodes(lb.id, "LISTENS")) {
        const l = readProps(ListenerProps, listener.props).value;
        if (l.port === undefined) continue;
        const protocol = transport(l.protocol);
        const exposures = internetExposures(ctx, {
          families: new Set([4, 6]),
          subnets,
          groups,
          only: { protocol, ports: { from: l.port, to: l.port } },
        });
        if (!exposures.length) continue;
        const x = exposures[0]!;
        const listenerEv: Evidence = {
          source: COLLECTOR_OF.elbv2,
          ref: listener.id,
          detail: { port: l.port, protocol: l.protocol, scheme: p.scheme },
        };
        ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", lb.id, {
          rule: RULE,
          props: {
            ports: [
              {
                protocol,
                from: l.port,
                to: l.port,
                label: formatPorts(protocol, { from: l.port, to: l.port }),
              },
            ],
          },
          evidence: [listenerEv, ...x.evidence],
          assumptions: [...assumptions, ...x.assumptions],
        });
        for (const tg of ctx.g.outNodes(listener.id, "FORWARDS_TO")) {
          const tgp = readProps(TargetGroupProps, tg.props).value;
          for (const te of ctx.g.out(tg.id, "FORWARDS_TO")) {
            const target = ctx.g.node(te.to);
            if (!target || target.kind !== "compute") continue;
            const port = readProps(ForwardsToProps, te.props).value.port ?? tgp.port;
            if (port === undefined) continue;
            const admitted = admitsLoadBalancer(ctx, target, sgs, subnets, port, groups === "none");
            if (!admitted) continue;
            ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", target.id, {
              rule: RULE,
              props: {
                ports: [
                  {
                    protocol: "tcp",
                    from: port,
                    to: port,
                    label: formatPorts("tcp", { from: port, to: port }),
                  },
                ],
                via: [lb.id],
              },
              evidence: [
                listenerEv,
                ...x.evidence,
                {
                  source: COLLECTOR_OF.elbv2,
                  ref: tg.id,
                  detail: { target: target.id, port, loadBalancer: lb.id },
                },
                ...admitted.evidence,
              ],
              assumptions: [...assumptions, ...x.assumptions, ...admitted.assumptions, ...ctx.stale(target)],
            });
          }
        }
      }
    }
  },
);

function admitsLoadBalancer(
  ctx: DeriveContext,
  target: EstateNode,
  lbGroups: readonly EstateNode[],
  lbSubnets: readonly EstateNode[],
  port: number,
  clientIpPreserved: boolean,
): { evidence: Evidence[]; assumptions: Assumption[] } | undefined {
  const groups = securityGroupsOf(ctx, target);
  if (!groups.length)
    return {
      evidence: [{ source: "engine", ref: "no-security-group-recorded" }],
      assumptions: [{ code: "firewall_unknown", detail: { target: target.id } }],
    };
  const lbGroupIds = new Set(lbGroups.map((g) => strProp(g.props, "groupId") ?? lastSegment(g.id)));
  const lbRanges: Cidr[] = lbSubnets.flatMap((s) => {
    const c = readProps(SubnetProps, s.props).value.cidrBlock;
    const parsed = c ? parseCidr(c) : undefined;
    return parsed ? [parsed] : [];
  });
  for (const g of groups) {
    const rules = ingressOf(g);
    const gid = strProp(g.props, "groupId") ?? lastSegment(g.id);
    if (!rules)
      return {
        evidence: [{ source: COLLECTOR_OF.securityGroups, ref: gid }],
        assumptions: [{ code: "firewall_rules_unknown", detail: { group: g.id } }],
      };
    for (const [i, r] of rules.entries()) {
      const proto = normProtocol(r.protocol);
      const ports = portsOf(proto, r.fromPort, r.toPort);
      if (!(proto === "all" || proto === "tcp") || port < ports.from || port > ports.to) continue;
      const ref = `${gid}#ingress[${i}]`;
      const byGroup = r.groups.find((x) => lbGroupIds.has(x.groupId));
      if (byGroup)
        return {
          evidence: [
            {
              source: COLLECTOR_OF.securityGroups,
              ref,
              detail: { group: g.id, port, sourceGroup: byGroup.groupId },
            },
          ],
          assumptions: [],
        };
      // A network load balancer keeps the client's address: the group must admit the internet.
      if (clientIpPreserved && internetIngress([r]).length)
        return {
          evidence: [
            {
              source: COLLECTOR_OF.securityGroups,
              ref,
              detail: {
                group: g.id,
                port,
                cidr: internetIngress([r])[0]!.cidr.text,
                clientIpPreserved: true,
              },
            },
          ],
          assumptions: [],
        };
      for (const text of r.cidrs) {
        const c = parseCidr(text);
        if (c && lbRanges.some((s) => overlaps(c, s)))
          return {
            evidence: [
              {
                source: COLLECTOR_OF.securityGroups,
                ref,
                detail: { group: g.id, port, cidr: c.text, loadBalancerSubnets: true },
              },
            ],
            // Admitting the balancer's subnets lets internet traffic in only when the network
            // load balancer does not preserve client addresses (a target group attribute not read).
            assumptions: clientIpPreserved
              ? [{ code: "client_ip_preservation_unknown", detail: { target: target.id } }]
              : [],
          };
      }
    }
  }
  return undefined;
}
