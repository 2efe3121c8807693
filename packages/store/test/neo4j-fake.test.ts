// The Neo4j adapter's orchestration on an in-memory stand-in for the server (test/support): the
// shared contract suite (twice: default batches, and two facts per batch so every scan spans many
// transactions), the crash guarantee of DESIGN "One file", and the order of the phases.
import { describe, expect, it } from "vitest";
import type { GraphFacts } from "@ctem/model";
import {
  describeGraphStoreContract,
  edgeFact,
  key,
  nodeFact,
  scanRun,
  vulnFact,
} from "../src/contract/graph-store.contract.js";
import { createNeo4jGraphStoreOnRunner } from "../src/neo4j/graph.js";
import { createFakeNeo4j } from "./support/fake-neo4j.js";

describeGraphStoreContract("neo4j adapter on the in-memory Cypher stand-in", () => {
  const fake = createFakeNeo4j();
  return Promise.resolve({ store: createNeo4jGraphStoreOnRunner(fake), dispose: () => Promise.resolve() });
});

describeGraphStoreContract("neo4j adapter on the in-memory Cypher stand-in, 2 facts per batch", () => {
  const fake = createFakeNeo4j();
  return Promise.resolve({
    store: createNeo4jGraphStoreOnRunner(fake, { batchItems: 2 }),
    dispose: () => Promise.resolve(),
  });
});

const acct = "aws:111122223333";
const ec2 = key(acct, "us-east-1", "aws-ec2-instances");
const id = (n: number) => `arn:aws:ec2:us-east-1:111122223333:instance/i-${String(n).padStart(17, "0")}`;

