// `ctem scan gcp`, `ctem scope add --provider gcp` + `ctem scan --scope`, and `ctem import` of a
// Cloud Asset export, as scripts use them: the real @google-cloud/asset client (REST) against the
// testkit replay server, authenticated with a service account key file (self-signed JWTs, so no
// token endpoint is called), then the real analysis on the SQLite file. A small organization
// (fixtures/gcp/list-assets/attack.json) holds one internet → instance → service account → bucket
// path and a decoy for each rule; the forseti export yields its graph and the paths in it.
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStores } from "@ctem/store";
import { startGcpReplayServer } from "@ctem/testkit";
import type { GcpAssetPage, GcpReplayServer } from "@ctem/testkit";
import { main } from "../src/cli/main.js";

const FIX = path.join(import.meta.dirname, "..", "..", "..", "packages", "discovery", "fixtures", "gcp");
const attack = JSON.parse(readFileSync(path.join(FIX, "list-assets", "attack.json"), "utf8")) as {
  parent: string;
  RESOURCE: GcpAssetPage[];
  IAM_POLICY: GcpAssetPage[];
};

let dir: string;
let server: GcpReplayServer;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-gcp-cli-"));
  server = await startGcpReplayServer();
  server.pages(attack.parent, "RESOURCE", attack.RESOURCE);
  server.pages(attack.parent, "IAM_POLICY", attack.IAM_POLICY);
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(
    path.join(dir, "key.json"),
    JSON.stringify({
      type: "service_account",
      project_id: "shop-prod",
      private_key_id: "testkit",
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: "ctem-scanner@shop-prod.iam.gserviceaccount.com",
      client_id: "1",
      token_uri: "http://127.0.0.1:9/token",
    }),
  );
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ctem(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { INIT_CWD: dir },
  });
  return { code, stdout, stderr };
}

const scanArgs = () => [
  "scan",
  "gcp",
  "--project",
  "shop-prod",
  "--api-endpoint",
  server.url,
  "--key-file",
  "key.json",
];

interface IssueJson {
  rule: string;
  entry: { id: string };
  target: { id: string };
  paths: Array<{ hops: Array<{ from: string; to: string; edge: string }> }>;
}

async function issues(): Promise<IssueJson[]> {
  const r = await ctem(["--db", "c.db", "--json", "issues", "list"]);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { items: IssueJson[] }).items;
}

const INST = "//compute.googleapis.com/projects/shop-prod/zones/europe-west1-b/instances/";
const WEB_SA = "//iam.googleapis.com/projects/shop-prod/serviceAccounts/1001";
const BUCKET = "//storage.googleapis.com/shop-customer-data";

