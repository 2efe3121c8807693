// The Azure rules on the graph the Azure connector writes for the small hand-written subscription
// (azure-small-estate.facts.json, kept equal to a real scan by packages/discovery's
// azure-engine-fixture test): derive alone for exact attack edges, and the whole analysis on a
// real SQLite store for the internet → VM → managed identity → storage path. Each rule has a decoy
// in the estate that must not fire (an NSG deny at a higher priority, a subnet NSG that blocks, a
// VM without a public IP, role assignments at unrelated scopes, public blob access disabled, SQL
// open only to Azure services, Owner on a resource group only).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EdgeFact, GraphFacts, NodeFact, ScanRun } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import { analyze } from "../src/analyze.js";
import { derive } from "../src/derive.js";
import { estateFromFacts } from "../src/graph.js";
import { loadActionCatalog } from "../src/iam/catalog.js";
import type { ActionCatalog } from "../src/iam/catalog.js";
import { internetInbound, parsePorts, spansOf } from "../src/azure/nsg.js";

const SUB = "/subscriptions/11111111-1111-1111-1111-111111111111";
const rg = (g: string, rest: string) => `${SUB}/resourcegroups/${g}/providers/${rest}`;
const vm = (n: string) => rg("rg-app", `microsoft.compute/virtualmachines/${n}`);
const mi = (n: string) => rg("rg-app", `microsoft.managedidentity/userassignedidentities/${n}`);
const STCROWN = rg("rg-data", "microsoft.storage/storageaccounts/stcrown");
const STPUBLIC = rg("rg-other", "microsoft.storage/storageaccounts/stpublic");
const SQL_OPEN = rg("rg-data", "microsoft.sql/servers/sql-open");
const DENIED_SYS = "azure-principal:bbbbbbbb-0000-0000-0000-000000000001";

function facts(): GraphFacts {
  const raw = JSON.parse(
    readFileSync(new URL("./azure-small-estate.facts.json", import.meta.url), "utf8"),
  ) as {
    nodes: NodeFact[];
    edges: EdgeFact[];
  };
  return { nodes: raw.nodes, edges: raw.edges, findings: [] };
}

