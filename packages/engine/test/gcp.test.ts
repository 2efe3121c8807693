// GCP attack edges through the real analysis: facts in the shape the Cloud Asset transform writes
// (packages/discovery/src/gcp/transform.ts) go into a real SQLite store, engine analyze() derives,
// searches and commits. An internet → instance → service account → bucket path is found, and a
// decoy for each rule is not: a deny at better priority, a deny at equal priority, a disabled
// rule, a target-tag mismatch, an instance without an external address, a binding on an unrelated
// project, a narrow authorized network, public access prevention, a system-managed key.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { EdgeFact, GraphFacts, NodeFact, ScanRun } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import { analyze } from "../src/analyze.js";
import { derive } from "../src/derive.js";
import type { DeriveResult } from "../src/derive.js";
import { estateFromFacts } from "../src/graph.js";
import { loadActionCatalog } from "../src/iam/catalog.js";

const KEY = { source: "gcp:1", region: "global", collector: "gcp-cai-resource" };
const IAM = { source: "gcp:1", region: "global", collector: "gcp-cai-iam-policy" };
const CRM = "//cloudresourcemanager.googleapis.com/";
const ORG = `${CRM}organizations/1`;
const FOLDER = `${CRM}folders/2`;
const PROJ = `${CRM}projects/100`;
const OTHER = `${CRM}projects/200`;
const NET = "//compute.googleapis.com/projects/shop-prod/global/networks/vpc";
const inst = (n: string) => `//compute.googleapis.com/projects/shop-prod/zones/europe-west1-b/instances/${n}`;
const fw = (n: string) => `//compute.googleapis.com/projects/shop-prod/global/firewalls/${n}`;
const email = (n: string, p = "shop-prod") => `${n}@${p}.iam.gserviceaccount.com`;
const sa = (n: string, p = "shop-prod") => `//iam.googleapis.com/projects/${p}/serviceAccounts/${n}-uid`;
const bucket = (n: string) => `//storage.googleapis.com/${n}`;
const sql = (n: string) => `//cloudsql.googleapis.com/projects/shop-prod/instances/${n}`;

const nodes: NodeFact[] = [];
const edges: EdgeFact[] = [];
const node = (
  id: string,
  kind: NodeFact["kind"],
  type: string,
  props: Record<string, unknown> = {},
  tags = {},
) => nodes.push({ id, kind, type, provider: "gcp", name: id.split("/").pop()!, tags, props, sources: [KEY] });
const edge = (from: string, kind: EdgeFact["kind"], to: string, src = KEY) =>
  edges.push({ from, kind, to, props: {}, sources: [src] });
const policy = (on: string, level: string, bindings: Array<{ role: string; members: string[] }>) => {
  nodes.push({
    id: `${on}#iamPolicy`,
    kind: "policy",
    type: "gcp.iam.policy",
    provider: "gcp",
    name: `IAM policy of ${on}`,
    tags: {},
    props: { resource: on, level, bindings },
    sources: [IAM],
  });
  edge(on, "ATTACHED_POLICY", `${on}#iamPolicy`, IAM);
};

// Hierarchy: org → folder → project shop-prod; org → project other.
node(ORG, "account", "gcp.organization");
node(FOLDER, "account", "gcp.folder");
node(PROJ, "account", "gcp.project", { projectId: "shop-prod" });
node(OTHER, "account", "gcp.project", { projectId: "other" });
edge(ORG, "CONTAINS", FOLDER);
edge(FOLDER, "CONTAINS", PROJ);
edge(ORG, "CONTAINS", OTHER);
node(NET, "network", "gcp.compute.network");
edge(PROJ, "CONTAINS", NET);

const instance = (name: string, tags: string[], account: string, external = true) => {
  node(inst(name), "compute", "gcp.compute.instance", {
    status: "RUNNING",
    networkTags: tags,
    serviceAccounts: [email(account)],
    scopes: ["https://www.googleapis.com/auth/cloud-platform"],
    externalIps: external ? [`34.0.0.${nodes.length}`] : [],
    networkInterfaces: [
      {
        network: NET,
        accessConfigs: external ? 1 : 0,
        externalIps: external ? [`34.0.0.${nodes.length}`] : [],
      },
    ],
  });
  edge(PROJ, "CONTAINS", inst(name));
  edge(inst(name), "IN_NETWORK", NET);
};
const rule = (name: string, props: Record<string, unknown>) => {
  node(fw(name), "firewall", "gcp.compute.firewall", {
    network: NET,
    direction: "INGRESS",
    priority: 1000,
    disabled: false,
    sourceRanges: ["0.0.0.0/0"],
    allowed: [],
    denied: [],
    ...props,
  });
  edge(fw(name), "IN_NETWORK", NET);
};
const account = (name: string, project = PROJ, p = "shop-prod") => {
  node(sa(name, p), "identity", "gcp.iam.service_account", {
    email: email(name, p),
    uniqueId: `${name}-uid`,
  });
  edge(project, "CONTAINS", sa(name, p));
};

