// The mapping between graph facts and the Neo4j adapter's query parameters, asserted exactly.
import { describe, expect, it } from "vitest";
import { NODE_KIND_VALUES, findingKey } from "@ctem/model";
import { key, scanRun } from "../src/contract/graph-store.contract.js";
import * as C from "../src/neo4j/cypher.js";
import { createNeo4jGraphStoreOnRunner } from "../src/neo4j/graph.js";
import {
  KIND_LABELS,
  claimProps,
  edgeFromRecord,
  edgeItem,
  edgeRow,
  findingFromProps,
  findingItem,
  findingRow,
  flatten,
  hiddenRow,
  kindLabel,
  labelsFor,
  nodeFromProps,
  nodeItem,
  nodeRow,
  parseItemRef,
  sourceKeyFromString,
  stubRow,
  upsertClaim,
} from "../src/neo4j/mapping.js";
import { redactUri } from "../src/neo4j/graph.js";
import { createFakeNeo4j } from "./support/fake-neo4j.js";

const ec2 = key("aws:111122223333", "us-east-1", "aws-ec2-instances");
const insp = key("aws:111122223333", "us-east-1", "aws-inspector2");
const i1 = "arn:aws:ec2:us-east-1:111122223333:instance/i-0000000000000001";
const sg = "arn:aws:ec2:us-east-1:111122223333:security-group/sg-01";
const T1 = "2026-01-01T00:00:01.000Z";
const T2 = "2026-01-02T00:00:00.000Z";

describe("labels", () => {
  it("turns kinds into PascalCase labels and swaps them without leftovers", () => {
    expect(kindLabel("data_store")).toBe("DataStore");
    expect(kindLabel("compute")).toBe("Compute");
    expect(KIND_LABELS).toHaveLength(NODE_KIND_VALUES.length);
    const { labels, dropLabels } = labelsFor("compute");
    expect(labels).toEqual(["Compute"]);
    expect(dropLabels).toContain("Unknown");
    expect(dropLabels).toContain("DerivedEndpoint");
    expect(dropLabels).not.toContain("Compute");
    expect(dropLabels).toHaveLength(NODE_KIND_VALUES.length);
    expect(labelsFor("internet", true).labels).toEqual(["Internet", "DerivedEndpoint"]);
  });
});

describe("items and claims", () => {
  it("names items unambiguously, whatever their ids contain", () => {
    expect(nodeItem(i1)).toBe(`["n","${i1}"]`);
    expect(edgeItem("a|b", "CAN_REACH", "c")).toBe('["e","a|b","CAN_REACH","c"]');
    expect(parseItemRef(edgeItem("a|b", "CAN_REACH", 'c"d'))).toEqual({
      t: "e",
      from: "a|b",
      kind: "CAN_REACH",
      to: 'c"d',
    });
    expect(parseItemRef(findingItem("k1"))).toEqual({ t: "f", key: "k1" });
    expect(() => parseItemRef('["x"]')).toThrow(/not a claim item/);
  });

  it("writes one claim's exact properties", () => {
    expect(claimProps(nodeItem(i1), ec2, "run-1", T1, { doc: "{}" })).toEqual({
      cid: JSON.stringify([nodeItem(i1), "aws:111122223333|us-east-1|aws-ec2-instances", ""]),
      item: nodeItem(i1),
      key: "aws:111122223333|us-east-1|aws-ec2-instances",
      source: "aws:111122223333",
      region: "us-east-1",
      collector: "aws-ec2-instances",
      tool: "",
      run: "run-1",
      seenAt: T1,
      firstSeen: T1,
      lastSeen: T1,
      doc: "{}",
      severity: null,
      vector: null,
    });
  });

  it("keeps the earliest firstSeen and the latest lastSeen when a claim is renewed", () => {
    const a = claimProps(findingItem("k"), insp, "r1", T1, { tool: "trivy", severity: "high" });
    const b = claimProps(findingItem("k"), insp, "r2", T2, { tool: "trivy", severity: "low" });
    expect(upsertClaim([a], b)).toEqual([{ ...b, firstSeen: T1, lastSeen: T2 }]);
    const other = claimProps(findingItem("k"), insp, "r2", T2, { tool: "grype", severity: "low" });
    expect(upsertClaim([a], other)).toEqual([a, other]);
  });

  it("reads source keys back, sources containing '|' included", () => {
    expect(sourceKeyFromString("import:trivy:a|b|global|import-trivy")).toEqual({
      source: "import:trivy:a|b",
      region: "global",
      collector: "import-trivy",
    });
  });
});

