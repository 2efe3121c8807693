// The GraphStore contract suite (CONVENTIONS 7): one suite, run against every adapter (SQLite here,
// Neo4j where NEO4J_URI is set). Test-only: imported from test files, never from runtime code.
import { describe, expect, it } from "vitest";
import type {
  CollectorRun,
  DerivedEdgeFact,
  Edge,
  EdgeFact,
  Finding,
  FindingFact,
  GraphFacts,
  GraphStore,
  Node,
  NodeFact,
  ScanRun,
  SourceKey,
} from "@ctem/model";

export interface ContractHandle {
  store: GraphStore;
  /** Close and remove whatever the adapter created. */
  dispose(): Promise<void>;
}

export type MakeGraphStore = () => Promise<ContractHandle>;

// --- fact builders -------------------------------------------------------------------------------

export const key = (source: string, region: string, collector: string): SourceKey => ({
  source,
  region,
  collector,
});

export function nodeFact(id: string, k: SourceKey, over: Partial<NodeFact> = {}): NodeFact {
  return {
    id,
    kind: "compute",
    type: "aws.ec2.instance",
    provider: "aws",
    accountId: "111122223333",
    region: k.region === "global" ? undefined : k.region,
    name: id.split("/").pop() ?? id,
    tags: {},
    props: {},
    sources: [k],
    ...over,
  };
}

export function edgeFact(
  from: string,
  kind: EdgeFact["kind"],
  to: string,
  k: SourceKey,
  over: Partial<EdgeFact> = {},
): EdgeFact {
  return { from, kind, to, props: {}, evidence: [], assumptions: [], sources: [k], ...over };
}

export function vulnFact(
  cve: string,
  resourceId: string,
  k: SourceKey,
  tool: string,
  over: Partial<FindingFact> = {},
): FindingFact {
  return {
    kind: "vulnerability",
    ruleId: cve,
    package: "openssl",
    installedVersion: "3.0.1",
    fixedVersion: "3.0.7",
    resource: { ids: [resourceId] },
    props: {},
    sources: [{ tool, sourceKey: k, severity: "high" }],
    ...over,
  };
}

let runSeq = 0;
/** A scan run whose collectors are the given keys (ok unless listed in `failed`). */
export function scanRun(
  keys: SourceKey[],
  opts: { failed?: SourceKey[]; at?: string; kind?: "scope" | "adhoc" | "import" | "demo" } = {},
): ScanRun {
  runSeq++;
  const failed = new Set((opts.failed ?? []).map((k) => `${k.source}|${k.region}|${k.collector}`));
  const collectors: CollectorRun[] = keys.map((k) => ({
    ...k,
    status: failed.has(`${k.source}|${k.region}|${k.collector}`) ? "failed" : "ok",
    counts: {},
  }));
  const at = opts.at ?? new Date(Date.UTC(2026, 0, 1, 0, 0, runSeq)).toISOString();
  return {
    id: `run-${runSeq}-${Math.random().toString(36).slice(2, 8)}`,
    trigger: { kind: opts.kind ?? "adhoc" },
    status: failed.size ? "partial" : "complete",
    startedAt: at,
    collectors,
  };
}

export async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export async function graphState(
  store: GraphStore,
): Promise<{ nodes: Map<string, Node>; edges: Map<string, Edge>; findings: Finding[] }> {
  const nodes = new Map<string, Node>();
  const edges = new Map<string, Edge>();
  const findings: Finding[] = [];
  for await (const item of store.snapshot()) {
    if (item.t === "node") nodes.set(item.v.id, item.v);
    else if (item.t === "edge")
      edges.set(`${item.v.from} -${item.v.kind}-> ${item.v.to}${item.v.derived ? " (derived)" : ""}`, item.v);
    else findings.push(item.v);
  }
  return { nodes, edges, findings };
}

const ids = (m: Map<string, unknown>) => [...m.keys()].sort();

// --- the suite -----------------------------------------------------------------------------------

