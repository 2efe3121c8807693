// The import matching rules (DESIGN "Findings"), proven through the SQLite store's applyScan: a
// finding's report identifiers land on the node each rule names, ambiguity leaves it unmatched,
// and an unmatched finding is re-matched when a later scan brings its asset.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FindingFact, GraphFacts, GraphStore, NodeFact } from "@ctem/model";
import { openSqliteStores } from "../src/index.js";
import type { SqliteStores } from "../src/index.js";
import { nodeFact, scanRun, vulnFact } from "../src/contract/graph-store.contract.js";
import { DEFAULT_MATCH_RULES, hostnameRule, privateIpRule } from "../src/matcher.js";

const aws = { source: "aws:111122223333", region: "us-east-1", collector: "aws-ec2-instances" };
const imp = { source: "import:trivy:x", region: "global", collector: "import-trivy" };
const D1 = `sha256:${"a".repeat(64)}`;

// eslint-disable-next-line @typescript-eslint/require-await -- an async iterable of one chunk
async function* chunks(c: GraphFacts) {
  yield c;
}

let dir: string;
let stores: SqliteStores;
let g: GraphStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-matcher-"));
  stores = openSqliteStores(path.join(dir, "ctem.db"));
  g = stores.graph;
});
afterEach(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

async function put(nodes: NodeFact[]) {
  await g.applyScan(scanRun([aws]), chunks({ nodes }));
}
async function find(ids: string[]): Promise<{ assetRef: string; matchedBy: unknown }> {
  const f: FindingFact = vulnFact("CVE-2024-0001", ids[0]!, imp, "trivy", { resource: { ids } });
  await g.applyScan(scanRun([imp], { kind: "import" }), chunks({ findings: [f] }));
  const items = (await g.listFindings({ ruleId: "CVE-2024-0001" }, { limit: 10 })).items;
  expect(items).toHaveLength(1);
  return { assetRef: items[0]!.assetRef, matchedBy: items[0]!.props.matchedBy };
}

describe("matcher rules", () => {
  it("lists the rules in priority order", () => {
    expect(DEFAULT_MATCH_RULES.map((r) => r.id)).toEqual([
      "node-id",
      "azure-resource-id",
      "gcp-resource-name",
      "arn-resource-id",
      "image-digest",
      "workload-image-digest",
      "private-ip",
      "hostname",
    ]);
  });

  it("matches an instance id to the instance's ARN", async () => {
    const arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc";
    await put([nodeFact(arn, aws)]);
    expect(await find(["i-0abc"])).toEqual({ assetRef: arn, matchedBy: "arn-resource-id" });
  });

  it("matches an image digest (ECR ARN, repo@digest) to the image node workloads run", async () => {
    const img = "arn:aws:ecr:us-east-1:111122223333:repository/app";
    await put([
      nodeFact(img, aws, { kind: "image", type: "aws.ecr.image", props: { digest: D1 } }),
      nodeFact("arn:aws:ecs:us-east-1:111122223333:task/t1", aws, { props: { imageDigest: D1 } }),
      nodeFact("arn:aws:ecs:us-east-1:111122223333:task/t2", aws, { props: { imageDigest: D1 } }),
    ]);
    expect(await find([`registry.example/app@${D1.toUpperCase()}`])).toEqual({
      assetRef: img,
      matchedBy: "image-digest",
    });
  });

  it("matches a digest to the one workload running it, and leaves several workloads unmatched", async () => {
    const t1 = "arn:aws:ecs:us-east-1:111122223333:task/t1";
    await put([nodeFact(t1, aws, { props: { imageDigest: D1 } })]);
    expect(await find([D1])).toEqual({ assetRef: t1, matchedBy: "workload-image-digest" });
    await put([
      nodeFact(t1, aws, { props: { imageDigest: D1 } }),
      nodeFact("arn:aws:ecs:us-east-1:111122223333:task/t2", aws, { props: { imageDigest: D1 } }),
    ]);
    // re-matching keeps the finding where it was; a new finding on the digest is ambiguous now
    const f = vulnFact("CVE-2024-0002", D1, imp, "trivy");
    await g.applyScan(scanRun([imp], { kind: "import" }), chunks({ findings: [f] }));
    const items = (await g.listFindings({ ruleId: "CVE-2024-0002" }, { limit: 10 })).items;
    expect(items.map((i) => i.assetRef)).toEqual([`unmatched:${D1}`]);
  });

  it("matches a private IP only within the same network", async () => {
    const a = "arn:aws:ec2:us-east-1:111122223333:instance/i-a";
    const b = "arn:aws:ec2:us-east-1:111122223333:instance/i-b";
    await put([
      nodeFact(a, aws, { props: { privateIp: "10.0.0.5", vpcId: "vpc-1" } }),
      nodeFact(b, aws, {
        props: { privateIp: "10.0.0.5", networkId: "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-2" },
      }),
    ]);
    expect(await find(["i-unknown", "private-ip:vpc-2:10.0.0.5"])).toEqual({
      assetRef: b,
      matchedBy: "private-ip",
    });
    expect(privateIpRule.keysForFinding(["10.0.0.5"])).toEqual([]);
  });

  it("matches a host name case-insensitively", async () => {
    const a = "arn:aws:ec2:us-east-1:111122223333:instance/i-a";
    await put([nodeFact(a, aws, { props: { hostname: "Web-1.internal" } })]);
    expect(await find(["WEB-1.internal."])).toEqual({ assetRef: a, matchedBy: "hostname" });
    expect(hostnameRule.keysForFinding(["/subscriptions/x", "sha256:ab"])).toEqual([]);
  });

  it("matches Azure resource ids whatever their case", async () => {
    const id = "/subscriptions/9cfb/resourcegroups/rg/providers/microsoft.storage/storageaccounts/sa1";
    await put([nodeFact(id, aws, { provider: "azure", type: "azure.storage.account", kind: "data_store" })]);
    expect(
      await find(["/subscriptions/9CFB/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/sa1"]),
    ).toEqual({
      assetRef: id,
      matchedBy: "azure-resource-id",
    });
  });

  it("matches a GCP self-link to the Cloud Asset full resource name", async () => {
    const id = "//compute.googleapis.com/projects/p1/zones/us-east4-c/instances/web";
    await put([nodeFact(id, aws, { provider: "gcp", type: "gcp.compute.instance" })]);
    expect(
      await find(["https://www.googleapis.com/compute/v1/projects/p1/zones/us-east4-c/instances/web"]),
    ).toEqual({
      assetRef: id,
      matchedBy: "gcp-resource-name",
    });
  });

  it("keeps an unmatched finding and re-matches it when its asset arrives", async () => {
    expect(await find(["i-later"])).toEqual({ assetRef: "unmatched:i-later", matchedBy: undefined });
    const arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-later";
    await put([nodeFact(arn, aws)]);
    const items = (await g.listFindings({ ruleId: "CVE-2024-0001" }, { limit: 10 })).items;
    expect(items.map((i) => [i.assetRef, i.matched])).toEqual([[arn, true]]);
  });
});