describe("ctem scan gcp", () => {
  it("scans through the Cloud Asset API and the analysis finds internet → web → web-sa → bucket, no decoy", async () => {
    const r = await ctem(["--db", "c.db", "--json", ...scanArgs()]);
    expect(r.stderr).toContain("scanning GCP projects/shop-prod (source gcp:shop-prod)");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      source: string;
      status: string;
      collectors: Array<{ name: string; status: string; found: number }>;
      analysis: { issues?: unknown };
    };
    expect(out.source).toBe("gcp:shop-prod");
    expect(out.status).toBe("complete");
    expect(out.collectors.map((c) => [c.name, c.status])).toEqual([
      ["gcp-cai-resource", "ok"],
      ["gcp-cai-iam-policy", "ok"],
    ]);
    // The key file signed the calls (a self-signed JWT: no token endpoint).
    expect(server.calls.every((c) => /^Bearer ey/.test(c.authorization ?? ""))).toBe(true);
    const list = await issues();
    expect(list.map((i) => `${i.rule} ${i.entry.id} -> ${i.target.id}`)).toEqual([
      `exposed-compute-to-sensitive-data ${INST}web -> ${BUCKET}`,
    ]);
    expect(list[0]!.paths[0]!.hops.map((h) => [h.from, h.edge, h.to])).toEqual([
      ["internet", "EXPOSES", `${INST}web`],
      [`${INST}web`, "RUNS_AS", WEB_SA],
      [WEB_SA, "CAN_ACCESS", BUCKET],
    ]);
  });

  it("a denied listing exits 3, names the collector and code, and keeps what was stored", async () => {
    expect((await ctem(["--db", "c.db", "--json", ...scanArgs()])).code).toBe(0);
    server.fail(attack.parent, "IAM_POLICY", {
      status: 403,
      code: "PERMISSION_DENIED",
      message: "Permission 'cloudasset.assets.listIamPolicy' denied on resource",
    });
    const r = await ctem(["--db", "c.db", "--json", ...scanArgs()]);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as { status: string; collectors: Array<Record<string, unknown>> };
    expect(out.status).toBe("partial");
    expect(out.collectors[1]).toMatchObject({
      name: "gcp-cai-iam-policy",
      status: "failed",
      errorCode: "PERMISSION_DENIED",
    });
    expect(r.stderr).toContain("gcp-cai-iam-policy");
    // The bindings of the failed collector are kept: the path is still found.
    expect((await issues()).map((i) => i.target.id)).toEqual([BUCKET]);
    server.fail(attack.parent, "RESOURCE", { status: 403, code: "PERMISSION_DENIED", message: "denied" });
    expect((await ctem(["--db", "c.db", "--json", ...scanArgs()])).code).toBe(1);
  });

  it("usage errors exit 2", async () => {
    expect((await ctem(["--db", "c.db", "scan", "gcp"])).code).toBe(2);
    expect((await ctem(["--db", "c.db", "scan", "gcp", "--project", "shop-prod", "--org", "1"])).code).toBe(
      2,
    );
    expect((await ctem(["--db", "c.db", "scan", "gcp", "--project", "NOT_A_PROJECT"])).code).toBe(2);
  });
});

describe("ctem scope add --provider gcp", () => {
  it("stores the parent; `ctem scan --scope` scans it with Application Default Credentials; remove drops its data", async () => {
    const add = await ctem([
      "--db",
      "c.db",
      "--json",
      "scope",
      "add",
      "shop",
      "--provider",
      "gcp",
      "--project",
      "shop-prod",
      "--api-endpoint",
      server.url,
    ]);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({
      provider: "gcp",
      config: { parent: "projects/shop-prod", apiEndpoint: server.url },
    });
    expect(
      (
        await ctem([
          "--db",
          "c.db",
          "scope",
          "add",
          "two",
          "--provider",
          "gcp",
          "--folder",
          "1",
          "--org",
          "2",
        ])
      ).code,
    ).toBe(2);
    // Application Default Credentials: google-auth-library reads the key file's path from the
    // process environment itself.
    process.env.GOOGLE_APPLICATION_CREDENTIALS = path.join(dir, "key.json");
    let scan;
    try {
      scan = await ctem(["--db", "c.db", "--json", "scan", "--scope", "shop"]);
    } finally {
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    }
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout)).toMatchObject({ source: "gcp:shop-prod", status: "complete" });
    const s = openSqliteStores(path.join(dir, "c.db"));
    try {
      const runs = await s.app.scanRuns.list({ limit: 5 });
      expect(runs.items[0]!.trigger).toMatchObject({ kind: "scope" });
    } finally {
      await s.close();
    }
    expect((await issues()).map((i) => i.target.id)).toEqual([BUCKET]);
    const rm = await ctem(["--db", "c.db", "--json", "scope", "remove", "shop"]);
    expect(JSON.parse(rm.stdout)).toMatchObject({
      removed: "shop",
      sources: ["gcp:shop-prod"],
      removedData: true,
    });
    const left = await ctem(["--db", "c.db", "--json", "assets", "list", "--type", "gcp.compute.instance"]);
    expect((JSON.parse(left.stdout) as { items: unknown[] }).items).toEqual([]);
  });
});

