// The Cloud Asset Inventory export importer on the forseti export (fixtures/gcp/forseti-cai-export):
// several files of one organization make one estate; counts per node type are computed here from
// the raw NDJSON (one node per line of each modelled asset type), independently of the importer;
// a bad line is refused naming file and line, and nothing stored is lost.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bytesSource, fileSource, importReport } from "../../src/index.js";
import { FIX, graphIds, tempStores } from "./helpers.js";
import type { TempStores } from "./helpers.js";

const DIR = path.join(FIX, "forseti-cai-export");
const ORG_FILES = [
  "mock_cai_resources.ndjson",
  "mock_cai_iam_policies.ndjson",
  "mock_cai_org_policies.ndjson",
  "mock_cai_access_policies.ndjson",
];
const lines = (f: string) =>
  readFileSync(path.join(DIR, f), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const TYPE_OF: Record<string, string> = {
  "cloudresourcemanager.googleapis.com/Organization": "gcp.organization",
  "cloudresourcemanager.googleapis.com/Folder": "gcp.folder",
  "cloudresourcemanager.googleapis.com/Project": "gcp.project",
  "compute.googleapis.com/Instance": "gcp.compute.instance",
  "compute.googleapis.com/Firewall": "gcp.compute.firewall",
  "compute.googleapis.com/Network": "gcp.compute.network",
  "compute.googleapis.com/Subnetwork": "gcp.compute.subnetwork",
  "storage.googleapis.com/Bucket": "gcp.storage.bucket",
  "sqladmin.googleapis.com/Instance": "gcp.sql.instance",
  "bigquery.googleapis.com/Dataset": "gcp.bigquery.dataset",
  "spanner.googleapis.com/Instance": "gcp.spanner.instance",
  "spanner.googleapis.com/Database": "gcp.spanner.database",
  "bigtableadmin.googleapis.com/Instance": "gcp.bigtable.instance",
  "iam.googleapis.com/ServiceAccount": "gcp.iam.service_account",
  "iam.googleapis.com/ServiceAccountKey": "gcp.iam.service_account_key",
};

let stores: TempStores;
beforeEach(() => {
  stores = tempStores();
});
afterEach(async () => {
  await stores.dispose();
});

const run = { id: "import-gcp-1", startedAt: "2026-01-01T00:00:00.000Z" };

async function importAll(files: string[], r = run) {
  const out = [];
  for (const f of files) out.push(await importReport(stores.graph, fileSource(path.join(DIR, f), f), r));
  return out;
}

async function typeCounts() {
  const g = await graphIds(stores);
  const counts: Record<string, number> = {};
  for (const n of g.state.nodes.values()) if (!n.stub) counts[n.type] = (counts[n.type] ?? 0) + 1;
  return { counts, g };
}

describe("gcp-cai importer (forseti Cloud Asset export)", () => {
  it("imports the organization's four files as one estate under gcp:111222333", async () => {
    const results = await importAll(ORG_FILES);
    expect(results.map((r) => [r.name, r.status, r.format])).toEqual(
      ORG_FILES.map((f) => [f, "ok", "Cloud Asset Inventory export (NDJSON)"]),
    );
    expect(results.map((r) => r.collectors.map((c) => `${c.source}|${c.region}|${c.collector}`))).toEqual([
      ["gcp:111222333|global|gcp-cai-resource"],
      ["gcp:111222333|global|gcp-cai-iam-policy"],
      ["gcp:111222333|global|gcp-cai-org-policy"],
      ["gcp:111222333|global|gcp-cai-access-policy"],
    ]);
    // Independent count: one node per line of each modelled asset type in the resources file.
    const expected: Record<string, number> = {};
    for (const l of lines("mock_cai_resources.ndjson")) {
      const t = TYPE_OF[l.asset_type as string];
      if (t) expected[t] = (expected[t] ?? 0) + 1;
    }
    expected["gcp.iam.policy"] = lines("mock_cai_iam_policies.ndjson").length;
    expected["gcp.orgpolicy.policy"] = lines("mock_cai_org_policies.ndjson").reduce(
      (n, l) => n + (l.org_policy as unknown[]).length,
      0,
    );
    expected["gcp.accesscontextmanager.policy"] = lines("mock_cai_access_policies.ndjson").length;
    const { counts, g } = await typeCounts();
    expect(counts).toEqual(expected);
    // The figures those counts come to (measured on this export).
    expect(expected).toEqual({
      "gcp.organization": 1,
      "gcp.folder": 3,
      "gcp.project": 4,
      "gcp.compute.instance": 4,
      "gcp.compute.firewall": 7,
      "gcp.compute.network": 2,
      "gcp.compute.subnetwork": 24,
      "gcp.storage.bucket": 2,
      "gcp.sql.instance": 2,
      "gcp.bigquery.dataset": 3,
      "gcp.spanner.instance": 1,
      "gcp.spanner.database": 1,
      "gcp.bigtable.instance": 1,
      "gcp.iam.service_account": 3,
      "gcp.iam.service_account_key": 1,
      "gcp.iam.policy": 22,
      "gcp.orgpolicy.policy": 3,
      "gcp.accesscontextmanager.policy": 5,
    });
    expect(g.edges).toHaveLength(125);
    expect(g.stubs).toHaveLength(8);
    // The hierarchy: org → folder 1032 → folder 1033 → project 1044; IAM policies joined to it.
    const crm = "//cloudresourcemanager.googleapis.com/";
    expect(g.edges).toEqual(
      expect.arrayContaining([
        `${crm}organizations/111222333 -CONTAINS-> ${crm}folders/1032`,
        `${crm}folders/1032 -CONTAINS-> ${crm}folders/1033`,
        `${crm}folders/1033 -CONTAINS-> ${crm}projects/1044`,
        `${crm}organizations/111222333 -ATTACHED_POLICY-> ${crm}organizations/111222333#iamPolicy`,
        `${crm}projects/1042 -CONTAINS-> //bigquery.googleapis.com/projects/1042/datasets/bq_test_ds`,
        "//bigquery.googleapis.com/projects/1042/datasets/bq_test_ds -ATTACHED_POLICY-> //bigquery.googleapis.com/projects/1042/datasets/bq_test_ds#iamPolicy",
        `${crm}projects/1042 -CONTAINS-> //spanner.googleapis.com/projects/project2/instances/test123`,
        "//spanner.googleapis.com/projects/project2/instances/test123 -CONTAINS-> //spanner.googleapis.com/projects/project2/instances/test123/databases/test-db",
        `${crm}projects/1042 -CONTAINS-> //bigtable.googleapis.com/projects/project2/instances/test-bigtable`,
        "//iam.googleapis.com/projects/project2/serviceAccounts/09876543210987654321 -HAS_KEY-> //iam.googleapis.com/projects/project2/serviceAccounts/09876543210987654321/keys/5555abcabcabc444444abcabc",
      ]),
    );
    const inst = g.state.nodes.get(
      "//compute.googleapis.com/projects/project1/zones/us-central1-c/instances/iap_instance1",
    )!;
    expect(inst.props).toMatchObject({ externalIps: ["192.168.1.2"], networkTags: ["iap-tag"] });
    expect(inst.accountId).toBe("project1");
    expect(
      g.state.nodes.get(
        "//iam.googleapis.com/projects/project2/serviceAccounts/09876543210987654321/keys/5555abcabcabc444444abcabc",
      )!.props.keyType,
    ).toBe("SYSTEM_MANAGED");
  });

  it("a bad line refuses the file naming file and line; what is stored stays", async () => {
    await importAll(ORG_FILES);
    const before = await graphIds(stores);
    const text = readFileSync(path.join(DIR, "mock_cai_iam_policies.ndjson"), "utf8").split("\n");
    text.splice(3, 0, '{"name": "//cloudresourcemanager.googleapis.com/projects/1041", "asset_type": ');
    const r = await importReport(stores.graph, bytesSource("broken.ndjson", text.join("\n")), {
      id: "import-gcp-2",
      startedAt: "2026-01-02T00:00:00.000Z",
    });
    expect(r.status).toBe("refused");
    expect(r.errorCode).toBe("invalid_input");
    expect(r.message).toMatch(/broken\.ndjson:4: not a JSON line/);
    const noName = await importReport(
      stores.graph,
      bytesSource(
        "noname.ndjson",
        '{"name":"//storage.googleapis.com/b","asset_type":"storage.googleapis.com/Bucket","resource":{"data":{}}}\n{"asset_type":"x"}\n',
      ),
      { id: "import-gcp-3", startedAt: "2026-01-03T00:00:00.000Z" },
    );
    expect(noName.status).toBe("refused");
    expect(noName.message).toMatch(/noname\.ndjson:2: not a Cloud Asset Inventory asset: no name/);
    const after = await graphIds(stores);
    expect(after.nodes).toEqual(before.nodes);
    expect(after.edges).toEqual(before.edges);
  });

  it("streams a large export in chunks and still joins across them (an instance's service account listed 1,200 lines later)", async () => {
    const P = "//cloudresourcemanager.googleapis.com/projects/42";
    const lines = [
      {
        name: "//compute.googleapis.com/projects/p1/zones/z-a/instances/first",
        asset_type: "compute.googleapis.com/Instance",
        resource: {
          parent: P,
          data: { name: "first", serviceAccounts: [{ email: "late@p1.iam.gserviceaccount.com" }] },
        },
      },
      ...Array.from({ length: 1200 }, (_, i) => ({
        name: `//compute.googleapis.com/projects/p1/global/firewalls/fw-${i}`,
        asset_type: "compute.googleapis.com/Firewall",
        resource: { parent: P, data: { name: `fw-${i}`, sourceRanges: ["10.0.0.0/8"] } },
      })),
      {
        name: "//iam.googleapis.com/projects/p1/serviceAccounts/999",
        asset_type: "iam.googleapis.com/ServiceAccount",
        resource: {
          parent: P,
          data: { email: "late@p1.iam.gserviceaccount.com", uniqueId: "999", projectId: "p1" },
        },
      },
    ];
    const r = await importReport(
      stores.graph,
      bytesSource("big.ndjson", lines.map((l) => JSON.stringify(l)).join("\n")),
      run,
    );
    expect(r.status).toBe("ok");
    expect(r.collectors.map((c) => c.source)).toEqual(["gcp:42"]);
    const g = await graphIds(stores);
    expect(g.nodes).toHaveLength(1202);
    expect(g.edges).toContain(
      "//compute.googleapis.com/projects/p1/zones/z-a/instances/first -HAS_ROLE-> //iam.googleapis.com/projects/p1/serviceAccounts/999",
    );
    expect(g.stubs).toEqual([P]);
  });

  it("a per-project export names its own root (the top of the parents it describes)", async () => {
    const [r] = await importAll(["mock_cai_project4_resources.ndjson"]);
    expect(r!.collectors.map((c) => c.source)).toEqual(["gcp:1033"]);
  });
});
