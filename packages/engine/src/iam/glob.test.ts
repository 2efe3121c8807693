// intersects and covers trim the literal ends before searching: they must answer exactly as the
// plain search over the whole patterns does (the reference).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { covers, coversSearch, intersects, intersectsSearch } from "./glob.js";

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
        expect(intersects(a, b)).toBe(intersectsSearch(a, b));
        expect(covers(a, b)).toBe(coversSearch(a, b));
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