describe("Neo4j adapter: batches and phases", () => {
  it("splits a scan into batches by count and by bytes, one transaction each", async () => {
    const fake = createFakeNeo4j();
    const s = createNeo4jGraphStoreOnRunner(fake, { batchItems: 3, batchBytes: 1_000_000 });
    await s.applyScan(scanRun([ec2]), [{ nodes: [1, 2, 3, 4, 5, 6, 7].map((n) => nodeFact(id(n), ec2)) }]);
    expect(fake.log.filter((r) => r.name === "STAGE_PUT").map((r) => String(r.params.seq))).toEqual([
      "1",
      "2",
      "3",
    ]);
    const writes = fake.log.filter((r) => r.name === "NODE_WRITE");
    expect(writes.map((r) => (r.params.rows as unknown[]).length)).toEqual([3, 3, 1]);
    // Staging is gone once the scan is applied.
    expect(fake.state().staged.size).toBe(0);

    const bySize = createFakeNeo4j();
    const big = (n: number) => nodeFact(id(n), ec2, { props: { policy: "x".repeat(600) } });
    await createNeo4jGraphStoreOnRunner(bySize, { batchItems: 100, batchBytes: 1000 }).applyScan(
      scanRun([ec2]),
      [{ nodes: [big(1), big(2), big(3)] }],
    );
    expect(bySize.log.filter((r) => r.name === "STAGE_PUT")).toHaveLength(2);
  });

  it("removes stale claims only after every batch was applied", async () => {
    const fake = createFakeNeo4j();
    const s = createNeo4jGraphStoreOnRunner(fake, { batchItems: 2 });
    await s.applyScan(scanRun([ec2]), [{ nodes: [1, 2, 3].map((n) => nodeFact(id(n), ec2)) }]);
    fake.log.length = 0;
    await s.applyScan(scanRun([ec2]), [{ nodes: [1, 4, 5, 6].map((n) => nodeFact(id(n), ec2)) }]);
    const names = fake.log.map((r) => r.name);
    const lastApply = names.lastIndexOf("STAGE_GET");
    const firstTake = names.indexOf("CLAIMS_TAKE_STALE");
    expect(names.filter((n) => n === "STAGE_GET")).toHaveLength(2);
    expect(firstTake).toBeGreaterThan(lastApply);
    expect(names.slice(0, firstTake)).not.toContain("NODE_DELETE");
    expect([...fake.state().assets.keys()].sort()).toEqual([1, 4, 5, 6].map(id));
  });

  it("a failure while applying leaves the old data plus the applied batches, never a deletion", async () => {
    const fake = createFakeNeo4j();
    const s = createNeo4jGraphStoreOnRunner(fake, { batchItems: 2 });
    await s.applyScan(scanRun([ec2]), [{ nodes: [1, 2, 3].map((n) => nodeFact(id(n), ec2)) }]);
    fake.log.length = 0;
    let gets = 0;
    fake.failWhen = (r) => r.name === "STAGE_GET" && ++gets === 2;
    // The new listing no longer has 2 and 3; it has 4, 5, 6 — and the second batch fails.
    await expect(
      s.applyScan(scanRun([ec2]), [{ nodes: [1, 4, 5, 6].map((n) => nodeFact(id(n), ec2)) }]),
    ).rejects.toThrow(/injected failure in STAGE_GET/);
    fake.failWhen = undefined;
    const ids = [...fake.state().assets.keys()].sort();
    // Old data kept (2 and 3 are not deleted), the first batch (1, 4) applied, the second (5, 6) not.
    expect(ids).toEqual([1, 2, 3, 4].map(id));
    expect(fake.log.map((r) => r.name)).not.toContain("CLAIMS_TAKE_STALE");
    expect(fake.state().staged.size).toBe(0);
  });

  it("a bad fact in a later chunk writes nothing to the graph, staging included", async () => {
    const fake = createFakeNeo4j();
    const s = createNeo4jGraphStoreOnRunner(fake, { batchItems: 1 });
    const chunks: GraphFacts[] = [
      { nodes: [nodeFact(id(1), ec2), nodeFact(id(2), ec2)] },
      { edges: [{ ...edgeFact(id(1), "CAN_REACH", id(2), ec2), kind: "NOPE" as "CAN_REACH" }] },
    ];
    await expect(s.applyScan(scanRun([ec2]), chunks)).rejects.toThrow(/field kind/);
    expect(fake.state().assets.size).toBe(0);
    expect(fake.state().staged.size).toBe(0);
    expect(fake.log.map((r) => r.name)).not.toContain("STAGE_GET");
  });

  it("re-matches unmatched findings across pages after a scan", async () => {
    const fake = createFakeNeo4j();
    const s = createNeo4jGraphStoreOnRunner(fake, { batchItems: 50 });
    const insp = key("import:inspector2:111122223333", "global", "import-inspector2");
    const findings = Array.from({ length: 30 }, (_, i) =>
      vulnFact(`CVE-2024-${1000 + i}`, `i-${String(i).padStart(17, "0")}`, insp, "inspector2"),
    );
    const first = await s.applyScan(scanRun([insp], { kind: "import" }), [{ findings }]);
    expect(first.findings).toMatchObject({ matched: 0, unmatched: 30 });
    const sum = await s.applyScan(scanRun([ec2]), [
      { nodes: Array.from({ length: 30 }, (_, i) => nodeFact(id(i), ec2)) },
    ]);
    expect(sum.findings.rematched).toBe(30);
    const f = await s.listFindings({ matched: true }, { limit: 100 });
    expect(f.items).toHaveLength(30);
    expect(new Set(f.items.map((x) => x.assetRef))).toEqual(
      new Set(Array.from({ length: 30 }, (_, i) => id(i))),
    );
    expect(f.items.every((x) => x.props.matchedBy === "arn-resource-id")).toBe(true);
    // AFFECTS points each finding at its asset.
    expect(fake.state().affects.size).toBe(30);
  });

  it("derived edges to the internet hang on a hidden endpoint that reads never list and promotion prunes", async () => {
    const fake = createFakeNeo4j();
    const s = createNeo4jGraphStoreOnRunner(fake);
    await s.applyScan(scanRun([ec2]), [{ nodes: [nodeFact(id(1), ec2)] }]);
    await s.replaceDerived("a1", [
      { from: "internet", kind: "EXPOSES", to: id(1), evidence: [{ source: "t", ref: "r" }] },
    ]);
    await s.promoteDerived("a1");
    const internet = fake.state().assets.get("internet");
    expect([...(internet?.labels ?? [])].sort()).toEqual(["Asset", "DerivedEndpoint", "Internet"]);
    expect(await s.getNode("internet")).toBeUndefined();
    expect((await s.neighbours("internet", { direction: "out" })).map((e) => e.to)).toEqual([id(1)]);
    await s.replaceDerived("a2", []);
    await s.promoteDerived("a2");
    expect(fake.state().assets.has("internet")).toBe(false);
  });
});
