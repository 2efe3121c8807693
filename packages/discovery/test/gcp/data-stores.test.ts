// The Cloud Asset transform on the GCP data stores (fixtures/gcp/data-stores, hand-written from
// the Cloud Asset, BigQuery, Spanner and Bigtable REST references): BigQuery datasets with their
// own ACL, Spanner instances and databases, Bigtable instances — data_store nodes keyed by full
// resource name, labels as tags, CONTAINS from the project or the instance.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeAsset, transformIamPolicies, transformResources } from "../../src/index.js";
import { FIX } from "./helpers.js";

const KEY = { source: "gcp:77", region: "global", collector: "gcp-cai-resource" };
const IAM = { source: "gcp:77", region: "global", collector: "gcp-cai-iam-policy" };
const assets = readFileSync(path.join(FIX, "data-stores", "data-stores.ndjson"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => normalizeAsset(JSON.parse(l)));

const PROJECT = "//cloudresourcemanager.googleapis.com/projects/4242";
const DATASET = "//bigquery.googleapis.com/projects/shop-prod/datasets/sales";
const SPANNER = "//spanner.googleapis.com/projects/shop-prod/instances/orders";
const DB = `${SPANNER}/databases/ledger`;
const BIGTABLE = "//bigtable.googleapis.com/projects/shop-prod/instances/events";

describe("Cloud Asset transform: data stores", () => {
  const facts = transformResources(
    assets.filter((a) => a.resource),
    KEY,
  );
  const node = (id: string) => facts.nodes!.find((n) => n.id === id)!;

  it("writes one data_store node per dataset, Spanner instance and database and Bigtable instance", () => {
    expect(facts.nodes!.map((n) => [n.id, n.kind, n.type, n.accountId, n.region ?? null])).toEqual([
      [PROJECT, "account", "gcp.project", "shop-prod", null],
      [DATASET, "data_store", "gcp.bigquery.dataset", "shop-prod", "eu"],
      [SPANNER, "data_store", "gcp.spanner.instance", "shop-prod", "europe-west1"],
      [DB, "data_store", "gcp.spanner.database", "shop-prod", null],
      [BIGTABLE, "data_store", "gcp.bigtable.instance", "shop-prod", null],
    ]);
    expect(facts.edges!.map((e) => `${e.from} -${e.kind}-> ${e.to}`)).toEqual([
      `//cloudresourcemanager.googleapis.com/organizations/77 -CONTAINS-> ${PROJECT}`,
      `${PROJECT} -CONTAINS-> ${DATASET}`,
      `${PROJECT} -CONTAINS-> ${SPANNER}`,
      `${SPANNER} -CONTAINS-> ${DB}`,
      `${PROJECT} -CONTAINS-> ${BIGTABLE}`,
    ]);
  });

  it("keeps labels as tags and the dataset's ACL entries as props", () => {
    expect(node(DATASET).tags).toEqual({ "data-classification": "confidential", team: "finance" });
    expect(node(SPANNER).tags).toEqual({ "data-classification": "restricted" });
    expect(node(BIGTABLE).tags).toEqual({ env: "prod" });
    expect(node(DATASET).name).toBe("sales");
    expect(node(DATASET).props).toEqual({
      datasetId: "sales",
      location: "EU",
      kmsKeyName: "projects/shop-prod/locations/eu/keyRings/r/cryptoKeys/k",
      access: [
        { role: "OWNER", specialGroup: "projectOwners" },
        { role: "WRITER", userByEmail: "etl@shop-prod.iam.gserviceaccount.com" },
        { role: "READER", groupByEmail: "analysts@example.com" },
        { role: "READER", iamMember: "allUsers" },
        { role: "READER", authorized: "view" },
      ],
    });
    expect(node(SPANNER).props).toEqual({
      instanceId: "orders",
      config: "regional-europe-west1",
      state: "READY",
      nodeCount: 1,
    });
    expect(node(DB).props).toEqual({
      instance: SPANNER,
      state: "READY",
      databaseDialect: "GOOGLE_STANDARD_SQL",
    });
    expect(node(BIGTABLE).props).toEqual({
      instanceId: "events",
      state: "READY",
      instanceType: "PRODUCTION",
    });
  });

  it("a dataset's IAM policy attaches to the dataset as a resource-level policy", () => {
    const p = transformIamPolicies(
      assets.filter((a) => a.iamPolicy),
      IAM,
    );
    expect(p.edges!.map((e) => `${e.from} -${e.kind}-> ${e.to}`)).toEqual([
      `${DATASET} -ATTACHED_POLICY-> ${DATASET}#iamPolicy`,
    ]);
    expect(p.nodes![0]!.props).toMatchObject({
      level: "resource",
      assetType: "bigquery.googleapis.com/Dataset",
      bindings: [
        {
          role: "roles/bigquery.dataViewer",
          members: ["serviceAccount:reporting@shop-prod.iam.gserviceaccount.com"],
        },
      ],
    });
  });
});
