// Scope include/exclude filters on their own: the syntax (type globs, kind, tag presence and value,
// region, account), what a bad expression says, and which assets a set of scopes keeps (an asset
// belongs to a scope through its claims; another source's claim keeps it).
import { describe, expect, it } from "vitest";
import { ValidationError } from "@ctem/model";
import {
  FilterList,
  assetFilterOf,
  compileFilters,
  parseFilters,
  scopeAssetFilter,
} from "../src/scopes/filters.js";
import type { FilterableNode } from "../src/scopes/filters.js";
import { sourcesOf } from "../src/scopes/sources.js";

const node = (over: Partial<FilterableNode> = {}): FilterableNode => ({
  kind: "data_store",
  type: "aws.s3.bucket",
  tags: {},
  region: "us-east-1",
  accountId: "111122223333",
  sources: [{ source: "aws:111122223333" }],
  ...over,
});
const bucket = node({ tags: { env: "prod", team: "payments" } });
const instance = node({ kind: "compute", type: "aws.ec2.instance", tags: { env: "dev" } });
const sg = node({ kind: "firewall", type: "aws.ec2.security_group", region: "eu-west-1" });

const passes = (f: { include?: string[]; exclude?: string[] }, n: FilterableNode) => {
  const t = compileFilters(f);
  return t ? t(n) : true;
};

describe("filter syntax", () => {
  it("type is exact or a glob", () => {
    expect(passes({ include: ["type:aws.s3.bucket"] }, bucket)).toBe(true);
    expect(passes({ include: ["type:aws.s3.bucket"] }, instance)).toBe(false);
    expect(passes({ include: ["type:aws.ec2.*"] }, instance)).toBe(true);
    expect(passes({ include: ["type:aws.ec2.*"] }, sg)).toBe(true);
    expect(passes({ include: ["type:aws.ec2.*"] }, bucket)).toBe(false);
    // A dot in the pattern is a dot, not "any character".
    expect(passes({ include: ["type:aws.s3.bucket"] }, node({ type: "aws_s3_bucket" }))).toBe(false);
  });

  it("tag with or without a value, kind, region and account", () => {
    expect(passes({ include: ["tag:env=prod"] }, bucket)).toBe(true);
    expect(passes({ include: ["tag:env=prod"] }, instance)).toBe(false);
    expect(passes({ include: ["tag:team"] }, bucket)).toBe(true);
    expect(passes({ include: ["tag:team"] }, instance)).toBe(false);
    expect(passes({ include: ["tag:team=pay*"] }, bucket)).toBe(true);
    expect(passes({ include: ["kind:data_store"] }, bucket)).toBe(true);
    expect(passes({ include: ["kind:data_store"] }, instance)).toBe(false);
    expect(passes({ include: ["region:eu-*"] }, sg)).toBe(true);
    expect(passes({ include: ["region:eu-*"] }, bucket)).toBe(false);
    expect(passes({ include: ["account:111122223333"] }, bucket)).toBe(true);
    expect(passes({ include: ["account:999999999999"] }, bucket)).toBe(false);
  });

  it("includes are alternatives; an exclude wins over an include; no filters keep everything", () => {
    const f = { include: ["type:aws.s3.*", "kind:compute"], exclude: ["tag:env=dev"] };
    expect(passes(f, bucket)).toBe(true);
    expect(passes(f, instance)).toBe(false);
    expect(passes(f, node({ kind: "compute", type: "aws.ec2.instance" }))).toBe(true);
    expect(passes(f, sg)).toBe(false);
    expect(compileFilters({ include: [], exclude: [] })).toBeUndefined();
    expect(passes({ exclude: ["kind:firewall"] }, sg)).toBe(false);
    expect(passes({ exclude: ["kind:firewall"] }, bucket)).toBe(true);
  });

  it("a bad expression names what is wrong, through zod and through parseFilters", () => {
    for (const [expr, says] of [
      ["bucket", "is not a filter"],
      ["owner:alice", "is not a filter"],
      ["type:", "nothing after"],
      ["type:AWS.S3", "dotted snake_case"],
      ["kind:database", "unknown kind 'database'"],
      ["tag:=prod", "tag key is empty"],
    ] as const) {
      const r = FilterList.safeParse(["type:aws.s3.bucket", expr]);
      expect(r.success, expr).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual([1]);
      expect(r.error?.issues[0]?.message).toContain(says);
      let err: unknown;
      try {
        parseFilters(["kind:compute", expr], "include");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toMatch(/^include\[1\]: /);
    }
    expect(parseFilters([" tag:env=prod "], "exclude")).toEqual(["tag:env=prod"]);
  });
});

describe("which assets a set of scopes keeps", () => {
  const prod = { sources: ["aws:111122223333"], include: ["tag:env=prod"] };

  it("no filters anywhere: no filter at all", () => {
    expect(assetFilterOf([{ sources: ["aws:111122223333"] }])).toBeUndefined();
    expect(assetFilterOf([])).toBeUndefined();
  });

  it("filters apply to the scope's own source only", () => {
    const keep = assetFilterOf([prod])!;
    expect(keep(bucket)).toBe(true);
    expect(keep(instance)).toBe(false);
    // Another account's asset, an import's, an unclaimed stub and the internet are not this scope's.
    expect(keep(node({ ...instance, sources: [{ source: "aws:999999999999" }] }))).toBe(true);
    expect(keep(node({ ...instance, sources: [{ source: "import:trivy:x" }] }))).toBe(true);
    expect(keep(node({ ...instance, sources: [] }))).toBe(true);
    expect(
      keep(node({ kind: "internet", type: "internet", sources: [{ source: "aws:111122223333" }] })),
    ).toBe(true);
  });

  it("a claim from an unfiltered source or a second, unfiltered scope keeps the asset", () => {
    const both = { ...instance, sources: [{ source: "aws:111122223333" }, { source: "import:x" }] };
    expect(assetFilterOf([prod])!(both)).toBe(true);
    expect(assetFilterOf([prod, { sources: ["aws:111122223333"] }])!(instance)).toBe(true);
    expect(
      assetFilterOf([prod, { sources: ["aws:111122223333"], include: ["kind:compute"] }])!(instance),
    ).toBe(true);
  });

  it("a stored filter that no longer parses is an error naming the scope", () => {
    expect(() => assetFilterOf([{ name: "old", sources: ["aws:1"], include: ["nope"] }])).toThrow(
      /scope 'old': 'nope' is not a filter/,
    );
  });

  it("scopes map to their sources: AWS account, each Azure subscription, the GCP parent's id", () => {
    expect(sourcesOf({ id: "s1", provider: "aws", config: { accountId: "111122223333" } })).toEqual([
      "aws:111122223333",
    ]);
    expect(sourcesOf({ id: "s2", provider: "azure", config: { subscriptions: ["sub-a", "sub-b"] } })).toEqual(
      ["azure:sub-a", "azure:sub-b"],
    );
    expect(sourcesOf({ id: "s3", provider: "gcp", config: { parent: "folders/123" } })).toEqual(["gcp:123"]);
    const keep = scopeAssetFilter([
      {
        id: "s2",
        name: "az",
        provider: "azure",
        config: { subscriptions: ["sub-a"] },
        include: [],
        exclude: ["type:azure.compute.*"],
      },
    ])!;
    expect(keep(node({ type: "azure.compute.virtual_machine", sources: [{ source: "azure:sub-a" }] }))).toBe(
      false,
    );
    expect(keep(node({ type: "azure.compute.virtual_machine", sources: [{ source: "azure:sub-b" }] }))).toBe(
      true,
    );
  });
});