describe("ctem import of a Cloud Asset export", () => {
  it("imports the forseti export's files as one estate and analyses it", async () => {
    const files = readdirSync(path.join(FIX, "forseti-cai-export")).filter((f) =>
      /^mock_cai_(resources|iam_policies|org_policies|access_policies)\.ndjson$/.test(f),
    );
    for (const f of files) copyFileSync(path.join(FIX, "forseti-cai-export", f), path.join(dir, f));
    const r = await ctem(["--db", "c.db", "--json", "import", ...files.sort()]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      files: Array<{ name: string; status: string; format: string }>;
      analysis: unknown;
    };
    expect(out.files.map((f) => [f.name, f.status, f.format])).toEqual(
      files.sort().map((f) => [f, "ok", "Cloud Asset Inventory export (NDJSON)"]),
    );
    // Inventory counts beside the (zero) finding counts, and what the export holds that ctem does
    // not model is named, not silently dropped.
    const resources = (out.files as Array<Record<string, unknown>>).find(
      (f) => f.name === "mock_cai_resources.ndjson",
    );
    expect(resources).toMatchObject({
      found: 0,
      assets: { found: 59, written: 59 },
      relationships: { found: 100, written: 100 },
    });
    // BigQuery datasets, Spanner and Bigtable instances are modelled now; tables, clusters… are not.
    expect(resources).toMatchObject({
      ignored: { "bigquery.googleapis.com/Table": 1, "bigtableadmin.googleapis.com/Table": 1 },
    });
    expect(Object.keys((resources as { ignored: Record<string, number> }).ignored)).not.toEqual(
      expect.arrayContaining(["bigquery.googleapis.com/Dataset"]),
    );
    expect(r.stderr).toContain("59 of 59 assets and 100 of 100 relationships written");
    expect(r.stderr).toContain("left out, not modelled yet: ");
    const assets = await ctem(["--db", "c.db", "--json", "assets", "list", "--type", "gcp.compute.instance"]);
    expect((JSON.parse(assets.stdout) as { items: unknown[] }).items).toHaveLength(4);
    // What the analysis makes of it (measured): the four instances are exposed (the export's
    // firewall rules admit public ranges to their tags) and run as their service accounts; two
    // BigQuery datasets grant roles/bigquery.dataViewer to allAuthenticatedUsers, so the internet
    // reaches them (an issue each, fixed with `bq remove-iam-policy-binding`). The Cloud SQL
    // instances and the three datasets are targets, but the export's project bindings name service
    // accounts (1-compute@…) that are not the ones it lists (1041-compute@…), so no instance's
    // path reaches one.
    const a = out.analysis as { edges: Record<string, number>; counts: Record<string, number> };
    expect(a.edges).toEqual({ EXPOSES: 6, RUNS_AS: 4 });
    expect(a.counts).toMatchObject({ nodes: 97, edges: 125, targets: 5, paths: 2, issues: 2 });
    const found = await issues();
    const bq = "//bigquery.googleapis.com/projects/";
    expect(found.map((i) => `${i.rule} ${i.entry.id} -> ${i.target.id}`).sort()).toEqual([
      `exposed-data-store ${bq}1042/datasets/bq_test_ds -> ${bq}1042/datasets/bq_test_ds`,
      `exposed-data-store ${bq}project3/datasets/bq_test_ds1 -> ${bq}project3/datasets/bq_test_ds1`,
    ]);
    const fixes = found as unknown as Array<{ remediation: Array<{ cli?: string }> }>;
    expect(fixes.flatMap((i) => i.remediation.map((r) => r.cli)).sort()).toEqual([
      "bq remove-iam-policy-binding --member=allAuthenticatedUsers --role=roles/bigquery.dataViewer project2:bq_test_ds",
      "bq remove-iam-policy-binding --member=allAuthenticatedUsers --role=roles/bigquery.dataViewer project3:bq_test_ds1",
    ]);
  });
});