for (const a of [
  "web-sa",
  "deny-sa",
  "equal-sa",
  "old-sa",
  "internal-sa",
  "noip-sa",
  "api-sa",
  "admin-sa",
  "key-sa",
  "sys-sa",
])
  account(a);
account("other-sa", OTHER, "other");

instance("web", ["web"], "web-sa");
rule("allow-web", { targetTags: ["web"], allowed: [{ protocol: "tcp", ports: ["443"] }] });
// Decoy: a deny of better priority takes port 22 away.
instance("deny-me", ["deny-me"], "deny-sa");
rule("allow-deny-me", { targetTags: ["deny-me"], allowed: [{ protocol: "tcp", ports: ["22"] }] });
rule("deny-deny-me", {
  targetTags: ["deny-me"],
  priority: 900,
  denied: [{ protocol: "tcp", ports: ["0-65535"] }],
});
// Decoy: at equal priority the deny wins.
instance("equal", ["equal"], "equal-sa");
rule("allow-equal", { targetTags: ["equal"], allowed: [{ protocol: "tcp", ports: ["3389"] }] });
rule("deny-equal", { targetTags: ["equal"], denied: [{ protocol: "all", ports: [] }] });
// Decoy: the only rule is disabled.
instance("old", ["old"], "old-sa");
rule("allow-old", { targetTags: ["old"], disabled: true, allowed: [{ protocol: "tcp", ports: ["80"] }] });
// Decoy: target tag mismatch (only allow-web admits the internet, to tag "web").
instance("internal", ["internal"], "internal-sa");
// Decoy: matching rule, but no external address.
instance("noip", ["web"], "noip-sa", false);
// Target service account match.
instance("api", ["api"], "api-sa");
rule("allow-api", {
  targetServiceAccounts: [email("api-sa")],
  allowed: [{ protocol: "tcp", ports: ["8080"] }],
});
// A lower-priority deny does not beat the allow.
rule("deny-api-late", {
  targetServiceAccounts: [email("api-sa")],
  priority: 2000,
  denied: [{ protocol: "all", ports: [] }],
});

// Data: the customer bucket (tier 1 by its label) in shop-prod; a bucket in the other project.
node(
  bucket("customer-data"),
  "data_store",
  "gcp.storage.bucket",
  {},
  { "data-classification": "confidential" },
);
edge(PROJ, "CONTAINS", bucket("customer-data"));
node(bucket("other-data"), "data_store", "gcp.storage.bucket", {}, { "data-classification": "confidential" });
edge(OTHER, "CONTAINS", bucket("other-data"));
node(bucket("public-site"), "data_store", "gcp.storage.bucket", {});
edge(PROJ, "CONTAINS", bucket("public-site"));
node(bucket("prevented"), "data_store", "gcp.storage.bucket", { publicAccessPrevention: "enforced" });
edge(PROJ, "CONTAINS", bucket("prevented"));
node(sql("orders"), "data_store", "gcp.sql.instance", {
  ipv4Enabled: true,
  publicIps: ["35.1.1.1"],
  authorizedNetworks: ["0.0.0.0/0"],
});
edge(PROJ, "CONTAINS", sql("orders"));
node(sql("internal-db"), "data_store", "gcp.sql.instance", {
  ipv4Enabled: true,
  publicIps: ["35.1.1.2"],
  authorizedNetworks: ["10.0.0.0/8"],
});
edge(PROJ, "CONTAINS", sql("internal-db"));

// Keys: key-sa has a user-managed key (an entry); sys-sa only a system-managed one.
node(`${sa("key-sa")}/keys/k1`, "identity", "gcp.iam.service_account_key", { keyType: "USER_MANAGED" });
edge(sa("key-sa"), "HAS_KEY", `${sa("key-sa")}/keys/k1`);
node(`${sa("sys-sa")}/keys/k2`, "identity", "gcp.iam.service_account_key", { keyType: "SYSTEM_MANAGED" });
edge(sa("sys-sa"), "HAS_KEY", `${sa("sys-sa")}/keys/k2`);

