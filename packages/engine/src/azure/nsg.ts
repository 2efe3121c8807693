// NSG evaluation for traffic from the internet (TCP): rules in priority order, the first rule
// matching the port decides (Allow or Deny), then the default rules (AllowVnetInBound,
// AllowAzureLoadBalancerInBound, DenyAllInBound). Sources that mean "any internet host" are the
// `Internet` service tag, `*`/`Any`, 0.0.0.0/0 and ::/0; a rule naming a narrower source neither
// admits nor blocks an arbitrary internet host, so evaluation goes on past it. Where traffic
// crosses two NSGs (the NIC's and the subnet's) both must allow it: the result is the intersection.

import type { NsgRule } from "./shapes.js";

export interface Span {
  from: number;
  to: number;
}

export const ALL: Span[] = [{ from: 0, to: 65535 }];

/** Azure's default inbound rules (used when an NSG's default rules were not read). */
export const DEFAULT_INBOUND: NsgRule[] = [
  {
    name: "AllowVnetInBound",
    priority: 65000,
    direction: "Inbound",
    access: "Allow",
    protocol: "*",
    sources: ["VirtualNetwork"],
    ports: ["*"],
  },
  {
    name: "AllowAzureLoadBalancerInBound",
    priority: 65001,
    direction: "Inbound",
    access: "Allow",
    protocol: "*",
    sources: ["AzureLoadBalancer"],
    ports: ["*"],
  },
  {
    name: "DenyAllInBound",
    priority: 65500,
    direction: "Inbound",
    access: "Deny",
    protocol: "*",
    sources: ["*"],
    ports: ["*"],
  },
];

const INTERNET_WIDE = new Set(["*", "any", "internet", "0.0.0.0/0", "::/0", "0.0.0.0"]);

export function isInternetWide(source: string): boolean {
  return INTERNET_WIDE.has(source.trim().toLowerCase());
}

export function parsePorts(ports: readonly string[]): Span[] {
  const out: Span[] = [];
  for (const p of ports) {
    const t = p.trim();
    if (t === "*" || t === "") return [...ALL];
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(t);
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from <= to) out.push({ from, to });
  }
  return normalize(out);
}

function normalize(spans: Span[]): Span[] {
  const s = [...spans].sort((a, b) => a.from - b.from);
  const out: Span[] = [];
  for (const x of s) {
    const last = out[out.length - 1];
    if (last && x.from <= last.to + 1) last.to = Math.max(last.to, x.to);
    else out.push({ ...x });
  }
  return out;
}

export function intersect(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const x of a)
    for (const y of b) {
      const from = Math.max(x.from, y.from);
      const to = Math.min(x.to, y.to);
      if (from <= to) out.push({ from, to });
    }
  return normalize(out);
}

export function subtract(a: readonly Span[], b: readonly Span[]): Span[] {
  let cur = a.map((x) => ({ ...x }));
  for (const y of b) {
    const next: Span[] = [];
    for (const x of cur) {
      if (y.to < x.from || y.from > x.to) next.push(x);
      else {
        if (x.from < y.from) next.push({ from: x.from, to: y.from - 1 });
        if (y.to < x.to) next.push({ from: y.to + 1, to: x.to });
      }
    }
    cur = next;
  }
  return cur;
}

export interface Decision {
  /** The ports an arbitrary internet host may open, each with the rule that allowed it. */
  allowed: Array<{ span: Span; rule: NsgRule }>;
}

/** Inbound TCP from an arbitrary internet host through one NSG. */
export function internetInbound(
  rules: readonly NsgRule[],
  defaults: readonly NsgRule[] | undefined,
): Decision {
  const all = [...rules, ...(defaults?.length ? defaults : DEFAULT_INBOUND)]
    .filter((r) => r.direction.toLowerCase() === "inbound")
    .sort((a, b) => a.priority - b.priority);
  let undecided: Span[] = [...ALL];
  const allowed: Decision["allowed"] = [];
  for (const r of all) {
    if (!undecided.length) break;
    const proto = r.protocol.toLowerCase();
    if (proto !== "*" && proto !== "tcp") continue;
    if (!r.sources.some(isInternetWide)) continue;
    const hit = intersect(undecided, parsePorts(r.ports));
    if (!hit.length) continue;
    if (r.access.toLowerCase() === "allow") for (const span of hit) allowed.push({ span, rule: r });
    undecided = subtract(undecided, hit);
  }
  return { allowed };
}

export function spansOf(d: Decision): Span[] {
  return normalize(d.allowed.map((a) => a.span));
}

export function label(s: Span): string {
  return s.from === 0 && s.to === 65535
    ? "tcp/all"
    : s.from === s.to
      ? `tcp/${s.from}`
      : `tcp/${s.from}-${s.to}`;
}
