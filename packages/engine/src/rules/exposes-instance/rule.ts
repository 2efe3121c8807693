// internet EXPOSES instance: a public IPv4 (auto-assigned or Elastic IP) or a global IPv6 address,
// a route from its subnet to an internet gateway (a NAT gateway carries only outbound traffic),
// the subnet's ACL both ways, and a security group rule admitting a public range.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Assumption, Evidence } from "@ctem/model";
import { COLLECTOR_OF, ElasticIpProps, InstanceProps, T, readProps } from "../../aws/shapes.js";
import type { Exposure } from "../../aws/network.js";
import { internetExposures, securityGroupsOf, subnetsOf } from "../../aws/network.js";
import { holdsPublic, parseCidr } from "../../net/cidr.js";
import { formatPorts } from "../../net/filters.js";
import { defineRule } from "../meta.js";

export const exposesInstance = defineRule(
  {
    id: "exposes-instance",
    title: "Instance reachable from the internet",
    edge: "EXPOSES",
    severity: "high",
    risk: "Anyone on the internet can open connections to the instance on the listed ports; a vulnerable or weakly authenticated service there is an entry point.",
    remediation: {
      aws: {
        title:
          "Remove the security group rule that admits 0.0.0.0/0 or ::/0, or move the instance to a private subnet behind a load balancer",
        cli: "aws ec2 revoke-security-group-ingress --group-id <group-id> --ip-permissions IpProtocol=<protocol>,FromPort=<from>,ToPort=<to>,IpRanges=[{CidrIp=<cidr>}]",
        terraform:
          'resource "aws_vpc_security_group_ingress_rule" "<name>" {\n  # narrow cidr_ipv4 to the ranges that need access, or delete the rule\n}',
      },
    },
    limitations: [
      "Prefix-list sources are not resolved: a rule naming only a prefix list is not counted as internet-facing.",
      "Host firewalls and services actually listening on the port are not known; the port being open is an exposure, not a proven service.",
    ],
  },
  (ctx) => {
    // One frozen props object per port range: the sink shares it (and what merging two gives).
    const propsCache = new Map<string, Readonly<Record<string, unknown>>>();
    const propsOf = (x: Exposure) => {
      const label = formatPorts(x.protocol, x.ports);
      const k = `${x.protocol}|${x.ports.from}|${x.ports.to}|${label}`;
      let v = propsCache.get(k);
      if (!v)
        propsCache.set(
          k,
          (v = Object.freeze({
            ports: Object.freeze([{ protocol: x.protocol, from: x.ports.from, to: x.ports.to, label }]),
          })),
        );
      return v;
    };
    for (const inst of ctx.g.ofType(T.instance)) {
      const p = readProps(InstanceProps, inst.props).value;
      if (p.state === "terminated" || p.state === "shutting-down") continue;
      const eips = ctx.g.outNodes(inst.id, "HAS_ADDRESS");
      // Most instances have no public address at all: nothing to build for them.
      if (!eips.length && !p.publicIps?.length && !p.publicIp && !p.ipv6Addresses?.length) continue;
      const addrEvidence: Evidence[] = [];
      const v4 = new Set<string>([...(p.publicIps ?? []), ...(p.publicIp ? [p.publicIp] : [])]);
      for (const eip of eips) {
        const ip = readProps(ElasticIpProps, eip.props).value.publicIp;
        if (ip) {
          v4.add(ip);
          addrEvidence.push({
            source: COLLECTOR_OF.addresses,
            ref: eip.id,
            detail: { publicIp: ip, elasticIp: true },
          });
        }
      }
      for (const ip of v4)
        if (!addrEvidence.some((e) => e.detail?.publicIp === ip))
          addrEvidence.push({
            source: COLLECTOR_OF.instances,
            ref: p.instanceId ?? inst.id,
            detail: { publicIp: ip },
          });
      const v6 = (p.ipv6Addresses ?? []).filter((a) => {
        const c = parseCidr(a);
        return c !== undefined && holdsPublic(c);
      });
      for (const ip of v6)
        addrEvidence.push({
          source: COLLECTOR_OF.instances,
          ref: p.instanceId ?? inst.id,
          detail: { ipv6Address: ip },
        });
      const families = new Set<4 | 6>();
      if (v4.size) families.add(4);
      if (v6.length) families.add(6);
      if (!families.size) continue;
      const exposures = internetExposures(ctx, {
        families,
        subnets: subnetsOf(ctx, inst),
        groups: securityGroupsOf(ctx, inst),
      });
      for (const x of exposures) {
        const assumptions: Assumption[] = [...x.assumptions, ...ctx.stale(inst)];
        // A stopped instance answers nothing until started; its Elastic IP and rules stay.
        if (p.state && p.state !== "running" && p.state !== "pending")
          assumptions.push({ code: "instance_not_running", detail: { state: p.state } });
        if (x.cidr.prefix !== 0)
          assumptions.push({ code: "restricted_source", detail: { cidr: x.cidr.text } });
        ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", inst.id, {
          rule: "exposes-instance",
          props: propsOf(x),
          evidence: [
            ...addrEvidence.filter((e) =>
              x.cidr.family === 4 ? "publicIp" in (e.detail ?? {}) : "ipv6Address" in (e.detail ?? {}),
            ),
            ...x.evidence,
          ],
          assumptions,
        });
      }
    }
  },
);