// Bindings: web-sa reads objects through the folder; other-sa is objectAdmin only on project other
// (a binding on an unrelated project); admin-sa owns shop-prod; key-sa may mint admin-sa's tokens;
// api-sa may actAs every service account of shop-prod (project level).
policy(FOLDER, "folder", [
  { role: "roles/storage.objectViewer", members: [`serviceAccount:${email("web-sa")}`] },
]);
policy(OTHER, "project", [
  { role: "roles/storage.objectAdmin", members: [`serviceAccount:${email("other-sa", "other")}`] },
]);
policy(PROJ, "project", [
  { role: "roles/owner", members: [`serviceAccount:${email("admin-sa")}`] },
  { role: "roles/iam.serviceAccountUser", members: [`serviceAccount:${email("api-sa")}`] },
  { role: "roles/cloudsql.client", members: [`serviceAccount:${email("old-sa")}`] },
]);
policy(sa("admin-sa"), "resource", [
  { role: "roles/iam.serviceAccountTokenCreator", members: [`serviceAccount:${email("key-sa")}`] },
]);
policy(bucket("public-site"), "resource", [{ role: "roles/storage.objectViewer", members: ["allUsers"] }]);
policy(bucket("prevented"), "resource", [{ role: "roles/storage.objectViewer", members: ["allUsers"] }]);

const facts: GraphFacts = { nodes, edges, findings: [] };

let derived: DeriveResult;
beforeAll(async () => {
  derived = await derive(estateFromFacts([facts]), { catalog: await loadActionCatalog() });
});

const pairs = (kind: string) =>
  derived.edges
    .filter((e) => e.kind === kind)
    .map((e) => `${e.from} -> ${e.to}`)
    .sort();

