// docs/scoring.md lists every prior of the score model with its value; a prior added, removed or
// changed in score/priors.ts without the docs fails here.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PRIORS } from "../src/score/priors.js";

const doc = readFileSync(fileURLToPath(new URL("../../../docs/scoring.md", import.meta.url)), "utf8");

describe("docs/scoring.md", () => {
  it("has one row per prior, with its value and its reason", () => {
    const rows = new Map<string, { value: string; why: string }>();
    for (const m of doc.matchAll(/^\| `([a-z0-9_]+)` +\| ([0-9.]+) +\| (.+?) *\|$/gm))
      rows.set(m[1]!, { value: m[2]!, why: m[3]! });
    expect([...rows.keys()].sort()).toEqual(Object.keys(PRIORS).sort());
    for (const [name, p] of Object.entries(PRIORS)) {
      expect(Number(rows.get(name)!.value)).toBe(p.value);
      expect(rows.get(name)!.why).toBe(p.why);
    }
  });
});
