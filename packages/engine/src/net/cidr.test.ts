// A bare IPv4 address parses as its own /32 without the second parse: the same range as `a/32`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import ipaddr from "ipaddr.js";
import { contains, containsV4, dottedQuadV4, parseCidr } from "./cidr.js";

describe("parseCidr of a bare address", () => {
  it("is the address's /32", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), (ip, other) => {
        const bare = parseCidr(ip)!;
        const slash = parseCidr(`${ip}/32`)!;
        expect({ family: bare.family, prefix: bare.prefix, text: bare.text }).toEqual({
          family: slash.family,
          prefix: slash.prefix,
          text: slash.text,
        });
        expect(bare.addr.toString()).toBe(slash.addr.toString());
        const o = parseCidr(`${other}/8`)!;
        expect(contains(o, bare)).toBe(contains(o, slash));
      }),
      { numRuns: 500 },
    );
    expect(parseCidr(" 10.0.1.4 ")?.text).toBe("10.0.1.4/32");
    expect(parseCidr("not an address")).toBeUndefined();
  });
});

// parseCidr reads plain dotted quads itself and decides IPv4 containment on numbers: both must
// agree with ipaddr.js, which reads every other form.
function reference(text: string): { text: string; addr: string } | undefined {
  try {
    const t = text.trim();
    const [a, p] = t.includes("/") ? ipaddr.parseCIDR(t) : [ipaddr.parse(t), -1];
    const prefix = p === -1 ? (a.kind() === "ipv4" ? 32 : 128) : p;
    const net =
      a.kind() === "ipv4"
        ? ipaddr.IPv4.networkAddressFromCIDR(`${a.toString()}/${prefix}`)
        : ipaddr.IPv6.networkAddressFromCIDR(`${a.toString()}/${prefix}`);
    const shown = net.kind() === "ipv6" ? (net as ipaddr.IPv6).toRFC5952String() : net.toString();
    return { text: `${shown}/${prefix}`, addr: net.toString() };
  } catch {
    return undefined;
  }
}

describe("parseCidr and contains against ipaddr.js", () => {
  const part = fc.oneof(
    fc.integer({ min: 0, max: 300 }).map(String),
    fc.constantFrom("0", "00", "01", "010", "0x1f", "255", "256", "1000", "", " ", "a", "-1"),
  );
  const quad = fc
    .tuple(part, part, part, part, fc.constantFrom("", "", "/8", "/24", "/33", ".5", " "))
    .map(([a, b, c, d, tail]) => `${a}.${b}.${c}.${d}${tail}`);

  it("reads every dotted quad as ipaddr.js does", () => {
    fc.assert(
      fc.property(fc.oneof(quad, fc.ipV4(), fc.ipV4Extended()), (text) => {
        const got = parseCidr(text);
        const want = reference(text);
        expect(got && { text: got.text, addr: got.addr.toString() }).toEqual(want);
      }),
      { numRuns: 3000 },
    );
    expect(parseCidr("10.0.3.4")).toMatchObject({ family: 4, prefix: 32, text: "10.0.3.4/32" });
    expect(parseCidr("010.0.3.4")?.text).toBe("8.0.3.4/32");
  });

  it("decides IPv4 containment as ipaddr.js's match does", () => {
    fc.assert(
      fc.property(
        fc.ipV4(),
        fc.integer({ min: 0, max: 32 }),
        fc.ipV4(),
        fc.integer({ min: 0, max: 32 }),
        fc.nat(),
        (a, p, b, q, r) => {
          const outer = parseCidr(`${a}/${p}`)!;
          const inner = parseCidr(q === 32 ? b : `${b}/${q}`)!;
          const want = p <= q && (p === 0 || ipaddr.IPv4.parse(inner.addr.toString()).match(outer.addr, p));
          expect(contains(outer, inner)).toBe(want);
          // Near misses: the same address with one bit of the prefix flipped.
          if (p > 0) {
            const o = ipaddr.IPv4.parse(a).octets.slice();
            const bit = r % p;
            o[bit >> 3]! ^= 0x80 >> (bit & 7);
            expect(contains(outer, parseCidr(o.join("."))!)).toBe(false);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

// can-reach-security-group tests hosts' plain IPv4 addresses as numbers, without a Cidr each: the
// number must stand for exactly what parseCidr reads as a /32 without ipaddr.js, and containment
// on it must agree with contains on that /32.
describe("dottedQuadV4 and containsV4 against parseCidr and contains", () => {
  const part = fc.oneof(
    fc.integer({ min: 0, max: 300 }).map(String),
    fc.constantFrom("0", "00", "01", "010", "0x1f", "255", "256", "1000", "", " ", "a", "-1"),
  );
  const text = fc.oneof(
    fc
      .tuple(part, part, part, part, fc.constantFrom("", "", "/8", "/32", ".5", " ", "\t"))
      .map(([a, b, c, d, tail]) => `${a}.${b}.${c}.${d}${tail}`),
    fc.ipV4(),
    fc.ipV4Extended(),
    fc.ipV6(),
  );
  const range = fc.oneof(
    fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, p]) => parseCidr(`${a}/${p}`)!),
    fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, p]) => parseCidr(`${a}/${p}`)!),
  );

  it("reads an address as parseCidr's plain /32, and nothing else", () => {
    fc.assert(
      fc.property(text, range, (t, outer) => {
        const n = dottedQuadV4(t);
        const c = parseCidr(t);
        // -1 leaves the text to parseCidr; a canonical address is always read.
        if (n < 0) return;
        expect(c).toMatchObject({ family: 4, prefix: 32, v4: n });
        expect(containsV4(outer, n)).toBe(contains(outer, c!));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(dottedQuadV4(ip)).toBe(parseCidr(ip)!.v4);
      }),
      { numRuns: 500 },
    );
    expect(dottedQuadV4(" 10.0.3.4 ")).toBe(parseCidr("10.0.3.4")!.v4);
    expect(dottedQuadV4("255.255.255.255")).toBe(0xffffffff);
    expect(dottedQuadV4("010.0.3.4")).toBe(-1);
    expect(dottedQuadV4("10.0.3.4/32")).toBe(-1);
    expect(containsV4(parseCidr("10.0.0.0/8")!, dottedQuadV4("10.200.1.1"))).toBe(true);
    expect(containsV4(parseCidr("10.0.0.0/8")!, dottedQuadV4("11.0.0.1"))).toBe(false);
    expect(containsV4(parseCidr("::/0")!, dottedQuadV4("11.0.0.1"))).toBe(false);
  });
});