let catalog: ActionCatalog;
let dir: string;
beforeAll(async () => {
  catalog = await loadActionCatalog();
  dir = mkdtempSync(path.join(tmpdir(), "ctem-azure-engine-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const short = (id: string) =>
  id.replace(`${SUB}/resourcegroups/`, "").replace(/providers\/[^/]+\/[^/]+\//, "");

describe("Azure derive on the small subscription", () => {
  it("a second derive of one estate with the role-assignment collector failed marks its grants (no index kept from the first)", async () => {
    const estate = estateFromFacts([facts()]);
    const viaRbac = (d: Awaited<ReturnType<typeof derive>>) =>
      d.edges.filter((e) => e.kind === "CAN_ACCESS" && e.props.rules.includes("azure-can-access-data"));
    const failed = (e: { assumptions: Array<{ code: string }> }) =>
      e.assumptions.some((a) => a.code === "collector_failed");
    const first = await derive(estate, { catalog });
    expect(viaRbac(first).length).toBeGreaterThan(0);
    expect(viaRbac(first).filter(failed)).toEqual([]);
    const assignments = estate.ofType("azure.authorization.role_assignment");
    const second = await derive(estate, { catalog, failedCollectors: [assignments[0]!.sources[0]!] });
    expect(viaRbac(second).length).toBe(viaRbac(first).length);
    expect(viaRbac(second).every(failed)).toBe(true);
  });

  it("derives exactly the expected attack edges, entries and admins", async () => {
    const d = await derive(estateFromFacts([facts()]), { catalog });
    const edges = d.edges
      .filter((e) => e.props.rules.some((r) => r.startsWith("azure-")))
      .map(
        (e) =>
          `${short(e.from)} ${e.kind} ${short(e.to)}${typeof e.props.level === "string" ? ` (${e.props.level})` : ""}`,
      )
      .sort();
    expect(edges).toEqual(
      [
        // Only vm-web: 443 from Internet through both its NIC NSG and the web subnet's NSG.
        `internet EXPOSES rg-app/vm-web`,
        // stpublic allows anonymous blob access; stcrown does not.
        `internet EXPOSES rg-other/stpublic`,
        // sql-open admits 0.0.0.0–255.255.255.255; sql-azure-only only Azure services.
        `internet EXPOSES rg-data/sql-open`,
        `rg-app/vm-web RUNS_AS rg-app/id-app`,
        `rg-app/vm-subnet-blocked RUNS_AS rg-app/id-app`,
        `rg-app/vm-private RUNS_AS rg-app/id-app`,
        `rg-app/vm-denied RUNS_AS ${DENIED_SYS}`,
        // Storage Blob Data Reader at rg-data: read, not the Contributor granted on rg-other.
        `rg-app/id-app CAN_ACCESS rg-data/stcrown (read)`,
        `rg-app/id-app CAN_ACCESS rg-other/stpublic (write)`,
        // Contributor on the SQL server itself.
        `rg-app/id-app CAN_ACCESS rg-data/sql-open (admin)`,
        // Owner at the subscription reaches every data store (and makes id-admin admin-equivalent).
        ...["rg-data/sql-azure-only", "rg-data/sql-open", "rg-data/stcrown", "rg-other/stpublic"].map(
          (s) => `rg-app/id-admin CAN_ACCESS ${s} (admin)`,
        ),
        // roleAssignments/write at the subscription: id-ci can grant itself data roles on the accounts
        // (not on SQL, whose data roles live in the database); id-deployer has it on rg-app only.
        `rg-app/id-ci CAN_ACCESS rg-data/stcrown (admin)`,
        `rg-app/id-ci CAN_ACCESS rg-other/stpublic (admin)`,
        // Owner on rg-other only (not admin-equivalent): the account there, not stcrown.
        `${DENIED_SYS} CAN_ACCESS rg-other/stpublic (admin)`,
        // id-ci may write role assignments at the subscription: it can make itself Owner.
        `rg-app/id-ci CAN_ESCALATE rg-app/id-ci`,
        // The VM's system identity may write federated credentials on identities in rg-app.
        ...["id-admin", "id-app", "id-ci", "id-deployer"].map(
          (n) => `${DENIED_SYS} CAN_ESCALATE rg-app/${n}`,
        ),
      ].sort(),
    );
    const exposed = d.edges.find((e) => e.kind === "EXPOSES" && e.to === vm("vm-web"))!;
    expect(exposed.props.ports).toEqual([{ protocol: "tcp", from: 443, to: 443, label: "tcp/443" }]);
    expect(exposed.evidence.map((e) => e.ref)).toEqual([
      rg("rg-app", "microsoft.network/publicipaddresses/pip-web"),
      `${rg("rg-app", "microsoft.network/networksecuritygroups/nsg-web")}#allow-https-internet`,
      `${rg("rg-app", "microsoft.network/networksecuritygroups/nsg-subnet-web")}#allow-web`,
    ]);
    expect(d.adminEquivalent.map((a) => short(a.id))).toEqual(["rg-app/id-admin"]);
    const entries = new Map(d.entries.map((e) => [short(e.id), e.reason]));
    expect(entries.get("rg-app/id-ci")).toBe("federated_credential");
    expect(entries.get("internet")).toBe("internet");
    expect([...entries.keys()].filter((k) => k !== "internet")).toEqual(["rg-app/id-ci"]);
  });

  it("a missing NSG is not safe: the VM is exposed with an assumption", async () => {
    const f = facts();
    const nsg = rg("rg-app", "microsoft.network/networksecuritygroups/nsg-subnet-locked");
    const d = await derive(estateFromFacts([{ ...f, nodes: f.nodes!.filter((n) => n.id !== nsg) }]), {
      catalog,
    });
    const e = d.edges.find((x) => x.kind === "EXPOSES" && x.to === vm("vm-subnet-blocked"))!;
    expect(e.assumptions).toContainEqual({ code: "nsg_not_read", detail: { nsg, level: "subnet" } });
  });
});

describe("NSG evaluation", () => {
  const rule = (priority: number, access: string, sources: string[], ports: string[], protocol = "Tcp") => ({
    name: `r${priority}`,
    priority,
    direction: "Inbound",
    access,
    protocol,
    sources,
    ports,
  });
  it("first match by priority decides, per port; narrow sources neither allow nor block the internet", () => {
    const d = internetInbound(
      [
        rule(300, "Allow", ["*"], ["1-1000"]),
        rule(100, "Deny", ["Internet"], ["22"]),
        rule(200, "Allow", ["203.0.113.0/24"], ["80"]),
        rule(150, "Deny", ["10.0.0.0/8"], ["443"]),
        rule(110, "Allow", ["Internet"], ["3389"], "Udp"),
      ],
      undefined,
    );
    expect(spansOf(d)).toEqual([
      { from: 1, to: 21 },
      { from: 23, to: 1000 },
    ]);
    expect(parsePorts(["8080-8084", "8086", "*"])).toEqual([{ from: 0, to: 65535 }]);
  });
});

describe("Azure analysis on a real SQLite store", () => {
  it("finds internet → vm-web → id-app → stcrown and issues nothing through the decoys", async () => {
    const stores = openSqliteStores(path.join(dir, "azure.db"));
    const f = facts();
    const keys = new Map<string, ScanRun["collectors"][number]>();
    for (const x of [...f.nodes!, ...f.edges!])
      for (const k of x.sources)
        keys.set(`${k.source}|${k.region}|${k.collector}`, { ...k, status: "ok", counts: {} });
    await stores.graph.applyScan(
      {
        id: "scan-azure-small",
        trigger: { kind: "adhoc" },
        status: "complete",
        startedAt: "2026-03-01T00:00:00.000Z",
        collectors: [...keys.values()],
      },
      [f],
    );
    await analyze(stores, { catalog, now: () => new Date("2026-03-01T01:00:00Z") });
    const issues = (await stores.app.listIssues({}, { limit: 100 })).items;
    const pairs = issues.map((i) => `${short(i.entry.id)} → ${short(i.target.id)}`).sort();
    // Entry asset = the first asset after the internet (DESIGN "Prioritization" step 2).
    expect(pairs).toEqual([
      // id-ci's federated credential makes it an entry: roleAssignments/write at the subscription
      // makes it admin (itself as the target) and lets it grant itself data roles on stcrown.
      "rg-app/id-ci → rg-app/id-ci",
      "rg-app/id-ci → rg-data/stcrown",
      "rg-app/vm-web → rg-data/stcrown",
    ]);
    expect(issues.map((i) => [short(i.entry.id), i.rule]).sort()).toEqual([
      ["rg-app/id-ci", "key-to-admin"],
      ["rg-app/id-ci", "key-to-sensitive-data"],
      ["rg-app/vm-web", "exposed-compute-to-sensitive-data"],
    ]);
    const crown = issues.find((i) => i.entry.id === vm("vm-web"))!;
    expect(crown.paths[0]!.hops.map((h) => [short(h.from), h.edge, short(h.to)])).toEqual([
      ["internet", "EXPOSES", "rg-app/vm-web"],
      ["rg-app/vm-web", "RUNS_AS", "rg-app/id-app"],
      ["rg-app/id-app", "CAN_ACCESS", "rg-data/stcrown"],
    ]);
    expect(crown.target.id).toBe(STCROWN);
    expect(crown.target.tier).toBe(1);
    // Remediation from the Azure options: the NSG rules on the exposure hop, the role assignment on the access hop.
    const clis = crown.remediation.map((r) => r.cli ?? "");
    expect(clis).toContainEqual(
      expect.stringContaining(
        "az network nsg rule update --resource-group rg-app --nsg-name nsg-web --name allow-https-internet",
      ),
    );
    expect(clis).toContainEqual(
      `az role assignment delete --ids ${SUB}/resourcegroups/rg-data/providers/microsoft.authorization/roleassignments/dddddddd-0000-0000-0000-000000000001`,
    );
    const ci = issues.find((i) => i.rule === "key-to-admin")!;
    expect(ci.remediation.map((r) => r.cli)).toContainEqual(
      "az identity federated-credential delete --resource-group rg-app --identity-name id-ci --name github --yes",
    );
    // No path through a decoy VM, and nothing reaches the admin from the internet.
    for (const i of issues)
      for (const p of i.paths)
        for (const h of p.hops)
          expect([h.from, h.to]).not.toEqual(
            expect.arrayContaining([vm("vm-denied"), vm("vm-subnet-blocked"), vm("vm-private")]),
          );
    expect(issues.some((i) => i.entry.id === "internet" && i.target.id === mi("id-admin"))).toBe(false);
    // stpublic is exposed but holds nothing classified: not a crown jewel, no issue.
    expect(issues.some((i) => i.target.id === STPUBLIC)).toBe(false);
    expect(issues.some((i) => i.target.id === SQL_OPEN)).toBe(false);
    await stores.close();
  });
});
