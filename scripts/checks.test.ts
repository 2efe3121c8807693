// The repository checks themselves must be able to fail.
import { describe, expect, it } from "vitest";
import { allowed } from "./check-licences.js";
import { findSharedPaths } from "./check-shared-paths.js";

describe("licence check", () => {
  it("refuses copyleft and unknown licences, accepts permissive ones and permissive alternatives", () => {
    for (const ok of [
      "MIT",
      "Apache-2.0",
      "ISC",
      "BSD-3-Clause",
      "(MIT OR GPL-3.0-or-later)",
      "0BSD",
      "(MIT OR WTFPL)",
      "BlueOak-1.0.0",
    ])
      expect(allowed(ok), ok).toBe(true);
    for (const bad of [
      "AGPL-3.0-only",
      "GPL-2.0",
      "LGPL-3.0",
      "EPL-2.0",
      "SSPL-1.0",
      "UNLICENSED",
      "UNKNOWN",
      "(GPL-2.0 OR EPL-1.0)",
      "SEE LICENSE IN LICENSE.md",
    ])
      expect(allowed(bad), bad).toBe(false);
  });
});

describe("shared-path check", () => {
  it("finds paths into ../shared in code but not in markdown", () => {
    const files: Record<string, string> = {
      "a.ts": 'const f = "../shared/data/kev/x.json";',
      "b.ts": "readFileSync(path.join(root, '..', '..', 'shared'))\nconst ok = 1;",
      "c.ts": 'const p = "../../shared/DESIGN.md";',
      "d.ts": 'const p = "/work/shared/data";',
      "e.md": "copied from ../shared/data/kev",
      "f.ts": 'const p = "./shared-utils.js"; const q = "../sharedThing";',
    };
    const hits = findSharedPaths(Object.keys(files), (f) => files[f]!);
    expect(hits.map((h) => h.split(":")[0])).toEqual(["a.ts", "b.ts", "c.ts", "d.ts"]);
  });
});
