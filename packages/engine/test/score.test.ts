// The score model: DESIGN's seed example on a derived estate, factors that always cite a source,
// unknown never shown as safe, and (property) adding an exposure never lowers any score.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Finding } from "@ctem/model";
import { analyzeEstate } from "../src/analyze.js";
import type { DerivedEdge } from "../src/edges.js";
import { Estate, estateFromFacts } from "../src/graph.js";
import { findingPriorities } from "../src/pipeline/findings.js";
import { createScoreModel } from "../src/score/model.js";
import { band } from "../src/score/priors.js";
import { assessFinding } from "../src/score/vuln.js";
import { paramsForAssets, syntheticEstate } from "../src/synthetic/estate.js";
import { V53, V98, arn, finding, settings, vectorLookup, webEstate } from "./analysis-fixtures.js";

describe("score", () => {
  it("seed: a CVSS 9.8 on an unreachable host ranks below a CVSS 5.3 on an exposed, unauthenticated path to customer data", async () => {
    const web = arn.instance("i-web1");
    const batch = arn.instance("i-batch1");
    const low = finding(web, "CVE-2099-0005", { vector: V53 });
    const high = finding(batch, "CVE-2099-0098", { vector: V98 });
    const a = await analyzeEstate({
      estate: webEstate().estate(),
      findings: [low, high],
      settings: settings(),
      lookup: vectorLookup(),
    });
    const issue = a.observed.find((o) => o.entry.id === web && o.target.id === arn.bucket("customer-data"));
    expect(issue?.rule).toBe("exposed-compute-to-sensitive-data");
    expect(issue?.paths[0]?.hops.map((h) => h.edge)).toEqual(["EXPOSES", "RUNS_AS", "CAN_ACCESS"]);
    const prios = new Map(findingPriorities(a.state, a.pairs).map((p) => [p.findingKey, p]));
    const pLow = prios.get(low.key)!;
    const pHigh = prios.get(high.key)!;
    expect(pLow.onPath).toBe(true);
    expect(pHigh.onPath).toBe(false);
    expect(pHigh.factors.find((f) => f.name === "reachability")?.value).toBe(0);
    expect(pHigh.score).toBeGreaterThan(0); // never shown as safe
    expect(pHigh.score).toBeLessThan(pLow.score);
    // Even when the 9.8 is in KEV, an unreachable host stays below the exposed path.
    const kev = await analyzeEstate({
      estate: webEstate().estate(),
      findings: [low, high],
      settings: settings(),
      lookup: vectorLookup(new Set(["CVE-2099-0098"])),
    });
    const kp = new Map(findingPriorities(kev.state, kev.pairs).map((p) => [p.findingKey, p]));
    expect(kp.get(high.key)!.score).toBeLessThan(kp.get(low.key)!.score);
  });

  it("lists every factor with a name, a value and a source; the score is 10 × likelihood × impact", async () => {
    const a = await analyzeEstate({
      estate: webEstate().estate(),
      findings: [finding(arn.instance("i-web1"), "CVE-2099-0005", { vector: V53 })],
      settings: settings(),
      lookup: vectorLookup(),
    });
    const issue = a.observed[0]!;
    for (const f of issue.factors) {
      expect(f.name.length).toBeGreaterThan(0);
      expect(f.source.length).toBeGreaterThan(0);
    }
    const names = issue.factors.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "entry_likelihood",
        "CVE-2099-0005:cvss",
        "CVE-2099-0005:attack_vector",
        "hop[1]:RUNS_AS:runs_as",
        "hop[2]:CAN_ACCESS:access",
        "target_tier",
        "access_level",
        "impact",
        "likelihood",
      ]),
    );
    const best = a.pairs.get(issue.key)!.paths[0]!.score;
    expect(issue.score).toBeCloseTo(10 * best.likelihood * best.impact, 2);
    expect(issue.severity).toBe(band(issue.score));
  });

  it("ranks a pair's paths on numbers alone: factors are the best path's, the numbers are the same with or without them", async () => {
    const a = await analyzeEstate({
      estate: estateFromFacts(syntheticEstate(paramsForAssets(1500, 7))),
      findings: [],
      settings: settings(),
    });
    let checked = 0;
    for (const pr of a.pairs.values())
      pr.paths.forEach((p, i) => {
        const hops = p.edges.map((e) => a.state.edges[e]!);
        const target = pr.virtualAdmin ? `${pr.targetId}#admin` : pr.targetId;
        const full = a.state.model.scorePath(pr.source.likelihood, hops, target);
        const bare = a.state.model.scorePath(pr.source.likelihood, hops, target, false);
        expect(bare).toEqual({ ...full, factors: [] });
        // The same path given as derived-edge indices into the analysis' edges.
        expect(a.state.model.scorePath(pr.source.likelihood, a.state.edges, target, true, p.edges)).toEqual(
          full,
        );
        expect(a.state.model.scorePath(pr.source.likelihood, a.state.edges, target, false, p.edges)).toEqual(
          bare,
        );
        expect(p.score).toEqual(i === 0 ? full : bare);
        checked++;
      });
    expect(checked).toBeGreaterThan(a.pairs.size);
  });

  it("findings reported the same way share one assessment; any difference in rule, tool, severity or vector is assessed on its own, as assessFinding answers", () => {
    const lookup = vectorLookup();
    const model = createScoreModel({
      nodes: new Map(),
      findingsByAsset: new Map(),
      tiers: new Map(),
      lookup,
    });
    const a = finding(arn.instance("i-a"), "CVE-2099-0005", { vector: V53 });
    const b = finding(arn.instance("i-b"), "CVE-2099-0005", { vector: V53, pkg: "zlib" });
    expect(model.assess(b)).toBe(model.assess(a));
    const variants: Finding[] = [
      finding(arn.instance("i-a"), "CVE-2099-0098", { vector: V53 }),
      finding(arn.instance("i-a"), "CVE-2099-0005", { vector: V98 }),
      finding(arn.instance("i-a"), "CVE-2099-0005"),
      finding(arn.instance("i-a"), "CVE-2099-0005", { severity: "low" }),
      { ...a, sources: [{ ...a.sources[0]!, tool: "another-scanner" }] },
      { ...a, sources: [...a.sources, ...a.sources] },
    ];
    for (const v of variants) {
      expect(model.assess(v)).not.toBe(model.assess(a));
      expect(model.assess(v)).toEqual(assessFinding(v, lookup));
    }
    expect(model.assess(a)).toEqual(assessFinding(a, lookup));
  });

  it("an unknown attack vector counts, with the assumption attack_vector_unknown and theoretical confidence", async () => {
    const web = arn.instance("i-web1");
    const none = await analyzeEstate({
      estate: webEstate().estate(),
      findings: [],
      settings: settings(),
      lookup: vectorLookup(),
    });
    const f = finding(web, "CVE-2099-0777", { severity: "critical" }); // no vector anywhere
    const a = await analyzeEstate({
      estate: webEstate().estate(),
      findings: [f],
      settings: settings(),
      lookup: vectorLookup(),
    });
    const before = none.observed.find((o) => o.entry.id === web)!;
    const after = a.observed.find((o) => o.entry.id === web)!;
    expect(after.score).toBeGreaterThan(before.score);
    expect(before.confidence).toBe("config_confirmed");
    expect(after.confidence).toBe("theoretical");
    const st = a.pairs.get(after.key)!.source.likelihood;
    expect(st.assumptions.map((x) => x.code)).toContain("attack_vector_unknown");
  });

  it("IMDSv2 lowers RUNS_AS; a closed security group removes the issue", async () => {
    const v1 = await analyzeEstate({ estate: webEstate().estate(), findings: [], settings: settings() });
    const v2 = await analyzeEstate({
      estate: webEstate({ imdsv2: true }).estate(),
      findings: [],
      settings: settings(),
    });
    const closed = await analyzeEstate({
      estate: webEstate({ closed: true }).estate(),
      findings: [],
      settings: settings(),
    });
    const s = (x: typeof v1) => x.observed.find((o) => o.entry.id === arn.instance("i-web1"))?.score;
    expect(s(v2)!).toBeLessThan(s(v1)!);
    expect(s(closed)).toBeUndefined();
  });

  // Random attack graphs given as derived edges: adding an EXPOSES edge (a new exposed asset, or
  // one more port on an exposed one) never lowers an issue's score or a finding's priority.
  it("adding an exposure never lowers a score (property)", async () => {
    const world = fc.record({
      computes: fc.integer({ min: 1, max: 5 }),
      exposed: fc.array(fc.tuple(fc.nat(), fc.constantFrom(22, 443, 5432, 8080)), { maxLength: 4 }),
      reach: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 }),
      roles: fc.array(fc.tuple(fc.nat(), fc.constantFrom("required", "optional")), { maxLength: 5 }),
      access: fc.array(fc.tuple(fc.nat(), fc.constantFrom("read", "write", "admin")), { maxLength: 4 }),
      vulns: fc.array(fc.tuple(fc.nat(), fc.constantFrom(V53, V98)), { maxLength: 4 }),
      extra: fc.tuple(fc.nat(), fc.constantFrom(22, 443, 3306)),
    });
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const c = (i: number) => `c${i % w.computes}`;
        const estate = new Estate();
        const src = [{ source: "demo", region: "r", collector: "x" }];
        for (let i = 0; i < w.computes; i++)
          estate.addNode({
            id: `c${i}`,
            kind: "compute",
            type: "aws.ec2.instance",
            name: `c${i}`,
            tags: {},
            props: {},
            sources: src,
          });
        estate.addNode({
          id: "sg",
          kind: "firewall",
          type: "aws.ec2.security_group",
          name: "sg",
          tags: {},
          props: {},
          sources: src,
        });
        estate.addNode({
          id: "role",
          kind: "identity",
          type: "aws.iam.role",
          name: "role",
          tags: {},
          props: {},
          sources: src,
        });
        estate.addNode({
          id: "db",
          kind: "data_store",
          type: "aws.s3.bucket",
          name: "db",
          tags: { "crown-jewel": "true" },
          props: {},
          sources: src,
        });
        const edge = (
          from: string,
          kind: DerivedEdge["kind"],
          to: string,
          props: Record<string, unknown> = {},
        ): DerivedEdge => ({
          from,
          kind,
          to,
          props: { rules: ["t"], ...props },
          evidence: [{ source: "t", ref: `${from}>${to}` }],
          assumptions: [],
        });
        const merged = new Map<string, DerivedEdge>();
        const put = (e: DerivedEdge) => {
          const k = `${e.from}|${e.kind}|${e.to}`;
          const prev = merged.get(k);
          if (prev && Array.isArray(prev.props.ports) && Array.isArray(e.props.ports))
            prev.props.ports = [...(prev.props.ports as unknown[]), ...(e.props.ports as unknown[])];
          else if (!prev) merged.set(k, e);
        };
        const port = (p: number) => ({ ports: [{ protocol: "tcp", from: p, to: p, label: `tcp/${p}` }] });
        for (const [i, p] of w.exposed) put(edge(INTERNET_NODE_ID, "EXPOSES", c(i), port(p)));
        for (const [a, b] of w.reach) {
          put(edge(c(a), "CAN_REACH", "sg"));
          put(edge("sg", "CAN_REACH", c(b)));
        }
        for (const [i, t] of w.roles) put(edge(c(i), "RUNS_AS", "role", { httpTokens: t }));
        for (const [, level] of w.access.slice(0, 1)) put(edge("role", "CAN_ACCESS", "db", { level }));
        const findings: Finding[] = w.vulns.map(([i, v], j) =>
          finding(c(i), `CVE-2099-${1000 + j}`, { vector: v }),
        );
        const derived = (extra: boolean) => {
          const m = new Map([...merged].map(([k, e]) => [k, { ...e, props: { ...e.props } }]));
          if (extra) {
            const e = edge(INTERNET_NODE_ID, "EXPOSES", c(w.extra[0]), port(w.extra[1]));
            const k = `${e.from}|${e.kind}|${e.to}`;
            const prev = m.get(k);
            if (prev)
              prev.props.ports = [...(prev.props.ports as unknown[]), ...(e.props.ports as unknown[])];
            else m.set(k, e);
          }
          return {
            edges: [...m.values()],
            entries: [
              {
                id: INTERNET_NODE_ID,
                reason: "internet",
                evidence: [{ source: "engine", ref: "internet" }],
                assumptions: [],
              },
            ],
            adminEquivalent: [],
            stats: { ms: {}, edges: {} },
          };
        };
        const run = async (extra: boolean) => {
          const a = await analyzeEstate({
            estate,
            findings,
            settings: settings(),
            lookup: vectorLookup(),
            derived: derived(extra),
          });
          return {
            issues: new Map(a.observed.map((o) => [o.key, o.score])),
            prios: new Map(findingPriorities(a.state, a.pairs).map((p) => [p.findingKey, p.score])),
          };
        };
        const before = await run(false);
        const after = await run(true);
        for (const [k, s] of before.issues) expect(after.issues.get(k)).toBeGreaterThanOrEqual(s);
        for (const [k, s] of before.prios) expect(after.prios.get(k)).toBeGreaterThanOrEqual(s);
      }),
      { numRuns: 150 },
    );
  });
});