describe("GCP rules through analyze() on SQLite", () => {
  it("EXPOSES: instances by firewall (priority, deny, disabled, tags, service accounts), a public bucket, an open Cloud SQL", () => {
    expect(pairs("EXPOSES")).toEqual(
      [
        `internet -> ${inst("api")}`,
        `internet -> ${inst("web")}`,
        `internet -> ${bucket("public-site")}`,
        `internet -> ${sql("orders")}`,
      ].sort(),
    );
    const web = derived.edges.find((e) => e.kind === "EXPOSES" && e.to === inst("web"))!;
    expect(web.props.ports).toEqual([
      { protocol: "tcp", from: 443, to: 443, label: expect.any(String) as string },
    ]);
    expect(web.evidence.map((e) => e.ref)).toContain(`${fw("allow-web")}#allowed[0]`);
  });

  it("RUNS_AS: every instance to its service account", () => {
    expect(pairs("RUNS_AS")).toEqual(
      [
        ["web", "web-sa"],
        ["deny-me", "deny-sa"],
        ["equal", "equal-sa"],
        ["old", "old-sa"],
        ["internal", "internal-sa"],
        ["noip", "noip-sa"],
        ["api", "api-sa"],
      ]
        .map(([i, s]) => `${inst(i!)} -> ${sa(s!)}`)
        .sort(),
    );
  });

  it("CAN_ACCESS: bindings inherited from folder and project, none across projects", () => {
    expect(pairs("CAN_ACCESS")).toEqual(
      [
        `${sa("web-sa")} -> ${bucket("customer-data")}`,
        `${sa("web-sa")} -> ${bucket("prevented")}`,
        `${sa("web-sa")} -> ${bucket("public-site")}`,
        `${sa("other-sa", "other")} -> ${bucket("other-data")}`,
        `${sa("old-sa")} -> ${sql("orders")}`,
        `${sa("old-sa")} -> ${sql("internal-db")}`,
        `${sa("admin-sa")} -> ${bucket("customer-data")}`,
        `${sa("admin-sa")} -> ${bucket("prevented")}`,
        `${sa("admin-sa")} -> ${bucket("public-site")}`,
        `${sa("admin-sa")} -> ${sql("orders")}`,
        `${sa("admin-sa")} -> ${sql("internal-db")}`,
      ].sort(),
    );
    const web = derived.edges.find(
      (e) => e.kind === "CAN_ACCESS" && e.from === sa("web-sa") && e.to === bucket("customer-data"),
    )!;
    expect(web.props.level).toBe("read");
    expect(web.evidence[0]).toMatchObject({
      ref: `${FOLDER}#iamPolicy#bindings[0]`,
      detail: { level: "folder" },
    });
  });

  it("impersonation: Token Creator is CAN_ASSUME, Service Account User is CAN_ESCALATE", () => {
    expect(pairs("CAN_ASSUME")).toEqual([`${sa("key-sa")} -> ${sa("admin-sa")}`]);
    expect(pairs("CAN_ESCALATE")).toEqual(
      ["web-sa", "deny-sa", "equal-sa", "old-sa", "internal-sa", "noip-sa", "api-sa", "key-sa", "sys-sa"]
        .flatMap((from) =>
          [
            "web-sa",
            "deny-sa",
            "equal-sa",
            "old-sa",
            "internal-sa",
            "noip-sa",
            "api-sa",
            "admin-sa",
            "key-sa",
            "sys-sa",
          ]
            .filter((to) => to !== from && from === "api-sa")
            .map((to) => `${sa(from)} -> ${sa(to)}`),
        )
        .sort(),
    );
  });

  it("entries and targets: the user-managed key is an entry, the system-managed one is not; the owner is admin", () => {
    expect(derived.entries.map((e) => e.id).sort()).toEqual(["internet", sa("key-sa")].sort());
    expect(derived.adminEquivalent.map((a) => a.id)).toEqual([sa("admin-sa")]);
  });

  it("the analysis finds internet → web → web-sa → customer-data, and no decoy path", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ctem-gcp-engine-"));
    const stores = openSqliteStores(path.join(dir, "ctem.db"));
    const run: ScanRun = {
      id: "scan-gcp",
      trigger: { kind: "adhoc" },
      status: "complete",
      startedAt: "2026-03-01T00:00:00.000Z",
      collectors: [KEY, IAM].map((k) => ({ ...k, status: "ok" as const, counts: {} })),
    };
    await stores.graph.applyScan(run, [facts]);
    await analyze(stores, {
      catalog: await loadActionCatalog(),
      now: () => new Date("2026-03-01T01:00:00Z"),
    });
    const issues = (await stores.app.listIssues({}, { limit: 100 })).items;
    const web = issues.find((i) => i.entry.id === inst("web") && i.target.id === bucket("customer-data"));
    expect(web?.rule).toBe("exposed-compute-to-sensitive-data");
    expect(web!.paths[0]!.hops.map((h) => [h.from, h.edge, h.to])).toEqual([
      ["internet", "EXPOSES", inst("web")],
      [inst("web"), "RUNS_AS", sa("web-sa")],
      [sa("web-sa"), "CAN_ACCESS", bucket("customer-data")],
    ]);
    // Remediation from the evidence (src/fixplan/gcp.ts): gcloud and Terraform per hop.
    const fixes = web!.remediation.map((r) => [r.hopIndex, r.cli?.split(" ").slice(0, 4).join(" ")]);
    expect(fixes).toEqual(
      expect.arrayContaining([
        [0, "gcloud compute firewall-rules update"],
        [2, "gcloud resource-manager folders remove-iam-policy-binding"],
      ]),
    );
    expect(web!.remediation.find((r) => r.hopIndex === 0)!.terraform).toContain(
      'resource "google_compute_firewall"',
    );
    const key = issues.find((i) => i.entry.id === sa("key-sa"));
    expect(key?.rule).toBe("key-to-admin");
    expect(key!.paths[0]!.hops.map((h) => h.edge)).toEqual(["CAN_ASSUME"]);
    expect(key!.remediation.map((r) => r.cli)).toEqual(
      expect.arrayContaining([
        `gcloud iam service-accounts keys delete k1 --iam-account=${email("key-sa")} --quiet`,
        `gcloud iam service-accounts remove-iam-policy-binding admin-sa-uid --member=serviceAccount:${email("key-sa")} --role=roles/iam.serviceAccountTokenCreator`,
      ]),
    );
    // Decoys: no issue enters through the blocked, disabled, mismatched or address-less instances,
    // other-sa's bucket is reached by nobody on a path, and sys-sa is no entry.
    const entriesSeen = new Set(issues.map((i) => i.entry.id));
    for (const d of ["deny-me", "equal", "old", "internal", "noip"])
      expect(entriesSeen).not.toContain(inst(d));
    expect(entriesSeen).not.toContain(sa("sys-sa"));
    expect(issues.map((i) => i.target.id)).not.toContain(bucket("other-data"));
    expect(issues.map((i) => `${i.rule} ${i.entry.id} -> ${i.target.id}`).sort()).toEqual(
      [
        `exposed-compute-to-sensitive-data ${inst("web")} -> ${bucket("customer-data")}`,
        // api-sa may actAs every service account of shop-prod (old-sa reaches both databases).
        `exposed-compute-to-admin ${inst("api")} -> ${sa("admin-sa")}`,
        `exposed-compute-to-sensitive-data ${inst("api")} -> ${bucket("customer-data")}`,
        `exposed-compute-to-sensitive-data ${inst("api")} -> ${sql("orders")}`,
        `exposed-compute-to-sensitive-data ${inst("api")} -> ${sql("internal-db")}`,
        `exposed-data-store ${sql("orders")} -> ${sql("orders")}`,
        // The key's path to the bucket runs through admin-sa, itself a target: one issue.
        `key-to-admin ${sa("key-sa")} -> ${sa("admin-sa")}`,
      ].sort(),
    );
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
