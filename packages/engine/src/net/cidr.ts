// CIDR math for exposure and reachability: parse, contain, overlap, intersect, and "does this range
// hold any public address". Parsing and prefix matching are ipaddr.js's; this module only composes
// them. A string that is not a CIDR (a prefix-list id, garbage) parses to undefined: callers treat
// it as unknown, never as "no match".
import ipaddr from "ipaddr.js";

export interface Cidr {
  family: 4 | 6;
  /** The network address (host bits cleared). */
  addr: ipaddr.IPv4 | ipaddr.IPv6;
  prefix: number;
  /** Normalised text, e.g. `10.0.0.0/8`, `::/0`. */
  text: string;
  /** IPv4: the network address as an unsigned 32-bit number (containment by one XOR); 0 for IPv6. */
  v4: number;
}

const cache = new Map<string, Cidr | null>();

/** Empties the parse cache (derive() does when it returns: no one else parses that many). */
export function clearCidrCache(): void {
  cache.clear();
}

/** `10.1.2.3/8` → 10.0.0.0/8; a bare address is a /32 or /128. */
export function parseCidr(text: string): Cidr | undefined {
  const hit = cache.get(text);
  if (hit !== undefined) return hit ?? undefined;
  let out: Cidr | undefined;
  try {
    const t = text.trim();
    // A plain dotted-quad address (most of them: every host's own) needs no ipaddr.js parse; it
    // reads as ipaddr.js reads it, and anything else (a prefix, octal, hex, IPv6) goes there.
    const octets = dottedQuad(t);
    if (octets)
      return remember(text, {
        family: 4,
        addr: new ipaddr.IPv4(octets),
        prefix: 32,
        text: `${t}/32`,
        v4: toV4(octets),
      });
    const [a, p] = t.includes("/")
      ? ipaddr.parseCIDR(t)
      : ((): [ipaddr.IPv4 | ipaddr.IPv6, number] => {
          const x = ipaddr.parse(t);
          return [x, x.kind() === "ipv4" ? 32 : 128];
        })();
    const family = a.kind() === "ipv4" ? 4 : 6;
    // A bare IPv4 address is its own /32 network (no second parse of `a/32`).
    const net =
      family === 4
        ? !t.includes("/")
          ? a
          : ipaddr.IPv4.networkAddressFromCIDR(`${a.toString()}/${p}`)
        : ipaddr.IPv6.networkAddressFromCIDR(`${a.toString()}/${p}`);
    out = {
      family,
      addr: net,
      prefix: p,
      text: `${family === 6 ? (net as ipaddr.IPv6).toRFC5952String() : net.toString()}/${p}`,
      v4: family === 4 ? toV4((net as ipaddr.IPv4).octets) : 0,
    };
  } catch {
    out = undefined;
  }
  return remember(text, out);
}

function remember(text: string, out: Cidr | undefined): Cidr | undefined {
  if (cache.size > 100_000) cache.clear();
  cache.set(text, out ?? null);
  return out;
}

const toV4 = (o: readonly number[]) => ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;

/** The octets of `d.d.d.d`, each 0-255 in decimal without a leading zero; undefined for anything else. */
function dottedQuad(t: string): number[] | undefined {
  const out: number[] = [];
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= t.length; i++) {
    const c = i < t.length ? t.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || out.length === 4) return undefined;
      out.push(n);
      n = 0;
      digits = 0;
    } else {
      // A leading zero is octal to ipaddr.js.
      if (c < 48 || c > 57 || (digits > 0 && n === 0)) return undefined;
      n = n * 10 + (c - 48);
      if (++digits > 3 || n > 255) return undefined;
    }
  }
  return out.length === 4 ? out : undefined;
}

/**
 * A plain dotted-quad address as parseCidr reads it without ipaddr.js (its own /32; surrounding
 * whitespace trimmed), as its unsigned 32-bit number; -1 for anything else, which parseCidr must
 * read. Nothing is made or cached: a host's own address (60k at 100k assets) is only tested
 * against ranges, with containsV4.
 */
export function dottedQuadV4(text: string): number {
  const t = text.trim();
  let v = 0;
  let parts = 0;
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= t.length; i++) {
    const c = i < t.length ? t.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || parts === 4) return -1;
      v = v * 256 + n;
      parts++;
      n = 0;
      digits = 0;
    } else {
      // A leading zero is octal to ipaddr.js.
      if (c < 48 || c > 57 || (digits > 0 && n === 0)) return -1;
      n = n * 10 + (c - 48);
      if (++digits > 3 || n > 255) return -1;
    }
  }
  return parts === 4 ? v : -1;
}

/** contains(outer, the /32 of an IPv4 address given as dottedQuadV4's number). */
export function containsV4(outer: Cidr, v4: number): boolean {
  if (outer.family !== 4 || outer.prefix > 32) return false;
  if (outer.prefix === 0) return true;
  return (outer.v4 ^ v4) >>> (32 - outer.prefix) === 0;
}

/** Whether `outer` holds every address of `inner`. Different families never contain each other. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  if (outer.prefix === 0) return true;
  // IPv4: the first `prefix` bits agree (as ipaddr.js's match decides).
  if (inner.family === 4) return (outer.v4 ^ inner.v4) >>> (32 - outer.prefix) === 0;
  return (inner.addr as ipaddr.IPv6).match(outer.addr, outer.prefix);
}

/** CIDR blocks either hold each other or are disjoint. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a);
}

/** The addresses in both, as a CIDR (the more specific one), or undefined when disjoint. */
export function intersect(a: Cidr, b: Cidr): Cidr | undefined {
  if (contains(a, b)) return b;
  if (contains(b, a)) return a;
  return undefined;
}

// Ranges no one on the internet can originate traffic from (RFC 1918, CGNAT, loopback,
// link-local, "this network", multicast and the reserved class E; IPv6 ULA, link-local,
// loopback, multicast). Documentation ranges (TEST-NET, 2001:db8::/32) count as public on
// purpose: fixtures and examples use them as public addresses.
const NON_PUBLIC = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "224.0.0.0/4",
  "240.0.0.0/4",
  "::/128",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
].map((c) => parseCidr(c)!);

/** Whether the range holds at least one address the internet can send from. */
export function holdsPublic(c: Cidr): boolean {
  return !NON_PUBLIC.some((np) => contains(np, c));
}

export const ANY_V4 = parseCidr("0.0.0.0/0")!;
export const ANY_V6 = parseCidr("::/0")!;

/** Whether an address (no prefix) lies in the range. */
export function containsAddress(range: Cidr, address: string): boolean {
  const a = parseCidr(address);
  return a !== undefined && contains(range, a);
}
