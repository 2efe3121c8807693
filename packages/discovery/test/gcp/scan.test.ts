// The GCP connector through the real @google-cloud/asset client (REST fallback) against the
// testkit replay server: listAssets paged with RESOURCE and IAM_POLICY content, exact node and
// edge sets; a second scan where something disappeared; a denied listing (scripted 403) that
// fails its collector and deletes nothing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGcpReplayServer } from "@ctem/testkit";
import type { GcpReplayServer } from "@ctem/testkit";
import { scanGcp } from "../../src/index.js";
import { graphIds, listAssetsFixture, script, tempStores, testAuth } from "./helpers.js";
import type { TempStores } from "./helpers.js";

let server: GcpReplayServer;
let stores: TempStores;
beforeEach(async () => {
  server = await startGcpReplayServer();
  stores = tempStores();
});
afterEach(async () => {
  await server.close();
  await stores.dispose();
});

const scan = () =>
  scanGcp({
    graph: stores.graph,
    scanRuns: stores.app.scanRuns,
    trigger: { kind: "adhoc" },
    parent: "projects/cloud-custodian",
    authClient: testAuth(),
    apiEndpoint: "127.0.0.1",
    port: server.port,
    protocol: "http",
  });

const PROJECT = "//cloudresourcemanager.googleapis.com/projects/1098479648729";
const NET = "//compute.googleapis.com/projects/cloud-custodian/global/networks/default";
const FW = "//compute.googleapis.com/projects/cloud-custodian/global/firewalls/allow-inbound-xyz";
const INST = "//compute.googleapis.com/projects/cloud-custodian/zones/";
const SA = "//iam.googleapis.com/projects/custodian-1291/serviceAccounts/110936229421407410679";
const KEY = `${SA}/keys/0123456789abcdef0123456789abcdef01234567`;
const B = "//storage.googleapis.com/cloud-custodian-test-";
const SUB = "//compute.googleapis.com/projects/cloud-custodian/regions/";
const BY_EMAIL = "//iam.googleapis.com/projects/-/serviceAccounts/";
const instances = [
  ["us-central1-a/instances/instance-1", "us-central1/subnetworks/default", "1098479648729-compute"],
  [
    "us-central1-b/instances/c7n-jenkins",
    "us-central1/subnetworks/default-48aec19374439812",
    "628364681111-compute",
  ],
  [
    "us-central1-b/instances/drone",
    "us-central1/subnetworks/default-48aec19374439812",
    "628364689111-compute",
  ],
  [
    "us-east1-b/instances/custodian-dev",
    "us-east1/subnetworks/default-07bf749b4b0e8db2",
    "628364681111-compute",
  ],
  ["us-east1-d/instances/custodian", "us-east1/subnetworks/default-07bf749b4b0e8db2", "628364681111-compute"],
] as const;

const EXPECTED_NODES = [
  PROJECT,
  `${PROJECT}#iamPolicy`,
  FW,
  NET,
  ...instances.map(([i]) => INST + i),
  SA,
  KEY,
  ...[1, 2, 3].flatMap((i) => [`${B}${i}`, `${B}${i}#iamPolicy`]),
].sort();

const EXPECTED_EDGES = [
  `//cloudresourcemanager.googleapis.com/organizations/633447823333 -CONTAINS-> ${PROJECT}`,
  `${PROJECT} -ATTACHED_POLICY-> ${PROJECT}#iamPolicy`,
  ...[FW, NET, ...instances.map(([i]) => INST + i), SA, `${B}1`, `${B}2`, `${B}3`].map(
    (x) => `${PROJECT} -CONTAINS-> ${x}`,
  ),
  `${FW} -IN_NETWORK-> ${NET}`,
  ...instances.flatMap(([i, sub, sa]) => [
    `${INST}${i} -HAS_ROLE-> ${BY_EMAIL}${sa}@developer.gserviceaccount.com`,
    `${INST}${i} -IN_NETWORK-> ${NET}`,
    `${INST}${i} -IN_SUBNET-> ${SUB}${sub}`,
  ]),
  `${SA} -HAS_KEY-> ${KEY}`,
  ...[1, 2, 3].map((i) => `${B}${i} -ATTACHED_POLICY-> ${B}${i}#iamPolicy`),
].sort();

