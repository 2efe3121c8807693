// sortByScoreThenKey against the comparator sort it replaces: the same order, item for item.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortByScoreThenKey } from "../src/pipeline/order.js";

interface Item {
  score: number;
  key: string;
  n: number;
}

const reference = (items: Item[]): Item[] =>
  items.slice().sort((a, b) => b.score - a.score || a.key.localeCompare(b.key));
const fast = (items: Item[]): Item[] =>
  sortByScoreThenKey(
    items.slice(),
    (i) => i.score,
    (i) => i.key,
  );

const hex = (len: number) =>
  fc.array(fc.constantFrom(..."0123456789abcdef"), { minLength: len, maxLength: len }).map((a) => a.join(""));
// Few scores and keys sharing long prefixes: many ties on both.
const score = fc.integer({ min: 0, max: 1000 }).map((k) => Math.round(k) / 100);
const item = (key: fc.Arbitrary<string>) =>
  fc.record({ score: fc.oneof(score, fc.constantFrom(0, 0.5, 2.25, 10)), key });

const numbered = (items: Array<{ score: number; key: string }>): Item[] => items.map((x, n) => ({ ...x, n }));

describe("sortByScoreThenKey", () => {
  it("orders hashed keys as the comparator sort does (ties on score, leading digits and whole keys)", () => {
    fc.assert(
      fc.property(
        fc.array(
          item(
            fc.oneof(
              hex(24),
              hex(32),
              hex(12).map((h) => `000000000000${h}`),
              fc.constant("00000000000000000000000a"),
            ),
          ),
          { maxLength: 300 },
        ),
        (raw) => {
          const items = numbered(raw);
          expect(fast(items)).toEqual(reference(items));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("falls back to the comparator for keys that are not hex and scores without two decimals", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            score: fc.oneof(score, fc.double({ min: 0, max: 10, noNaN: true })),
            key: fc.oneof(hex(24), fc.string(), fc.constantFrom("ABCDEF12", "abc", "é0000000", "Z")),
          }),
          { maxLength: 200 },
        ),
        (raw) => {
          const items = numbered(raw);
          expect(fast(items)).toEqual(reference(items));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps equal items in their places and sorts 100k items the same way", () => {
    const items: Item[] = [];
    let x = 12345;
    const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 100_000; n++) {
      const key = (next().toString(16) + next().toString(16)).padStart(16, "0").slice(0, 16);
      items.push({ score: (next() % 40) / 4, key: n % 7 === 0 ? "0123456789abcdef" : key, n });
    }
    const got = fast(items);
    expect(got.map((i) => i.n)).toEqual(reference(items).map((i) => i.n));
  });
});