describe("flat copies", () => {
  it("copies scalars and homogeneous scalar lists, leaves the rest to the JSON", () => {
    expect(
      flatten("prop.", {
        port: 22,
        open: true,
        state: "running",
        ports: [22, 443],
        mixed: [1, "a"],
        nested: { a: 1 },
        empty: [],
        nan: Number.NaN,
        long: "x".repeat(1025),
        nothing: null,
      }),
    ).toEqual({ "prop.port": 22, "prop.open": true, "prop.state": "running", "prop.ports": [22, 443] });
  });
});

describe("nodes", () => {
  const docOf = (over: Record<string, unknown>) =>
    JSON.stringify({
      kind: "compute",
      type: "aws.ec2.instance",
      provider: "aws",
      accountId: "111122223333",
      region: "us-east-1",
      name: "web",
      tags: {},
      props: {},
      ...over,
    });

  it("merges claims oldest first, so the newest claim wins per key", () => {
    const older = claimProps(nodeItem(i1), ec2, "r1", T1, {
      doc: docOf({ tags: { env: "prod" }, props: { state: "stopped", publicIp: "203.0.113.10" } }),
    });
    const newer = claimProps(nodeItem(i1), insp, "r2", T2, {
      doc: docOf({ name: "web-1", props: { state: "running", deep: { a: 1 } } }),
    });
    const row = nodeRow(i1, [newer, older], { firstSeen: T1, lastSeen: T2 });
    expect(row.labels).toEqual(["Compute"]);
    expect(row.props).toEqual({
      "tag.env": "prod",
      "prop.state": "running",
      "prop.publicIp": "203.0.113.10",
      id: i1,
      kind: "compute",
      type: "aws.ec2.instance",
      provider: "aws",
      accountId: "111122223333",
      region: "us-east-1",
      name: "web-1",
      stub: false,
      tagsJson: '{"env":"prod"}',
      propsJson: '{"state":"running","publicIp":"203.0.113.10","deep":{"a":1}}',
      sources: ["aws:111122223333|us-east-1|aws-ec2-instances", "aws:111122223333|us-east-1|aws-inspector2"],
      sourceNames: ["aws:111122223333"],
      firstSeen: T1,
      lastSeen: T2,
    });
    expect(nodeFromProps(row.props)).toEqual({
      id: i1,
      kind: "compute",
      type: "aws.ec2.instance",
      provider: "aws",
      accountId: "111122223333",
      region: "us-east-1",
      name: "web-1",
      tags: { env: "prod" },
      props: { state: "running", publicIp: "203.0.113.10", deep: { a: 1 } },
      sources: [ec2, insp],
      stub: false,
      firstSeen: T1,
      lastSeen: T2,
    });
  });

  it("writes stubs and hidden endpoints with exact properties", () => {
    expect(stubRow(sg, { firstSeen: T1, lastSeen: T1 })).toEqual({
      id: sg,
      props: {
        id: sg,
        kind: "unknown",
        type: "unknown",
        provider: "aws",
        accountId: null,
        region: null,
        name: sg,
        stub: true,
        tagsJson: "{}",
        propsJson: "{}",
        sources: [],
        sourceNames: [],
        firstSeen: T1,
        lastSeen: T1,
      },
      ...labelsFor("unknown"),
    });
    const internet = hiddenRow("internet", T1);
    expect(internet.labels).toEqual(["Internet", "DerivedEndpoint"]);
    expect(internet.props).toMatchObject({ id: "internet", kind: "internet", provider: "generic" });
    expect(nodeFromProps(stubRow("/subscriptions/x", { firstSeen: T1, lastSeen: T1 }).props)).toMatchObject({
      provider: "azure",
      stub: true,
      sources: [],
    });
  });
});

