// Stateful (security group) and stateless (network ACL) filter evaluation over ranges of sources
// and ports. Conservative by construction: a deny only counts when it covers the whole source
// range and port range asked about; a partial deny lets evaluation go on to later entries.
import type { FirewallRule, NaclEntry } from "../aws/shapes.js";
import type { Cidr } from "./cidr.js";
import { contains, holdsPublic, overlaps, parseCidr } from "./cidr.js";

/** "all", "tcp", "udp", "icmp", "icmpv6", or an IANA protocol number as text. */
export type Protocol = string;

const PROTOCOL_NAMES: Record<string, Protocol> = {
  "-1": "all",
  all: "all",
  "6": "tcp",
  tcp: "tcp",
  "17": "udp",
  udp: "udp",
  "1": "icmp",
  icmp: "icmp",
  "58": "icmpv6",
  icmpv6: "icmpv6",
};

export function normProtocol(p: string | number | undefined): Protocol {
  if (p === undefined) return "all";
  const s = String(p).toLowerCase();
  return PROTOCOL_NAMES[s] ?? s;
}

export interface PortRange {
  from: number;
  to: number;
}

export const ALL_PORTS: PortRange = { from: 0, to: 65535 };
/** Where clients' return traffic goes (the stateless ACL must let it out). */
export const EPHEMERAL: PortRange = { from: 1024, to: 65535 };

const hasPorts = (p: Protocol) => p === "tcp" || p === "udp";

/** The port range a rule or entry admits for its protocol (all ports when the protocol has none). */
export function portsOf(protocol: Protocol, from?: number, to?: number): PortRange {
  if (!hasPorts(protocol) || from === undefined || from < 0) return ALL_PORTS;
  return { from, to: to === undefined || to < 0 ? from : to };
}

const rangeOverlaps = (a: PortRange, b: PortRange) => a.from <= b.to && b.from <= a.to;
const rangeCovers = (outer: PortRange, inner: PortRange) => outer.from <= inner.from && inner.to <= outer.to;

/** Whether traffic of `protocol` can match a rule of `ruleProtocol`. */
export function protocolMatches(ruleProtocol: Protocol, protocol: Protocol): boolean {
  return ruleProtocol === "all" || protocol === "all" || ruleProtocol === protocol;
}

export interface SourceRange {
  /** Index of the rule in the group's ingress list. */
  ruleIndex: number;
  protocol: Protocol;
  ports: PortRange;
  cidr: Cidr;
}

/** A group's ingress rules whose CIDR sources hold public addresses: where the internet gets in. */
export function internetIngress(rules: readonly FirewallRule[]): SourceRange[] {
  const out: SourceRange[] = [];
  rules.forEach((r, ruleIndex) => {
    const protocol = normProtocol(r.protocol);
    for (const text of [...r.cidrs, ...r.ipv6Cidrs]) {
      const cidr = parseCidr(text);
      if (cidr && holdsPublic(cidr))
        out.push({ ruleIndex, protocol, ports: portsOf(protocol, r.fromPort, r.toPort), cidr });
    }
  });
  return out;
}

export interface AclVerdict {
  allowed: boolean;
  /** The deciding entry; undefined for the implicit deny at the end. */
  entry?: NaclEntry;
}

/**
 * First-match evaluation of a network ACL for traffic from (inbound) or to (outbound) `peer` on
 * `ports`. An allow that overlaps the asked ranges admits; a deny ends evaluation only when it
 * covers both ranges completely.
 */
export function evaluateAcl(
  entries: readonly NaclEntry[],
  direction: "inbound" | "outbound",
  protocol: Protocol,
  ports: PortRange,
  peer: Cidr,
): AclVerdict {
  const sorted = entries
    .filter((e) => Boolean(e.egress) === (direction === "outbound"))
    .sort((a, b) => a.ruleNumber - b.ruleNumber);
  for (const e of sorted) {
    const ep = normProtocol(e.protocol);
    if (!protocolMatches(ep, protocol)) continue;
    const cidr = e.cidr ? parseCidr(e.cidr) : undefined;
    if (!cidr || cidr.family !== peer.family || !overlaps(cidr, peer)) continue;
    const eports = portsOf(ep, e.fromPort, e.toPort);
    if (hasPorts(ep) && hasPorts(protocol) && !rangeOverlaps(eports, ports)) continue;
    if (e.action.toLowerCase() === "allow") return { allowed: true, entry: e };
    const coversPorts = !hasPorts(ep) || (hasPorts(protocol) && rangeCovers(eports, ports));
    const coversProtocol = ep === "all" || (protocol !== "all" && ep === protocol);
    if (contains(cidr, peer) && coversPorts && coversProtocol) return { allowed: false, entry: e };
  }
  return { allowed: false };
}

export interface RuleMatch {
  ruleIndex: number;
  protocol: Protocol;
  ports: PortRange;
  /** What admitted: `sg-…` (group reference) or a CIDR. */
  via: string;
}

/**
 * The rules of a group's ingress that admit traffic from a source with these groups and
 * addresses. Group references match by group id; CIDRs match when they hold one of the addresses.
 */
export function admits(
  rules: readonly FirewallRule[],
  source: { groupIds: ReadonlySet<string>; addresses: readonly Cidr[] },
): RuleMatch[] {
  const out: RuleMatch[] = [];
  rules.forEach((r, ruleIndex) => {
    const protocol = normProtocol(r.protocol);
    const ports = portsOf(protocol, r.fromPort, r.toPort);
    for (const g of r.groups)
      if (source.groupIds.has(g.groupId)) out.push({ ruleIndex, protocol, ports, via: g.groupId });
    for (const text of [...r.cidrs, ...r.ipv6Cidrs]) {
      const c = parseCidr(text);
      if (c && source.addresses.some((a) => contains(c, a)))
        out.push({ ruleIndex, protocol, ports, via: c.text });
    }
  });
  return out;
}

export function formatPorts(protocol: Protocol, ports: PortRange): string {
  if (protocol === "all") return "all traffic";
  if (!hasPorts(protocol)) return protocol;
  return ports.from === ports.to ? `${protocol}/${ports.from}` : `${protocol}/${ports.from}-${ports.to}`;
}
