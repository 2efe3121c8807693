// VPC firewall evaluation for internet ingress to one instance (GCP semantics): rules of the
// instance's network, INGRESS, not disabled, whose targets match (all instances, target tags,
// or target service accounts). For each protocol and port the matching rule with the lowest
// priority number decides, and at equal priority a deny wins over an allow; the implied rule at
// 65535 denies. An allow from a public range becomes an exposure for the ports no deny of equal
// or better priority (from a range covering the allow's) takes away.
import type { Evidence } from "@ctem/model";
import type { Estate, EstateNode } from "../graph.js";
import { contains, holdsPublic, parseCidr } from "../net/cidr.js";
import type { Cidr } from "../net/cidr.js";
import { normProtocol, protocolMatches } from "../net/filters.js";
import type { PortRange } from "../net/filters.js";
import { readProps } from "../aws/shapes.js";
import { GCP_COLLECTOR, GT, GcpFirewallProps } from "./shapes.js";
import type { GcpFirewallProps as FwProps, GcpFwRule } from "./shapes.js";

export interface Exposure {
  firewall: string;
  protocol: string;
  ports: PortRange;
  cidr: Cidr;
  evidence: Evidence[];
}

interface Target {
  network: string;
  tags: readonly string[];
  serviceAccounts: readonly string[];
}

const ALL: PortRange = { from: 0, to: 65535 };

function rangesOf(r: GcpFwRule): PortRange[] {
  const p = normProtocol(r.protocol);
  if (p !== "tcp" && p !== "udp" && p !== "sctp" && p !== "all") return [ALL];
  if (!r.ports.length) return [ALL];
  return r.ports.map((s) => {
    const [a, b] = s.split("-").map((x) => Number(x));
    return { from: a!, to: b ?? a! };
  });
}

/** `ranges` minus `cut`, as a sorted list. */
function subtract(ranges: PortRange[], cut: PortRange): PortRange[] {
  const out: PortRange[] = [];
  for (const r of ranges) {
    if (cut.to < r.from || cut.from > r.to) out.push(r);
    else {
      if (cut.from > r.from) out.push({ from: r.from, to: cut.from - 1 });
      if (cut.to < r.to) out.push({ from: cut.to + 1, to: r.to });
    }
  }
  return out;
}

export function targets(p: Partial<FwProps>, t: Target): boolean {
  const tags = p.targetTags ?? [];
  const sas = p.targetServiceAccounts ?? [];
  if (tags.length) return tags.some((x) => t.tags.includes(x));
  if (sas.length)
    return sas.some((x) => t.serviceAccounts.map((s) => s.toLowerCase()).includes(x.toLowerCase()));
  return true;
}

export function ingressRules(g: Estate, network: string): Array<{ node: EstateNode; p: Partial<FwProps> }> {
  const out: Array<{ node: EstateNode; p: Partial<FwProps> }> = [];
  for (const e of g.in(network, "IN_NETWORK")) {
    const node = g.node(e.from);
    if (!node || node.type !== GT.firewall) continue;
    const p = readProps(GcpFirewallProps, node.props).value;
    if ((p.direction ?? "INGRESS") !== "INGRESS" || p.disabled === true) continue;
    out.push({ node, p });
  }
  return out;
}

export function internetExposures(g: Estate, t: Target): Exposure[] {
  const rules = ingressRules(g, t.network).filter((r) => targets(r.p, t));
  const out: Exposure[] = [];
  for (const allow of rules) {
    const prio = allow.p.priority ?? 1000;
    for (const src of allow.p.sourceRanges ?? []) {
      const cidr = parseCidr(src);
      if (!cidr || !holdsPublic(cidr)) continue;
      (allow.p.allowed ?? []).forEach((a, ai) => {
        const protocol = normProtocol(a.protocol);
        let open = rangesOf(a);
        for (const deny of rules) {
          const dp = deny.p.priority ?? 1000;
          if (dp > prio) continue;
          if (
            !(deny.p.sourceRanges ?? []).some((s) => {
              const c = parseCidr(s);
              return c !== undefined && c.family === cidr.family && contains(c, cidr);
            })
          )
            continue;
          for (const d of deny.p.denied ?? []) {
            if (!protocolMatches(normProtocol(d.protocol), protocol)) continue;
            // A deny of "all" covers every protocol; a deny of tcp does not cover an allow of all.
            if (normProtocol(d.protocol) !== "all" && protocol === "all") continue;
            for (const r of rangesOf(d)) open = subtract(open, r);
          }
        }
        for (const ports of open)
          out.push({
            firewall: allow.node.id,
            protocol,
            ports,
            cidr,
            evidence: [
              {
                source: GCP_COLLECTOR.resource,
                ref: `${allow.node.id}#allowed[${ai}]`,
                detail: {
                  firewall: allow.node.name,
                  priority: prio,
                  sourceRange: cidr.text,
                  protocol,
                  ports: ports.from === ports.to ? `${ports.from}` : `${ports.from}-${ports.to}`,
                  ...(allow.p.targetTags?.length ? { targetTags: allow.p.targetTags } : {}),
                  ...(allow.p.targetServiceAccounts?.length
                    ? { targetServiceAccounts: allow.p.targetServiceAccounts }
                    : {}),
                },
              },
            ],
          });
      });
    }
  }
  return out;
}