describe("edges and findings", () => {
  it("writes an inventory edge's exact parameters and reads it back", () => {
    const e = {
      from: i1,
      kind: "PROTECTED_BY" as const,
      to: sg,
      props: { port: 22 },
      evidence: [{ source: "aws-ec2-instances", ref: "i-1#sg[0]" }],
      assumptions: [],
      sources: [ec2],
    };
    const row = edgeRow(e, [claimProps(edgeItem(i1, "PROTECTED_BY", sg), ec2, "r1", T1)], T1);
    expect(row).toEqual({
      from: i1,
      kind: "PROTECTED_BY",
      to: sg,
      seen: T1,
      props: {
        "prop.port": 22,
        derived: false,
        propsJson: '{"port":22}',
        evidenceJson: '[{"source":"aws-ec2-instances","ref":"i-1#sg[0]"}]',
        assumptionsJson: "[]",
        sources: ["aws:111122223333|us-east-1|aws-ec2-instances"],
        sourceNames: ["aws:111122223333"],
      },
    });
    expect(edgeFromRecord(i1, "PROTECTED_BY", sg, { ...row.props, firstSeen: T1, lastSeen: T1 })).toEqual({
      from: i1,
      kind: "PROTECTED_BY",
      to: sg,
      props: { port: 22 },
      evidence: [{ source: "aws-ec2-instances", ref: "i-1#sg[0]" }],
      assumptions: [],
      sources: [ec2],
      derived: false,
      firstSeen: T1,
      lastSeen: T1,
    });
  });

  it("writes a finding with its sources, highest severity first, and reads it back", () => {
    const trivy = key("import:trivy:host-1", "global", "import-trivy");
    const k = findingKey(i1, "CVE-2024-3400", "openssl");
    const claims = [
      claimProps(findingItem(k), trivy, "r1", T1, { tool: "trivy", severity: "medium" }),
      claimProps(findingItem(k), insp, "r2", T2, {
        tool: "inspector2",
        severity: "critical",
        vector: "AV:N",
      }),
    ];
    const core = {
      key: k,
      assetRef: i1,
      matched: true,
      kind: "vulnerability" as const,
      ruleId: "CVE-2024-3400",
      package: "openssl",
      doc: { resource: { ids: ["i-0000000000000001"] }, props: { matchedBy: "arn-resource-id" }, port: 443 },
    };
    const row = findingRow(core, claims, { firstSeen: T1, lastSeen: T2 });
    const sources = [
      {
        tool: "inspector2",
        sourceKey: insp,
        severity: "critical",
        vector: "AV:N",
        firstSeen: T2,
        lastSeen: T2,
      },
      { tool: "trivy", sourceKey: trivy, severity: "medium", firstSeen: T1, lastSeen: T1 },
    ];
    expect(row).toEqual({
      key: k,
      firstSeen: T1,
      lastSeen: T2,
      props: {
        key: k,
        assetRef: i1,
        matched: true,
        kind: "vulnerability",
        ruleId: "CVE-2024-3400",
        package: "openssl",
        title: null,
        resourceIds: ["i-0000000000000001"],
        docJson: JSON.stringify(core.doc),
        sourcesJson: JSON.stringify(sources),
        tools: ["inspector2", "trivy"],
        sourceNames: ["aws:111122223333", "import:trivy:host-1"],
        severity: "critical",
      },
    });
    expect(findingFromProps({ ...row.props, firstSeen: T1, lastSeen: T2 })).toEqual({
      ...core.doc,
      key: k,
      assetRef: i1,
      matched: true,
      kind: "vulnerability",
      ruleId: "CVE-2024-3400",
      package: "openssl",
      sources,
      firstSeen: T1,
      lastSeen: T2,
    });
  });
});