export function describeGraphStoreContract(adapter: string, make: MakeGraphStore): void {
  const withStore = (fn: (s: GraphStore) => Promise<void>) => async () => {
    const h = await make();
    try {
      await fn(h.store);
    } finally {
      await h.dispose();
    }
  };

  const acct = "aws:111122223333";
  const ec2 = key(acct, "us-east-1", "aws-ec2-instances");
  const sg = key(acct, "us-east-1", "aws-ec2-security-groups");
  const ec2West = key(acct, "eu-west-1", "aws-ec2-instances");
  const i1 = "arn:aws:ec2:us-east-1:111122223333:instance/i-0000000000000001";
  const i2 = "arn:aws:ec2:us-east-1:111122223333:instance/i-0000000000000002";
  const w1 = "arn:aws:ec2:eu-west-1:111122223333:instance/i-00000000000000w1";
  const g1 = "arn:aws:ec2:us-east-1:111122223333:security-group/sg-01";
  const chunks = (...c: GraphFacts[]) => c;

  describe(`GraphStore contract: ${adapter}`, () => {
    it(
      "writes nodes and edges with their claims and reads them back",
      withStore(async (s) => {
        const run = scanRun([ec2, sg]);
        const sum = await s.applyScan(
          run,
          chunks(
            { nodes: [nodeFact(i1, ec2, { tags: { env: "prod" }, props: { publicIp: "203.0.113.10" } })] },
            {
              nodes: [nodeFact(g1, sg, { kind: "firewall", type: "aws.ec2.security_group" })],
              edges: [edgeFact(i1, "PROTECTED_BY", g1, sg)],
            },
          ),
        );
        expect(sum.written).toEqual({ nodes: 2, edges: 1, findings: 0 });
        const n = await s.getNode(i1);
        expect(n).toMatchObject({
          id: i1,
          kind: "compute",
          type: "aws.ec2.instance",
          tags: { env: "prod" },
          stub: false,
        });
        expect(n?.props).toEqual({ publicIp: "203.0.113.10" });
        expect(n?.sources).toEqual([ec2]);
        expect(n?.firstSeen).toBe(run.startedAt);
        const out = await s.neighbours(i1, { direction: "out" });
        expect(out.map((e) => [e.from, e.kind, e.to, e.derived])).toEqual([[i1, "PROTECTED_BY", g1, false]]);
        expect(out[0]?.sources).toEqual([sg]);
        const into = await s.neighbours(g1, { direction: "in" });
        expect(into).toHaveLength(1);
        expect(await s.neighbours(g1, { direction: "in", kinds: ["CONTAINS"] })).toEqual([]);
      }),
    );

    it(
      "re-applying the same scan changes nothing but lastSeen",
      withStore(async (s) => {
        const facts = (k: SourceKey) =>
          chunks({ nodes: [nodeFact(i1, k), nodeFact(i2, k)], edges: [edgeFact(i1, "CAN_REACH", i2, k)] });
        const r1 = scanRun([ec2]);
        await s.applyScan(r1, facts(ec2));
        const before = await graphState(s);
        const r2 = scanRun([ec2]);
        const sum = await s.applyScan(r2, facts(ec2));
        const after = await graphState(s);
        expect(ids(after.nodes)).toEqual(ids(before.nodes));
        expect(ids(after.edges)).toEqual(ids(before.edges));
        expect(sum.deleted).toEqual({ nodes: 0, edges: 0, findings: 0 });
        expect(after.nodes.get(i1)?.firstSeen).toBe(r1.startedAt);
        expect(after.nodes.get(i1)?.lastSeen).toBe(r2.startedAt);
        const strip = (n: Node | undefined) => n && { ...n, lastSeen: "" };
        expect(strip(after.nodes.get(i1))).toEqual(strip(before.nodes.get(i1)));
      }),
    );

    it(
      "an item an ok collector no longer returns is removed, with its edges",
      withStore(async (s) => {
        await s.applyScan(
          scanRun([ec2]),
          chunks({
            nodes: [nodeFact(i1, ec2), nodeFact(i2, ec2)],
            edges: [edgeFact(i1, "CAN_REACH", i2, ec2)],
          }),
        );
        const sum = await s.applyScan(scanRun([ec2]), chunks({ nodes: [nodeFact(i1, ec2)] }));
        expect(await s.getNode(i2)).toBeUndefined();
        expect(await s.neighbours(i1, { direction: "both" })).toEqual([]);
        expect(sum.deleted).toEqual({ nodes: 1, edges: 1, findings: 0 });
        expect((await s.getNode(i1))?.stub).toBe(false);
      }),
    );

    it(
      "a failed collector removes nothing of its own, and still adds what it returned",
      withStore(async (s) => {
        await s.applyScan(
          scanRun([ec2, sg]),
          chunks({
            nodes: [
              nodeFact(i1, ec2),
              nodeFact(g1, sg, { kind: "firewall", type: "aws.ec2.security_group" }),
            ],
          }),
        );
        // The instance listing was denied this time: it returned nothing, and nothing of it may go.
        const sum = await s.applyScan(
          scanRun([ec2, sg], { failed: [ec2] }),
          chunks({ nodes: [nodeFact(g1, sg, { kind: "firewall", type: "aws.ec2.security_group" })] }),
        );
        expect(await s.getNode(i1)).toBeDefined();
        expect(sum.collectors.find((c) => c.collector === "aws-ec2-instances")).toMatchObject({
          status: "failed",
          cleanedUp: false,
        });
        // A partial listing that failed midway: what it returned is added, what it missed stays.
        await s.applyScan(scanRun([ec2], { failed: [ec2] }), chunks({ nodes: [nodeFact(i2, ec2)] }));
        expect(await s.getNode(i1)).toBeDefined();
        expect(await s.getNode(i2)).toBeDefined();
      }),
    );

    it(
      "a second region's data survives a scan of the first",
      withStore(async (s) => {
        await s.applyScan(
          scanRun([ec2, ec2West]),
          chunks({ nodes: [nodeFact(i1, ec2), nodeFact(w1, ec2West)] }),
        );
        await s.applyScan(scanRun([ec2]), chunks({ nodes: [] }));
        expect(await s.getNode(i1)).toBeUndefined();
        expect((await s.getNode(w1))?.sources).toEqual([ec2West]);
      }),
    );

    it(
      "an ad-hoc scan, then a scope scan of the same account, then a disappearance",
      withStore(async (s) => {
        await s.applyScan(
          scanRun([ec2], { kind: "adhoc" }),
          chunks({ nodes: [nodeFact(i1, ec2), nodeFact(i2, ec2)] }),
        );
        // Same source "aws:<account>": the scope scan renews the ad-hoc scan's claims, no duplicates.
        await s.applyScan(
          scanRun([ec2], { kind: "scope" }),
          chunks({ nodes: [nodeFact(i1, ec2), nodeFact(i2, ec2)] }),
        );
        expect((await s.getNode(i1))?.sources).toEqual([ec2]);
        expect((await s.listNodes({}, { limit: 10 })).items.map((n) => n.id)).toEqual([i1, i2]);
        await s.applyScan(scanRun([ec2], { kind: "scope" }), chunks({ nodes: [nodeFact(i1, ec2)] }));
        expect(await s.getNode(i2)).toBeUndefined();
        expect(await s.getNode(i1)).toBeDefined();
      }),
    );

    it(
      "a node described by two collectors merges their props and keeps the other's after one drops it",
      withStore(async (s) => {
        const insp = key(acct, "us-east-1", "aws-inspector2");
        await s.applyScan(
          scanRun([ec2, insp]),
          chunks({
            nodes: [
              nodeFact(i1, ec2, { props: { publicIp: "203.0.113.10", state: "running" } }),
              nodeFact(i1, insp, { props: { inspectorCoverage: "active" } }),
            ],
          }),
        );
        expect((await s.getNode(i1))?.props).toEqual({
          publicIp: "203.0.113.10",
          state: "running",
          inspectorCoverage: "active",
        });
        expect((await s.getNode(i1))?.sources).toHaveLength(2);
        // The EC2 listing now returns it without a public IP: the stale value must not survive.
        await s.applyScan(
          scanRun([ec2]),
          chunks({ nodes: [nodeFact(i1, ec2, { props: { state: "running" } })] }),
        );
        expect((await s.getNode(i1))?.props).toEqual({ state: "running", inspectorCoverage: "active" });
        await s.applyScan(scanRun([ec2]), chunks({ nodes: [] }));
        expect((await s.getNode(i1))?.sources).toEqual([insp]);
        expect((await s.getNode(i1))?.props).toEqual({ inspectorCoverage: "active" });
      }),
    );

    it(
      "an edge to an undescribed endpoint gets a stub, which a description replaces and which goes with its last edge",
      withStore(async (s) => {
        const role = "arn:aws:iam::111122223333:instance-profile/web";
        const iam = key(acct, "global", "aws-iam");
        const sum = await s.applyScan(
          scanRun([ec2]),
          chunks({ nodes: [nodeFact(i1, ec2)], edges: [edgeFact(i1, "HAS_ROLE", role, ec2)] }),
        );
        expect(sum.stubsCreated).toBe(1);
        expect(await s.getNode(role)).toMatchObject({
          id: role,
          kind: "unknown",
          stub: true,
          sources: [],
          provider: "aws",
        });
        await s.applyScan(
          scanRun([iam]),
          chunks({
            nodes: [nodeFact(role, iam, { kind: "identity", type: "aws.iam.instance_profile", name: "web" })],
          }),
        );
        expect(await s.getNode(role)).toMatchObject({ kind: "identity", stub: false, name: "web" });
        // IAM no longer lists it, but the instance still points at it: back to a stub.
        await s.applyScan(scanRun([iam]), chunks({ nodes: [] }));
        expect(await s.getNode(role)).toMatchObject({ kind: "unknown", stub: true, props: {} });
        // The instance's edge goes: nothing keeps the stub.
        await s.applyScan(scanRun([ec2]), chunks({ nodes: [nodeFact(i1, ec2)] }));
        expect(await s.getNode(role)).toBeUndefined();
      }),
    );

    it(
      "the same CVE on the same asset and package from two scanners is one finding with two sources",
      withStore(async (s) => {
        const trivy = key("import:trivy:host-1", "global", "import-trivy");
        const grype = key("import:grype:host-1", "global", "import-grype");
        await s.applyScan(scanRun([ec2]), chunks({ nodes: [nodeFact(i1, ec2)] }));
        const cve = (k: SourceKey) =>
          nodeFact("cve:CVE-2024-3400", k, {
            kind: "vulnerability",
            type: "cve",
            provider: "generic",
            accountId: undefined,
            region: undefined,
            name: "CVE-2024-3400",
          });
        const s1 = await s.applyScan(
          scanRun([trivy], { kind: "import" }),
          chunks({
            nodes: [cve(trivy)],
            findings: [vulnFact("CVE-2024-3400", "i-0000000000000001", trivy, "trivy")],
          }),
        );
        expect(s1.findings).toMatchObject({ matched: 1, unmatched: 0, merged: 0 });
        const s2 = await s.applyScan(
          scanRun([grype], { kind: "import" }),
          chunks({ nodes: [cve(grype)], findings: [vulnFact("CVE-2024-3400", i1, grype, "grype")] }),
        );
        expect(s2.findings).toMatchObject({ matched: 1, merged: 1 });
        const f = (await s.listFindings({ assetRef: i1 }, { limit: 10 })).items;
        expect(f).toHaveLength(1);
        expect(f[0]?.matched).toBe(true);
        expect(f[0]?.sources.map((x) => x.tool).sort()).toEqual(["grype", "trivy"]);
        // Two imports share the CVE node: dropping it from one keeps it for the other.
        await s.applyScan(scanRun([trivy], { kind: "import" }), chunks({}));
        expect(await s.getNode("cve:CVE-2024-3400")).toBeDefined();
        expect((await s.listFindings({}, { limit: 10 })).items[0]?.sources.map((x) => x.tool)).toEqual([
          "grype",
        ]);
        await s.applyScan(scanRun([grype], { kind: "import" }), chunks({}));
        expect(await s.getNode("cve:CVE-2024-3400")).toBeUndefined();
        expect((await s.listFindings({}, { limit: 10 })).items).toEqual([]);
      }),
    );

    it(
      "an unmatched finding is kept, visible, and matched after a later scan describes its asset",
      withStore(async (s) => {
        const insp = key("import:inspector2:111122223333", "global", "import-inspector2");
        await s.applyScan(
          scanRun([insp], { kind: "import" }),
          chunks({ findings: [vulnFact("CVE-2023-44487", "i-0000000000000002", insp, "inspector2")] }),
        );
        const before = (await s.listFindings({ matched: false }, { limit: 10 })).items;
        expect(before.map((f) => f.assetRef)).toEqual(["unmatched:i-0000000000000002"]);
        const sum = await s.applyScan(scanRun([ec2]), chunks({ nodes: [nodeFact(i2, ec2)] }));
        expect(sum.findings.rematched).toBe(1);
        const after = (await s.listFindings({}, { limit: 10 })).items;
        expect(after).toHaveLength(1);
        expect(after[0]).toMatchObject({ assetRef: i2, matched: true, ruleId: "CVE-2023-44487" });
        expect(after[0]?.sources[0]?.firstSeen).toBe(before[0]?.sources[0]?.firstSeen);
        // The asset goes away: the finding is unmatched again, never dropped.
        await s.applyScan(scanRun([ec2]), chunks({}));
        expect((await s.listFindings({}, { limit: 10 })).items.map((f) => f.assetRef)).toEqual([
          "unmatched:i-0000000000000002",
        ]);
      }),
    );

    it(
      "removeSource drops one source's claims and what is left unclaimed",
      withStore(async (s) => {
        const demo = key("demo", "global", "demo-estate");
        await s.applyScan(
          scanRun([demo], { kind: "demo" }),
          chunks({
            nodes: [nodeFact(i1, demo), nodeFact(i2, demo)],
            edges: [edgeFact(i1, "CAN_REACH", i2, demo)],
          }),
        );
        await s.applyScan(scanRun([ec2]), chunks({ nodes: [nodeFact(i2, ec2)] }));
        await s.removeSource("demo");
        expect(await s.getNode(i1)).toBeUndefined();
        expect((await s.getNode(i2))?.sources).toEqual([ec2]);
        expect(await s.neighbours(i2, { direction: "both" })).toEqual([]);
      }),
    );

    it(
      "facts failing the schema are refused with the item id and field, and nothing of that scan is written",
      withStore(async (s) => {
        await s.applyScan(scanRun([ec2]), chunks({ nodes: [nodeFact(i1, ec2)] }));
        const bad = { ...nodeFact(i2, ec2), kind: "spaceship" } as unknown as NodeFact;
        const run = scanRun([ec2]);
        await expect(
          s.applyScan(run, chunks({ nodes: [nodeFact(w1, ec2)] }, { nodes: [bad] })),
        ).rejects.toThrow(new RegExp(`node '${i2.replace(/[/.]/g, "\\$&")}': field kind`));
        // Nothing of the failed scan: w1 was not added, i1 was not cleaned up.
        expect(await s.getNode(w1)).toBeUndefined();
        expect(await s.getNode(i1)).toBeDefined();
        const badEdge = { ...edgeFact(i1, "CAN_REACH", i2, ec2), from: "" };
        await expect(s.applyScan(scanRun([ec2]), chunks({ edges: [badEdge] }))).rejects.toThrow(
          /edge .*field from/,
        );
        const foreign = nodeFact(i2, key(acct, "us-east-1", "aws-rds"));
        await expect(s.applyScan(scanRun([ec2]), chunks({ nodes: [foreign] }))).rejects.toThrow(
          /field sources: claim .*aws-rds names no collector/,
        );
        expect(await s.getNode(i2)).toBeUndefined();
      }),
    );

    it(
      "a chunk stream that throws leaves the store as it was",
      withStore(async (s) => {
        await s.applyScan(scanRun([ec2]), chunks({ nodes: [nodeFact(i1, ec2)] }));
        async function* broken(): AsyncGenerator<GraphFacts> {
          yield { nodes: [nodeFact(i2, ec2)] };
          await new Promise((r) => setTimeout(r, 1));
          throw new Error("connection reset");
        }
        await expect(s.applyScan(scanRun([ec2]), broken())).rejects.toThrow("connection reset");
        expect(await s.getNode(i2)).toBeUndefined();
        expect(await s.getNode(i1)).toBeDefined();
      }),
    );

    it(
      "derived edges are invisible until their generation is promoted",
      withStore(async (s) => {
        await s.applyScan(scanRun([ec2]), chunks({ nodes: [nodeFact(i1, ec2)] }));
        const exposes = (gen: string): DerivedEdgeFact[] => [
          {
            from: "internet",
            kind: "EXPOSES",
            to: i1,
            props: { port: 22 },
            evidence: [{ source: "aws-ec2-security-groups", ref: `sg-01#ingress[0] ${gen}` }],
          },
        ];
        await s.replaceDerived("a1", exposes("a1"));
        expect(await s.neighbours(i1, { direction: "in" })).toEqual([]);
        await s.promoteDerived("a1");
        const seen = await s.neighbours(i1, { direction: "in" });
        expect(seen.map((e) => [e.from, e.kind, e.derived, e.evidence[0]?.ref])).toEqual([
          ["internet", "EXPOSES", true, "sg-01#ingress[0] a1"],
        ]);
        await s.replaceDerived("a2", []);
        expect(await s.neighbours(i1, { direction: "in" })).toHaveLength(1);
        await s.promoteDerived("a2");
        expect(await s.neighbours(i1, { direction: "in" })).toEqual([]);
        const snap = await graphState(s);
        expect([...snap.edges.values()].filter((e) => e.derived)).toEqual([]);
        await expect(s.promoteDerived("never-written")).rejects.toThrow(/never-written/);
        await expect(
          s.replaceDerived("a3", [{ from: "internet", kind: "EXPOSES", to: i1, evidence: [] }]),
        ).rejects.toThrow(/evidence/);
      }),
    );

    it(
      "listNodes filters, sorts and pages with a cursor",
      withStore(async (s) => {
        const nodes = Array.from({ length: 25 }, (_, i) =>
          nodeFact(`arn:aws:ec2:us-east-1:111122223333:instance/i-${String(i).padStart(17, "0")}`, ec2, {
            name: `web-${String(24 - i).padStart(2, "0")}`,
          }),
        );
        nodes.push(nodeFact(g1, sg, { kind: "firewall", type: "aws.ec2.security_group", name: "default" }));
        await s.applyScan(scanRun([ec2, sg]), chunks({ nodes }));
        const seenIds: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await s.listNodes({ kind: "compute" }, cursor ? { limit: 7, cursor } : { limit: 7 });
          expect(page.items.length).toBeLessThanOrEqual(7);
          seenIds.push(...page.items.map((n) => n.id));
          cursor = page.next;
        } while (cursor);
        expect(seenIds).toEqual(nodes.slice(0, 25).map((n) => n.id));
        const byName = await s.listNodes({ kind: "compute", sort: "name" }, { limit: 3 });
        expect(byName.items.map((n) => n.name)).toEqual(["web-00", "web-01", "web-02"]);
        const next = await s.listNodes({ kind: "compute", sort: "name" }, { limit: 3, cursor: byName.next! });
        expect(next.items.map((n) => n.name)).toEqual(["web-03", "web-04", "web-05"]);
        expect(
          (await s.listNodes({ type: "aws.ec2.security_group" }, { limit: 10 })).items.map((n) => n.id),
        ).toEqual([g1]);
        expect((await s.listNodes({ q: "WEB-1" }, { limit: 100 })).items).toHaveLength(10);
        expect((await s.listNodes({ q: "%" }, { limit: 100 })).items).toHaveLength(0);
        expect((await s.listNodes({ source: acct }, { limit: 100 })).items).toHaveLength(26);
        expect((await s.listNodes({ source: "aws:999" }, { limit: 100 })).items).toHaveLength(0);
      }),
    );

    it(
      "pagination is stable under concurrent writes",
      withStore(async (s) => {
        const idOf = (i: number) =>
          `arn:aws:ec2:us-east-1:111122223333:instance/i-${String(i).padStart(17, "0")}`;
        const base = Array.from({ length: 60 }, (_, i) => nodeFact(idOf(i * 2), ec2));
        const other = key(acct, "us-east-1", "aws-other");
        await s.applyScan(scanRun([ec2]), chunks({ nodes: base }));
        const seen: string[] = [];
        let cursor: string | undefined;
        let round = 0;
        do {
          const page = await s.listNodes({}, cursor ? { limit: 9, cursor } : { limit: 9 });
          seen.push(...page.items.map((n) => n.id));
          cursor = page.next;
          // Between pages another source inserts odd ids before and after the cursor.
          round++;
          await s.applyScan(
            scanRun([other]),
            chunks({ nodes: [nodeFact(idOf(round * 2 - 1), other), nodeFact(idOf(200 - round), other)] }),
          );
        } while (cursor);
        // Every node present throughout appears exactly once, in order.
        const stable = seen.filter((id) => base.some((b) => b.id === id));
        expect(stable).toEqual(base.map((b) => b.id));
        expect(new Set(seen).size).toBe(seen.length);
      }),
    );

    it(
      "unicode and large props round-trip",
      withStore(async (s) => {
        const big = {
          policy: "x".repeat(300_000),
          nested: { list: Array.from({ length: 2000 }, (_, i) => ({ i, s: `é-${i}` })) },
        };
        const n = nodeFact(i1, ec2, {
          name: "数据库 — données 🔐",
          tags: { Ünïcødé: "✓ ok", owner: "team-α" },
          props: big,
        });
        await s.applyScan(scanRun([ec2]), chunks({ nodes: [n] }));
        const got = await s.getNode(i1);
        expect(got?.name).toBe("数据库 — données 🔐");
        expect(got?.tags).toEqual({ Ünïcødé: "✓ ok", owner: "team-α" });
        expect(got?.props).toEqual(big);
      }),
    );

    it(
      "snapshot streams every node, inventory and current derived edge, and finding",
      withStore(async (s) => {
        const insp = key("import:inspector2:111122223333", "global", "import-inspector2");
        await s.applyScan(
          scanRun([ec2, insp]),
          chunks({
            nodes: [nodeFact(i1, ec2), nodeFact(i2, ec2)],
            edges: [edgeFact(i1, "CAN_REACH", i2, ec2)],
            findings: [vulnFact("CVE-2024-6387", i1, insp, "inspector2")],
          }),
        );
        await s.replaceDerived("g1", [
          { from: "internet", kind: "EXPOSES", to: i1, evidence: [{ source: "test", ref: "r" }] },
        ]);
        await s.promoteDerived("g1");
        const snap = await graphState(s);
        // Derived edges never create nodes: the engine owns the internet node in its own graph.
        expect(ids(snap.nodes)).toEqual([i1, i2]);
        expect(ids(snap.edges)).toEqual(
          [`${i1} -CAN_REACH-> ${i2}`, `internet -EXPOSES-> ${i1} (derived)`].sort(),
        );
        expect(snap.findings.map((f) => [f.ruleId, f.assetRef])).toEqual([["CVE-2024-6387", i1]]);
        // Without derived edges: the same nodes, inventory edges and findings.
        const bare = await all(s.snapshot({ derived: false }));
        expect(bare.filter((x) => x.t === "edge").map((x) => [x.v.from, x.v.kind, x.v.to])).toEqual([
          [i1, "CAN_REACH", i2],
        ]);
        expect(bare.filter((x) => x.t === "node").map((x) => x.v)).toEqual([...snap.nodes.values()]);
        expect(bare.filter((x) => x.t === "finding").map((x) => x.v)).toEqual(snap.findings);
        // The port's order (the engine derives while the findings are still being read): every
        // node, then every edge, then every finding; with and without derived edges.
        for (const items of [await all(s.snapshot()), bare]) {
          const kinds = items.map((x) => x.t).join(",");
          expect(kinds).toMatch(/^(node,)+(edge,)+finding(,finding)*$/);
        }
      }),
    );

    it(
      "snapshot items equal the store's own reads, with items claimed by several collectors and tools",
      withStore(async (s) => {
        const insp = key("import:inspector2:111122223333", "global", "import-inspector2");
        const trivy = key("import:trivy:111122223333", "global", "import-trivy");
        await s.applyScan(
          scanRun([ec2, sg, insp, trivy]),
          chunks(
            {
              nodes: [nodeFact(i1, ec2, { props: { port: 8080 }, tags: { env: "prod" } }), nodeFact(i2, ec2)],
              edges: [edgeFact(i1, "CAN_REACH", i2, ec2), edgeFact(i1, "PROTECTED_BY", g1, sg)],
              findings: [vulnFact("CVE-2024-6387", i1, insp, "inspector2")],
            },
            {
              nodes: [
                nodeFact(i1, sg),
                nodeFact(g1, sg, { kind: "firewall", type: "aws.ec2.security_group" }),
              ],
              edges: [edgeFact(i1, "CAN_REACH", i2, sg, { props: { port: 8080 } })],
              findings: [vulnFact("CVE-2024-6387", i1, trivy, "trivy")],
            },
          ),
        );
        const snap = await all(s.snapshot({ derived: false }));
        const nodes = snap.filter((x) => x.t === "node").map((x) => x.v);
        expect(nodes).toEqual(await Promise.all(nodes.map(async (n) => s.getNode(n.id))));
        expect(nodes.find((n) => n.id === i1)?.sources).toEqual([ec2, sg]);
        const edges = snap.filter((x) => x.t === "edge").map((x) => x.v);
        const viaNeighbours = (
          await Promise.all([i1, i2, g1].map((id) => s.neighbours(id, { direction: "out" })))
        ).flat();
        const byKey = (e: Edge) => `${e.from} ${e.kind} ${e.to}`;
        expect([...edges].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual(
          [...viaNeighbours].sort((a, b) => byKey(a).localeCompare(byKey(b))),
        );
        expect(edges.find((e) => e.kind === "CAN_REACH")?.sources).toEqual([ec2, sg]);
        const findings = snap.filter((x) => x.t === "finding").map((x) => x.v);
        expect(findings).toEqual((await s.listFindings({}, { limit: 100 })).items);
        expect(findings[0]?.sources.map((x) => x.tool)).toEqual(["inspector2", "trivy"]);
      }),
    );

    it(
      "snapshot({ edgeDetail: false }) gives each edge's structure alone, in the same order, and the same nodes and findings",
      withStore(async (s) => {
        const insp = key("import:inspector2:111122223333", "global", "import-inspector2");
        await s.applyScan(
          scanRun([ec2, sg, insp]),
          chunks(
            {
              nodes: [nodeFact(i1, ec2, { props: { port: 8080 } }), nodeFact(i2, ec2)],
              edges: [
                edgeFact(i1, "CAN_REACH", i2, ec2, {
                  props: {
                    ports: [
                      {
                        protocol: "tcp",
                        from: 22,
                        to: 22,
                        label: "ssh from anywhere, on every instance of the group",
                      },
                    ],
                  },
                  evidence: [{ source: "aws-ec2", ref: "sg-1#ingress[0]", detail: { cidr: "0.0.0.0/0" } }],
                }),
              ],
              findings: [vulnFact("CVE-2024-6387", i1, insp, "inspector2")],
            },
            {
              nodes: [nodeFact(g1, sg, { kind: "firewall", type: "aws.ec2.security_group" })],
              edges: [edgeFact(i1, "PROTECTED_BY", g1, sg)],
            },
          ),
        );
        await s.replaceDerived("g1", [
          {
            from: "internet",
            kind: "EXPOSES",
            to: i1,
            props: { port: 443 },
            evidence: [{ source: "test", ref: "r" }],
            assumptions: [{ code: "attack_vector_unknown" }],
          },
        ]);
        await s.promoteDerived("g1");
        const shape = (e: Edge) => ({
          from: e.from,
          kind: e.kind,
          to: e.to,
          props: e.props,
          derived: e.derived,
        });
        for (const derived of [true, false]) {
          const full = await all(s.snapshot({ derived }));
          const lean = await all(s.snapshot({ derived, edgeDetail: false }));
          expect(lean.map((x) => x.t)).toEqual(full.map((x) => x.t));
          // Each edge exactly its structure: no evidence, assumptions, sources or times.
          expect(lean.filter((x) => x.t === "edge").map((x) => x.v)).toEqual(
            full.filter((x) => x.t === "edge").map((x) => shape(x.v)),
          );
          expect(lean.filter((x) => x.t !== "edge")).toEqual(full.filter((x) => x.t !== "edge"));
          expect(lean.filter((x) => x.t === "edge").length).toBe(derived ? 3 : 2);
        }
      }),
    );

    it(
      "health answers",
      withStore(async (s) => {
        expect((await s.health()).ok).toBe(true);
      }),
    );
  });
}
