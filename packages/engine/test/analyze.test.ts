// analyze() on the SQLite stores: what one analysis commits (issues, paths, tiers, finding
// priorities, fix plan, the derived generation), and that a crash before the commit leaves the
// previous analysis served.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findingKey } from "@ctem/model";
import type { AppStore, GraphStore, ScanRun, SnapshotOptions } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import { analyze, whatIfStored } from "../src/analyze.js";
import { loadActionCatalog } from "../src/iam/catalog.js";
import type { ActionCatalog } from "../src/iam/catalog.js";
import {
  V53,
  V98,
  arn,
  finding,
  findingFact,
  vectorLookup,
  webEstate,
  withKeyUser,
} from "./analysis-fixtures.js";

let dir: string;
let catalog: ActionCatalog;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-analyze-"));
  catalog = await loadActionCatalog();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(file: string, open = true) {
  const stores = openSqliteStores(path.join(dir, file));
  const facts = withKeyUser(webEstate({ closed: !open })).facts();
  const vulns = [
    finding(arn.instance("i-web1"), "CVE-2099-0005", { vector: V53 }),
    finding(arn.instance("i-batch1"), "CVE-2099-0098", { vector: V98 }),
  ].map(findingFact);
  const keys = new Map<string, ScanRun["collectors"][number]>();
  for (const x of [...(facts.nodes ?? []), ...(facts.edges ?? [])])
    for (const k of x.sources)
      keys.set(`${k.source}|${k.region}|${k.collector}`, { ...k, status: "ok", counts: {} });
  keys.set("import", {
    source: "import:trivy:x",
    region: "global",
    collector: "import-trivy",
    status: "ok",
    counts: {},
  });
  const run: ScanRun = {
    id: `scan-${file}-${open}`,
    trigger: { kind: "adhoc" },
    status: "complete",
    startedAt: "2026-03-01T00:00:00.000Z",
    collectors: [...keys.values()],
  };
  await stores.graph.applyScan(run, [{ ...facts, findings: vulns }]);
  return stores;
}

