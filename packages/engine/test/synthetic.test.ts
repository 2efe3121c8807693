// The synthetic estate: deterministic by seed, sized by parameters, valid facts, and rich enough
// that derive finds every attack edge kind, entries and admins in it.
import { describe, expect, it } from "vitest";
import { EdgeFact, FindingFact, NodeFact } from "@ctem/model";
import { derive } from "../src/derive.js";
import { estateFromFacts } from "../src/graph.js";
import { loadActionCatalog } from "../src/iam/catalog.js";
import { cvePackages } from "../src/synthetic/cves.js";
import { paramsForAssets, syntheticEstate, syntheticKeys } from "../src/synthetic/estate.js";

const count = (seed: number, assets: number) => {
  let nodes = 0;
  let edges = 0;
  let findings = 0;
  for (const c of syntheticEstate(paramsForAssets(assets, seed))) {
    nodes += c.nodes?.length ?? 0;
    edges += c.edges?.length ?? 0;
    findings += c.findings?.length ?? 0;
  }
  return { nodes, edges, findings };
};

describe("synthetic estate", () => {
  it("is the same for the same seed and differs for another", () => {
    const a = JSON.stringify([...syntheticEstate(paramsForAssets(1500, 7))]);
    expect(JSON.stringify([...syntheticEstate(paramsForAssets(1500, 7))])).toBe(a);
    expect(JSON.stringify([...syntheticEstate(paramsForAssets(1500, 8))])).not.toBe(a);
  });

  it("is sized by its parameters (within 20% of the asked asset count)", () => {
    for (const n of [2_000, 10_000]) {
      const c = count(1, n);
      expect(c.nodes).toBeGreaterThan(n * 0.8);
      expect(c.nodes).toBeLessThan(n * 1.2);
    }
  });

  it("writes facts the store accepts, claimed by the collectors syntheticKeys names", () => {
    const p = paramsForAssets(3_000, 3);
    const keys = new Set(syntheticKeys(p).map((k) => `${k.source}|${k.region}|${k.collector}`));
    for (const c of syntheticEstate(p)) {
      for (const n of c.nodes ?? []) {
        NodeFact.parse(n);
        for (const k of n.sources) expect(keys.has(`${k.source}|${k.region}|${k.collector}`)).toBe(true);
      }
      for (const e of c.edges ?? []) EdgeFact.parse(e);
      for (const f of c.findings ?? []) FindingFact.parse(f);
    }
  });

  it("uses real CVE tuples, KEV ones included", () => {
    const table = cvePackages();
    expect(table.length).toBe(53);
    expect(
      table
        .filter((t) => t.kev)
        .map((t) => t.cve)
        .sort(),
    ).toEqual(["CVE-2020-15999", "CVE-2022-22965"]);
    const used = new Set<string>();
    for (const c of syntheticEstate(paramsForAssets(5_000, 1)))
      for (const f of c.findings ?? []) used.add(f.ruleId);
    expect(used.has("CVE-2022-22965") || used.has("CVE-2020-15999")).toBe(true);
  });

  it("derive finds every attack edge kind, key entries, admins and escalations in it", async () => {
    const g = estateFromFacts(syntheticEstate(paramsForAssets(3_000, 1)));
    const r = await derive(g, { catalog: await loadActionCatalog() });
    for (const k of ["EXPOSES", "CAN_REACH", "RUNS_AS", "CAN_ACCESS", "CAN_ASSUME", "CAN_ESCALATE"])
      expect(r.stats.edges[k] ?? 0, k).toBeGreaterThan(0);
    expect(r.entries.filter((e) => e.reason === "access_key").length).toBeGreaterThan(0);
    expect(r.adminEquivalent.length).toBeGreaterThan(0);
    // The hub model: no instance reaches another instance directly.
    expect(
      r.edges.some(
        (e) => e.kind === "CAN_REACH" && e.from.includes(":instance/") && e.to.includes(":instance/"),
      ),
    ).toBe(false);
  });
});