describe("what the adapter sends", () => {
  it("a one-node, one-edge scan: exact statements and parameters of its batch", async () => {
    const fake = createFakeNeo4j();
    const s = createNeo4jGraphStoreOnRunner(fake, { clock: () => new Date(T2) });
    const run = scanRun([ec2], { at: T1 });
    await s.applyScan(run, [
      {
        nodes: [
          { id: i1, kind: "compute", type: "aws.ec2.instance", provider: "aws", name: "web", sources: [ec2] },
        ],
        edges: [{ from: i1, kind: "PROTECTED_BY", to: sg, sources: [ec2] }],
      },
    ]);
    const names = fake.log.map((r) => r.name);
    expect(names).toEqual([
      "STAGE_PUT",
      "STAGE_GET",
      "CLAIM_UPSERT",
      "NODES_STATE",
      "CLAIMS_OF_ITEMS",
      "LOOKUP_DELETE_FOR_NODES",
      "NODE_WRITE",
      "LOOKUP_UPSERT",
      "STUB_ENSURE",
      "CLAIM_UPSERT",
      "CLAIMS_OF_ITEMS",
      "EDGE_UPSERT",
      "STAGE_DROP",
      "CLAIMS_TAKE_STALE",
      "FINDINGS_ORPHANED",
      "FINDINGS_UNMATCHED_PAGE",
    ]);
    const p = (name: string, n = 0) => fake.log.filter((r) => r.name === name)[n]!.params;
    expect(p("STAGE_PUT")).toMatchObject({ run: run.id, at: T2 });
    expect(String(p("STAGE_PUT").seq)).toBe("1");
    expect(p("LOOKUP_UPSERT")).toEqual({
      rows: [
        { lk: JSON.stringify([`id:${i1}`, i1]), lookup: `id:${i1}`, nodeId: i1 },
        {
          lk: JSON.stringify(["aws-resource:i-0000000000000001", i1]),
          lookup: "aws-resource:i-0000000000000001",
          nodeId: i1,
        },
      ],
    });
    expect(p("STUB_ENSURE")).toEqual({
      rows: [i1, sg].map((id) => {
        const { props, labels, dropLabels } = stubRow(id, { firstSeen: T1, lastSeen: T1 });
        return { id, props, labels, dropLabels };
      }),
    });
    expect(p("NODE_WRITE")).toEqual({
      rows: [
        {
          id: i1,
          props: {
            id: i1,
            kind: "compute",
            type: "aws.ec2.instance",
            provider: "aws",
            accountId: null,
            region: null,
            name: "web",
            stub: false,
            tagsJson: "{}",
            propsJson: "{}",
            sources: ["aws:111122223333|us-east-1|aws-ec2-instances"],
            sourceNames: ["aws:111122223333"],
            firstSeen: T1,
            lastSeen: T1,
          },
          labels: ["Compute"],
          dropLabels: labelsFor("compute").dropLabels,
        },
      ],
    });
    expect(p("CLAIMS_TAKE_STALE")).toMatchObject({
      key: "aws:111122223333|us-east-1|aws-ec2-instances",
      run: run.id,
    });
    expect(String(p("CLAIMS_TAKE_STALE").limit)).toBe("1000");
    expect(fake.log.every((r) => Object.values(C.CYPHER).includes(r.statement as C.Cypher))).toBe(true);
  });

  it("never names a password: URIs lose their user info", () => {
    expect(redactUri("neo4j+s://ctem:s3cret@db.example:7687")).toBe("neo4j+s://db.example:7687");
    expect(redactUri("bolt://localhost:7687")).toBe("bolt://localhost:7687");
  });
});