describe("scanGcp through @google-cloud/asset (REST) against the replay server", () => {
  it("lists RESOURCE and IAM_POLICY content, paged, into exact node and edge sets", async () => {
    script(server, listAssetsFixture("cloud-custodian.json"));
    const r = await scan();
    expect(r.source).toBe("gcp:cloud-custodian");
    expect(r.run.status).toBe("complete");
    expect(r.run.collectors.map((c) => [c.collector, c.status, c.region])).toEqual([
      ["gcp-cai-resource", "ok", "global"],
      ["gcp-cai-iam-policy", "ok", "global"],
    ]);
    // Two RESOURCE pages (the second by pageToken), one IAM_POLICY page; the token sent every time.
    expect(server.calls.map((c) => [c.contentType, c.pageToken]).sort()).toEqual([
      ["IAM_POLICY", ""],
      ["RESOURCE", ""],
      ["RESOURCE", "page-1"],
    ]);
    expect(server.calls.every((c) => c.authorization === "Bearer testkit-token")).toBe(true);
    expect(server.calls.find((c) => c.contentType === "RESOURCE")!.assetTypes).toEqual(
      expect.arrayContaining([
        "compute.googleapis.com/Firewall",
        "bigquery.googleapis.com/Dataset",
        "spanner.googleapis.com/Instance",
        "spanner.googleapis.com/Database",
        "bigtableadmin.googleapis.com/Instance",
      ]),
    );
    const g = await graphIds(stores);
    expect(g.nodes).toEqual(EXPECTED_NODES);
    expect(g.edges).toEqual(EXPECTED_EDGES);

    const node = (id: string) => g.state.nodes.get(id)!;
    const jenkins = node(`${INST}us-central1-b/instances/c7n-jenkins`);
    expect(jenkins.props).toMatchObject({
      externalIps: ["104.154.233.11"],
      networkTags: ["https-server"],
      serviceAccounts: ["628364681111-compute@developer.gserviceaccount.com"],
      status: "RUNNING",
    });
    expect(jenkins.region).toBe("us-central1");
    // The Cloud Asset recording: labels from resource.data, decoded from the wire as plain JSON.
    expect(node(`${INST}us-central1-a/instances/instance-1`).tags).toEqual({ quarantined: "testing" });
    expect(node(FW).props).toMatchObject({
      direction: "INGRESS",
      priority: 1000,
      disabled: false,
      sourceRanges: ["0.0.0.0/0"],
      targetServiceAccounts: ["604150802624-compute@developer.gserviceaccount.com"],
      allowed: [{ protocol: "all", ports: [] }],
    });
    expect(node(SA).props).toMatchObject({
      email: "devtest@custodian-1291.iam.gserviceaccount.com",
      uniqueId: "110936229421407410679",
    });
    expect(node(KEY).props).toMatchObject({ keyType: "USER_MANAGED" });
    expect(node(`${B}1#iamPolicy`).props.bindings).toContainEqual({
      role: "roles/cloudbuild.builds.builder",
      members: ["allUsers"],
    });
    expect(node(`${PROJECT}#iamPolicy`).props.level).toBe("project");
    expect(node(`${B}2`).sources).toEqual([
      { source: "gcp:cloud-custodian", region: "global", collector: "gcp-cai-resource" },
    ]);
  });

  it("a second scan removes what disappeared", async () => {
    const f = listAssetsFixture("cloud-custodian.json");
    script(server, f);
    await scan();
    f.RESOURCE[1]!.assets = f.RESOURCE[1]!.assets.filter((a) => (a as { name: string }).name !== `${B}3`);
    f.IAM_POLICY[0]!.assets = f.IAM_POLICY[0]!.assets.filter((a) => (a as { name: string }).name !== `${B}3`);
    script(server, f);
    const r = await scan();
    expect(r.run.status).toBe("complete");
    const g = await graphIds(stores);
    expect(g.nodes).toEqual(EXPECTED_NODES.filter((n) => !n.startsWith(`${B}3`)));
    expect(g.edges).toEqual(EXPECTED_EDGES.filter((e) => !e.includes(`${B}3`)));
  });

  it("a denied listing (403) is a failed collector with its code, and deletes nothing", async () => {
    const f = listAssetsFixture("cloud-custodian.json");
    script(server, f);
    await scan();
    f.RESOURCE[1]!.assets = f.RESOURCE[1]!.assets.filter((a) => (a as { name: string }).name !== `${B}3`);
    script(server, { ...f, IAM_POLICY: [] });
    server.fail("projects/cloud-custodian", "IAM_POLICY", {
      status: 403,
      code: "PERMISSION_DENIED",
      message: "The caller does not have permission cloudasset.assets.listIamPolicy",
    });
    const r = await scan();
    expect(r.run.status).toBe("partial");
    const failed = r.run.collectors.find((c) => c.collector === "gcp-cai-iam-policy")!;
    expect(failed).toMatchObject({ status: "failed", errorCode: "PERMISSION_DENIED" });
    expect(failed.message).toContain("cloudasset.assets.listIamPolicy");
    const g = await graphIds(stores);
    // The IAM policies (the failed collector's claims) all stay, bucket 3's too; the resource
    // listing succeeded, so bucket 3 itself is gone (a stub remains as the policy's endpoint).
    expect(g.nodes).toEqual(EXPECTED_NODES.filter((n) => n !== `${B}3`));
    expect(g.stubs).toContain(`${B}3`);
    expect(g.edges).toEqual(EXPECTED_EDGES.filter((e) => e !== `${PROJECT} -CONTAINS-> ${B}3`));
  });

  it("a refused resource listing fails that collector, never an empty estate", async () => {
    script(server, listAssetsFixture("cloud-custodian.json"));
    await scan();
    server.fail("projects/cloud-custodian", "RESOURCE", {
      status: 403,
      code: "PERMISSION_DENIED",
      message: "Cloud Asset API has not been used in project cloud-custodian",
    });
    const r = await scan();
    expect(r.run.collectors.find((c) => c.collector === "gcp-cai-resource")).toMatchObject({
      status: "failed",
      errorCode: "PERMISSION_DENIED",
    });
    expect((await graphIds(stores)).nodes).toEqual(EXPECTED_NODES);
  });

  it("refuses a parent that is not a project, folder or organization", async () => {
    await expect(
      scanGcp({
        graph: stores.graph,
        scanRuns: stores.app.scanRuns,
        trigger: { kind: "adhoc" },
        parent: "billingAccounts/1",
        authClient: testAuth(),
      }),
    ).rejects.toThrow(/not a GCP scan parent/);
  });
});
