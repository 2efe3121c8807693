// A bare IPv4 address parses as its own /32 without the second parse: the same range as `a/32`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contains, parseCidr } from "./cidr.js";

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
