// intersects and covers trim the literal ends before searching: they must answer exactly as the
// plain search over the whole patterns does (kept here as the reference).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { covers, intersects } from "./glob.js";

function intersectsReference(a: string, b: string): boolean {
  if (a === "*" || b === "*") return true;
  const memo = new Map<number, boolean>();
  const w = b.length + 1;
  const go = (i: number, j: number): boolean => {
    const k = i * w + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i] === "*") r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === "*") r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i < a.length && j < b.length && (a[i] === "?" || b[j] === "?" || a[i] === b[j]))
      r = go(i + 1, j + 1);
    else r = false;
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

function coversReference(pattern: string, target: string): boolean {
  if (pattern === "*") return true;
  const memo = new Map<number, boolean>();
  const w = target.length + 1;
  const go = (i: number, j: number): boolean => {
    const k = i * w + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === pattern.length) r = j === target.length;
    else if (pattern[i] === "*") r = go(i + 1, j) || (j < target.length && go(i, j + 1));
    else if (j === target.length) r = false;
    else if (target[j] === "*") r = false;
    else r = (pattern[i] === "?" || pattern[i] === target[j]) && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

const pattern = fc
  .array(fc.constantFrom("a", "b", ":", "/", "*", "?"), { maxLength: 9 })
  .map((x) => x.join(""));
const word = fc.array(fc.constantFrom("a", "b", ":", "/"), { maxLength: 9 }).map((x) => x.join(""));
const arnLike = fc
  .tuple(
    fc.constantFrom("arn:aws:s3:::", "arn:aws:iam::1:role/", ""),
    pattern,
    fc.constantFrom("", "/*", "*"),
  )
  .map((x) => x.join(""));

describe("IAM wildcard search with trimmed ends", () => {
  it("intersects and covers agree with the untrimmed search", () => {
    fc.assert(
      fc.property(fc.oneof(pattern, arnLike, word), fc.oneof(pattern, arnLike, word), (a, b) => {
        expect(intersects(a, b)).toBe(intersectsReference(a, b));
        expect(covers(a, b)).toBe(coversReference(a, b));
      }),
      { numRuns: 3000 },
    );
  });

  it("answers the shapes IAM uses", () => {
    expect(intersects("arn:aws:s3:::b*", "arn:aws:s3:::bucket/*")).toBe(true);
    expect(intersects("arn:aws:s3:::c*", "arn:aws:s3:::bucket/*")).toBe(false);
    expect(intersects("arn:aws:s3:::b?cket", "arn:aws:s3:::bucket")).toBe(true);
    expect(covers("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/*")).toBe(true);
    expect(covers("arn:aws:s3:::bucket/a*", "arn:aws:s3:::bucket/*")).toBe(false);
    expect(covers("arn:aws:s3:::b?cket/*", "arn:aws:s3:::bucket/*")).toBe(true);
    expect(covers("arn:aws:s3:::*", "arn:aws:s3:::bucket")).toBe(true);
  });
});
