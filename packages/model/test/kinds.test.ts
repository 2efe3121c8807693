// The graph schema is described once; docs and the zod enums come from it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ATTACK_EDGE_KINDS,
  EDGE_KINDS,
  EdgeFact,
  INVENTORY_EDGE_KINDS,
  NODE_KINDS,
  NodeFact,
  TRAVERSABLE_EDGE_KINDS,
  parseItem,
  renderGraphSchemaMarkdown,
} from "../src/index.js";

describe("kind tables", () => {
  it("docs/graph-schema.md is generated from the tables (run `pnpm docs:gen` when this fails)", () => {
    const committed = readFileSync(new URL("../../../docs/graph-schema.md", import.meta.url), "utf8");
    expect(committed).toBe(renderGraphSchemaMarkdown());
  });

  it("every kind has a description, and DESIGN's edges are split into inventory and attack", () => {
    for (const [k, d] of Object.entries(NODE_KINDS)) expect(d.length, k).toBeGreaterThan(10);
    expect(Object.keys(NODE_KINDS)).toEqual(
      expect.arrayContaining([
        "internet",
        "account",
        "compute",
        "identity",
        "data_store",
        "vulnerability",
        "unknown",
      ]),
    );
    expect(INVENTORY_EDGE_KINDS).toEqual([
      "CONTAINS",
      "IN_NETWORK",
      "IN_SUBNET",
      "ROUTES_VIA",
      "PROTECTED_BY",
      "HAS_ADDRESS",
      "LISTENS",
      "FORWARDS_TO",
      "HAS_ROLE",
      "MEMBER_OF",
      "ATTACHED_POLICY",
      "TRUSTS",
      "HAS_KEY",
      "RUNS_IMAGE",
    ]);
    expect(ATTACK_EDGE_KINDS).toEqual([
      "EXPOSES",
      "CAN_REACH",
      "RUNS_AS",
      "CAN_ASSUME",
      "CAN_ESCALATE",
      "CAN_ACCESS",
    ]);
    expect(TRAVERSABLE_EDGE_KINDS).toEqual(ATTACK_EDGE_KINDS);
    for (const k of Object.keys(EDGE_KINDS)) expect(k).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    for (const k of Object.keys(NODE_KINDS)) expect(k).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});

describe("fact validation", () => {
  const k = { source: "aws:111122223333", region: "us-east-1", collector: "aws-ec2-instances" };
  it("names the item and the field", () => {
    expect(() =>
      parseItem(
        NodeFact,
        { id: "i-1", kind: "compute", type: "AWS EC2", provider: "aws", name: "x", sources: [k] },
        "node",
      ),
    ).toThrow("node 'i-1': field type: node types are dotted snake_case, e.g. aws.ec2.instance");
    expect(() => parseItem(EdgeFact, { from: "a", kind: "LIKES", to: "b", sources: [k] }, "edge")).toThrow(
      /^edge 'a -LIKES-> b': field kind/,
    );
    expect(() =>
      parseItem(
        NodeFact,
        {
          id: "i-1",
          kind: "compute",
          type: "aws.ec2.instance",
          provider: "aws",
          name: "x",
          sources: [{ ...k, collector: "EC2 Instances" }],
        },
        "node",
      ),
    ).toThrow("node 'i-1': field sources[0].collector: collector ids are kebab-case");
    expect(() => parseItem(NodeFact, 42, "node", "#3 of chunk 1")).toThrow(
      /^node #3 of chunk 1: field \(the item itself\)/,
    );
  });
  it("fills defaults", () => {
    const n = parseItem(
      NodeFact,
      { id: "i-1", kind: "compute", type: "aws.ec2.instance", provider: "aws", name: "x", sources: [k] },
      "node",
    );
    expect(n.tags).toEqual({});
    expect(n.props).toEqual({});
  });
});