describe("analyze", () => {
  it("commits issues, paths, tiers, finding priorities, the fix plan and the derived generation", async () => {
    const stores = await load("one.db");
    const r = await analyze(stores, {
      catalog,
      lookup: vectorLookup(),
      now: () => new Date("2026-03-01T01:00:00Z"),
    });
    const current = await stores.app.currentAnalysis();
    expect(current?.id).toBe(r.run.id);
    expect(current?.demo).toBe(false);
    const issues = (await stores.app.listIssues({}, { limit: 100 })).items;
    expect(issues.map((i) => i.rule).sort()).toEqual(["exposed-compute-to-sensitive-data", "key-to-admin"]);
    const web = issues.find((i) => i.rule === "exposed-compute-to-sensitive-data")!;
    expect(web.paths[0]!.hops[0]).toMatchObject({
      from: "internet",
      to: arn.instance("i-web1"),
      edge: "EXPOSES",
    });
    expect(web.remediation.length).toBeGreaterThan(0);
    const tiers = await stores.app.tiers();
    expect(tiers).toContainEqual({
      nodeId: arn.bucket("customer-data"),
      tier: 1,
      reason: "tag-data-classification",
    });
    const prios = await stores.app.findingPriorities();
    expect(prios.map((p) => p.onPath)).toEqual([true, false]);
    expect((await stores.app.fixPlan()).length).toBe(r.analysis.plan.items.length);
    const derived = await stores.graph.neighbours(arn.instance("i-web1"), {
      direction: "both",
      kinds: ["RUNS_AS"],
    });
    expect(derived.map((e) => e.derived)).toEqual([true]);
    expect((r.run.stages ?? []).map((s) => s.name)).toEqual(
      expect.arrayContaining(["snapshot", "derive", "search", "score", "reconcile", "fixplan", "commit"]),
    );
    await stores.close();
  });

  it("assetFilter leaves rejected assets out: no paths through them, no finding priorities", async () => {
    const stores = await load("filter.db");
    const seen: string[] = [];
    const r = await analyze(stores, {
      catalog,
      lookup: vectorLookup(),
      now: () => new Date("2026-03-01T01:00:00Z"),
      assetFilter: (n) => {
        seen.push(n.id);
        return n.id !== arn.instance("i-web1");
      },
    });
    expect(seen).not.toContain("internet");
    expect(seen).toContain(arn.bucket("customer-data"));
    const issues = (await stores.app.listIssues({}, { limit: 100 })).items;
    expect(issues.map((i) => i.rule)).toEqual(["key-to-admin"]);
    for (const i of issues)
      for (const p of i.paths)
        for (const h of p.hops) expect([h.from, h.to]).not.toContain(arn.instance("i-web1"));
    const prios = await stores.app.findingPriorities();
    expect(prios.map((p) => p.onPath)).toEqual([false]);
    expect(prios.map((p) => p.findingKey)).toEqual([
      findingKey(
        arn.instance("i-batch1"),
        "CVE-2099-0098",
        finding(arn.instance("i-batch1"), "CVE-2099-0098").package,
      ),
    ]);
    const internet = (await stores.graph.getNode("internet")) ? 1 : 0;
    expect(r.run.counts?.["nodes"]).toBe(seen.length - 1 + internet);
    // The filter touches this analysis only: without it the web path is back.
    await analyze(stores, { catalog, lookup: vectorLookup(), now: () => new Date("2026-03-01T02:00:00Z") });
    const again = (await stores.app.listIssues({ status: ["open"] }, { limit: 100 })).items;
    expect(again.map((i) => i.rule).sort()).toEqual(["exposed-compute-to-sensitive-data", "key-to-admin"]);
    await stores.close();
  });

  it("what-if on the stores: revoking the web rule would close the web issue and nothing else", async () => {
    const stores = await load("whatif.db");
    await analyze(stores, { catalog, now: () => new Date("2026-03-01T01:00:00Z") });
    const plan = await stores.app.fixPlan();
    const revoke = plan.find((p) => p.id.startsWith("revoke-ingress:"))!;
    const web = (await stores.app.listIssues({ rule: "exposed-compute-to-sensitive-data" }, { limit: 10 }))
      .items[0]!;
    const r = await whatIfStored(stores, [revoke.id], { catalog });
    expect(r.closes).toEqual([web.key]);
    await stores.close();
  });

  it("a crash before the commit leaves the previous analysis, its issues and its derived edges served", async () => {
    const stores = await load("crash.db");
    const first = await analyze(stores, { catalog, now: () => new Date("2026-03-01T01:00:00Z") });
    const before = (await stores.app.listIssues({}, { limit: 100 })).items;
    // Close the internet rule, then crash inside commitAnalysis.
    const closed = await load("crash.db", false);
    const app: AppStore = {
      ...closed.app,
      commitAnalysis: () => Promise.reject(new Error("disk full")),
    };
    await expect(
      analyze({ graph: closed.graph, app }, { catalog, now: () => new Date("2026-03-01T02:00:00Z") }),
    ).rejects.toThrow("disk full");
    expect((await closed.app.currentAnalysis())?.id).toBe(first.run.id);
    expect((await closed.app.listIssues({}, { limit: 100 })).items).toEqual(before);
    const exposes = await closed.graph.neighbours("internet", { direction: "out", kinds: ["EXPOSES"] });
    expect(exposes.map((e) => e.to)).toEqual([arn.instance("i-web1")]);
    // The next analysis that commits resolves the web issue.
    await analyze(closed, { catalog, now: () => new Date("2026-03-01T03:00:00Z") });
    const web = (await closed.app.listIssues({ rule: "exposed-compute-to-sensitive-data" }, { limit: 10 }))
      .items[0]!;
    expect(web.status).toBe("resolved");
    await stores.close();
    await closed.close();
  });

  it("reads the snapshot in the port's order: a node after the findings fails the analysis, naming it", async () => {
    const stores = await load("order.db");
    const node = (await stores.graph.listNodes({}, { limit: 1 })).items[0]!;
    let commits = 0;
    const graph: GraphStore = {
      ...stores.graph,
      // The store's items, then one node more after the findings.
      snapshot: async function* (opts?: SnapshotOptions) {
        yield* stores.graph.snapshot(opts);
        yield { t: "node", v: node };
      } as GraphStore["snapshot"],
    };
    const app: AppStore = {
      ...stores.app,
      commitAnalysis: (...args) => {
        commits++;
        return stores.app.commitAnalysis(...args);
      },
    };
    await expect(analyze({ graph, app }, { catalog })).rejects.toThrow(
      "the graph store's snapshot gave a node after its findings (the order is nodes, edges, findings)",
    );
    expect(commits).toBe(0);
    await stores.close();
  });

  it("a failure while deriving ends the snapshot's reading (the findings are never asked for)", async () => {
    const stores = await load("derive-fail.db");
    let ended = false;
    let findingsRead = 0;
    const graph: GraphStore = {
      ...stores.graph,
      snapshot: async function* (opts?: SnapshotOptions) {
        try {
          for await (const item of stores.graph.snapshot(opts)) {
            if (item.t === "finding") findingsRead++;
            yield item;
          }
        } finally {
          ended = true;
        }
      } as GraphStore["snapshot"],
    };
    const broken = new Proxy({} as ActionCatalog, {
      get() {
        throw new Error("action catalogue unreadable");
      },
    });
    await expect(analyze({ graph, app: stores.app }, { catalog: broken })).rejects.toThrow(
      "action catalogue unreadable",
    );
    expect(ended).toBe(true);
    // Stopped at the first finding (the two-step read), not read to the end.
    expect(findingsRead).toBe(1);
    await stores.close();
  });

  it("a store that cannot read its issues ends the snapshot's reading too", async () => {
    const stores = await load("states-fail.db");
    let ended = false;
    const graph: GraphStore = {
      ...stores.graph,
      snapshot: async function* (opts?: SnapshotOptions) {
        try {
          yield* stores.graph.snapshot(opts);
        } finally {
          ended = true;
        }
      } as GraphStore["snapshot"],
    };
    const app: AppStore = {
      ...stores.app,
      unresolvedIssuePairs: () => Promise.reject(new Error("issues unreadable")),
    };
    await expect(analyze({ graph, app }, { catalog })).rejects.toThrow("issues unreadable");
    expect(ended).toBe(true);
    await stores.close();
  });

  it("a derived-edge write that fails while the search runs fails the analysis before anything is committed", async () => {
    const stores = await load("derived-fail.db");
    const first = await analyze(stores, { catalog, now: () => new Date("2026-03-01T01:00:00Z") });
    const before = (await stores.app.listIssues({}, { limit: 100 })).items;
    let commits = 0;
    let writeStarted = false;
    const graph: GraphStore = {
      ...stores.graph,
      // Fails later, as a worker's write would: after the analysis has moved on.
      replaceDerived: () => {
        writeStarted = true;
        return new Promise((_, reject) =>
          setTimeout(() => reject(new Error("derived write: disk full")), 50),
        );
      },
    };
    const app: AppStore = {
      ...stores.app,
      commitAnalysis: (...args) => {
        commits++;
        return stores.app.commitAnalysis(...args);
      },
    };
    await expect(
      analyze({ graph, app }, { catalog, now: () => new Date("2026-03-01T02:00:00Z") }),
    ).rejects.toThrow("derived write: disk full");
    expect(writeStarted).toBe(true);
    expect(commits).toBe(0);
    expect((await stores.app.currentAnalysis())?.id).toBe(first.run.id);
    expect((await stores.app.listIssues({}, { limit: 100 })).items).toEqual(before);
    await stores.close();
  });
});
