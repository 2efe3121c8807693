// GCP data stores through the real analysis: a small estate in the shape the Cloud Asset transform
// writes (BigQuery datasets with their ACL, a Spanner database, a Bigtable instance) goes into a
// real SQLite store and engine analyze() finds internet → instance → service account → the
// confidential BigQuery dataset, with its fixes; the decoys (a binding on an unrelated project, a
// role without data access, a dataset ACL naming another account) make no issue.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Issue, ScanRun } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import { analyze } from "../src/analyze.js";
import { loadActionCatalog } from "../src/iam/catalog.js";
import { G, GcpEstate } from "./gcp-estate.js";

const KEY = { source: "gcp:1", region: "global", collector: "gcp-cai-resource" };
const IAM = { source: "gcp:1", region: "global", collector: "gcp-cai-iam-policy" };
const CONFIDENTIAL = { "data-classification": "confidential" };

const estate = new GcpEstate()
  // bi runs as bi-sa and is open on 443; batch runs as batch-sa and has no external address.
  .serviceAccount("bi-sa")
  .serviceAccount("batch-sa")
  .serviceAccount("hr-sa")
  .instance("bi", { tags: ["https"], sa: "bi-sa" })
  .instance("batch", { sa: "batch-sa", external: false })
  .firewall("allow-https", { targetTags: ["https"], allowed: [{ protocol: "tcp", ports: ["443"] }] })
  // sales: bi-sa is a WRITER in the dataset's own ACL.
  .dataset("sales", {
    tags: CONFIDENTIAL,
    access: [
      { role: "OWNER", specialGroup: "projectOwners" },
      { role: "WRITER", userByEmail: G.email("bi-sa") },
    ],
  })
  // hr: its ACL names another account (hr-sa, on no exposed instance); bi-sa only runs jobs.
  .dataset("hr", { tags: CONFIDENTIAL, access: [{ role: "READER", userByEmail: G.email("hr-sa") }] })
  // finance in the other project: bi-sa's binding there is on that project only.
  .dataset("finance", { project: G.other, tags: CONFIDENTIAL })
  .spanner("orders", ["ledger"])
  .policy(G.project, "project", [{ role: "roles/bigquery.jobUser", members: [G.member("bi-sa")] }])
  .policy(G.other, "project", [{ role: "roles/spanner.databaseReader", members: [G.member("bi-sa")] }])
  .policy(G.spanner("orders"), "resource", [
    { role: "roles/spanner.databaseUser", members: [G.member("batch-sa")] },
  ]);
// ledger is confidential too (tags on the node), reached only by the unexposed batch-sa.
estate.nodes.find((n) => n.id === G.spannerDb("orders", "ledger"))!.tags = CONFIDENTIAL;

let dir: string;
let issues: Issue[];
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-gcp-data-"));
  const stores = openSqliteStores(path.join(dir, "ctem.db"));
  const run: ScanRun = {
    id: "scan-gcp-data",
    trigger: { kind: "adhoc" },
    status: "complete",
    startedAt: "2026-03-01T00:00:00.000Z",
    collectors: [KEY, IAM].map((k) => ({ ...k, status: "ok" as const, counts: {} })),
  };
  await stores.graph.applyScan(run, [estate.facts()]);
  await analyze(stores, {
    catalog: await loadActionCatalog(),
    now: () => new Date("2026-03-01T01:00:00Z"),
  });
  issues = (await stores.app.listIssues({}, { limit: 100 })).items;
  await stores.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("GCP data stores through analyze() on SQLite", () => {
  it("finds internet → bi → bi-sa → the confidential dataset through the dataset's ACL", () => {
    const sales = issues.find((i) => i.entry.id === G.inst("bi") && i.target.id === G.dataset("sales"));
    expect(sales?.rule).toBe("exposed-compute-to-sensitive-data");
    // Tier 1 by its data-classification label (tag-data-classification); untagged it is tier 2.
    expect(sales!.target.tier).toBe(1);
    expect(sales!.paths[0]!.hops.map((h) => [h.from, h.edge, h.to])).toEqual([
      ["internet", "EXPOSES", G.inst("bi")],
      [G.inst("bi"), "RUNS_AS", G.sa("bi-sa")],
      [G.sa("bi-sa"), "CAN_ACCESS", G.dataset("sales")],
    ]);
    // The last hop's fix drops the ACL entry (src/fixplan/gcp.ts).
    const fix = sales!.remediation.find((r) => r.hopIndex === 2)!;
    expect(fix.cli).toContain("bq show --format=prettyjson p1:sales");
    expect(fix.cli).toContain("delete access[1]");
    expect(fix.terraform).toContain("google_bigquery_dataset_access");
  });

  it("the decoys make no issue: jobUser, the other project's binding, an ACL naming another account", () => {
    expect(issues.map((i) => `${i.rule} ${i.entry.id} -> ${i.target.id}`)).toEqual([
      `exposed-compute-to-sensitive-data ${G.inst("bi")} -> ${G.dataset("sales")}`,
    ]);
  });
});
