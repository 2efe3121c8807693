// The Azure connector through the real ARM SDK clients against the testkit's replay server, into
// a real SQLite store (CONVENTIONS 9): exact node and edge sets on the recorded and the small
// subscription, a second scan where something disappeared (cleanup), and listings answered 403 or
// 429 (a failed collector that deletes nothing).
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Node } from "@ctem/model";
import { graphState } from "@ctem/store/contract";
import { startAzureReplayServer } from "@ctem/testkit";
import type { AzureReplayServer } from "@ctem/testkit";
import { AZURE_MODULES, azureSource, parseAzureScopeConfig } from "../src/index.js";
import { RECORDED_EDGES, RECORDED_NODES, SMALL_EDGES, SMALL_NODES } from "./azure-expected.js";
import {
  RECORDED_SUB,
  SMALL_SUB,
  scan,
  serveGraph,
  serveRecordedSubscription,
  serveSmallEstate,
  tempStores,
} from "./azure-helpers.js";
import type { TempStores } from "./azure-helpers.js";

let replay: AzureReplayServer | undefined;
let stores: TempStores | undefined;
afterEach(async () => {
  await replay?.close();
  await stores?.dispose();
  replay = stores = undefined;
});

async function shape(s: TempStores, sub: string) {
  const st = await graphState(s.graph);
  const short = (x: string) => x.replace(`/subscriptions/${sub}`, "~");
  return {
    st,
    nodes: [...st.nodes.values()].map((n) => `${n.type} ${short(n.id)}`).sort(),
    edges: [...st.edges.keys()].map(short).sort(),
  };
}

const small = (rest: string) => `/subscriptions/${SMALL_SUB}${rest}`;

describe("Azure scan of the recorded subscription (c7n cassettes + hand-written answers)", () => {
  it("writes exactly the recorded resources, every collector ok", async () => {
    replay = serveRecordedSubscription(await startAzureReplayServer());
    stores = tempStores();
    const r = await scan(stores, replay, RECORDED_SUB);
    expect(r.source).toBe(`azure:${RECORDED_SUB}`);
    expect(r.run.status).toBe("complete");
    expect(r.run.collectors.map((c) => [c.collector, c.region, c.status])).toEqual(
      AZURE_MODULES.filter((m) => !m.optIn).map((m) => [m.id, "global", "ok"]),
    );
    const { st, nodes, edges } = await shape(stores, RECORDED_SUB);
    expect(nodes).toEqual(RECORDED_NODES);
    expect(edges).toEqual(RECORDED_EDGES);

    const id = (rest: string) => `/subscriptions/${RECORDED_SUB}${rest}`;
    const nsg = st.nodes.get(
      id(
        "/resourcegroups/test_networksecuritygroup/providers/microsoft.network/networksecuritygroups/c7n-nsg",
      ),
    )!;
    const rules = nsg.props.rules as Array<{
      name: string;
      priority: number;
      access: string;
      ports: string[];
    }>;
    // Sorted by priority, as ARM evaluates them; the recorded rule set after c7n added its own.
    expect(rules.map((x) => [x.priority, x.name, x.access, x.ports.join(",")])).toEqual([
      [280, "c7n-policy-baea42b8-85e7-11eb-b168-00155d1e47af", "Allow", "1000-1100"],
      [290, "test3", "Deny", "8086"],
      [300, "test1", "Allow", "80"],
      [300, "test5", "Allow", "22"],
      [310, "test2", "Allow", "8080-8084,8086"],
      [320, "test4", "Deny", "22"],
      [330, "test6", "Allow", "88-90"],
    ]);
    const defaults = nsg.props.defaultRules as Array<{ name: string; sources: string[] }>;
    expect(defaults.find((x) => x.name === "AllowVnetInBound")?.sources).toEqual(["VirtualNetwork"]);
    const sql = st.nodes.get(
      id("/resourcegroups/test_sqlserver/providers/microsoft.sql/servers/cctestsqlserverj6y6cbbtaphs4"),
    )!;
    expect(sql.props.firewallRules).toEqual([
      { name: "1.2.2.128s25", start: "1.2.2.128", end: "1.2.2.255" },
      { name: "AllowAllWindowsAzureIps", start: "0.0.0.0", end: "0.0.0.0" },
    ]);
    const vm = st.nodes.get(
      id("/resourcegroups/stefan/providers/microsoft.compute/virtualmachines/stefanvm"),
    )!;
    expect(vm.props).toMatchObject({
      identityType: "SystemAssigned",
      principalId: "513cf7d8-7f02-4edb-a66c-eeff06b63ac4",
    });
    const pip = st.nodes.get(
      id("/resourcegroups/test_vm/providers/microsoft.network/publicipaddresses/mypublicip"),
    )!;
    expect(pip.props.ipAddress).toBe("23.102.173.223");
    expect(st.nodes.get(id(""))?.sources).toEqual([
      { source: azureSource(RECORDED_SUB), region: "global", collector: "azure-resource-groups" },
    ]);
    // Every ARM call carried the bearer token, and none went unanswered.
    expect(replay.calls.every((c) => c.authorization === "Bearer testkit-token")).toBe(true);
    expect(replay.calls.filter((c) => c.status !== 200)).toEqual([]);
  });
});

describe("Azure scan of the small hand-written subscription", () => {
  it("writes exactly its resources with the props the engine reads", async () => {
    replay = serveSmallEstate(await startAzureReplayServer());
    stores = tempStores();
    const r = await scan(stores, replay, SMALL_SUB);
    expect(r.run.status).toBe("complete");
    const { st, nodes, edges } = await shape(stores, SMALL_SUB);
    expect(nodes).toEqual(SMALL_NODES);
    expect(edges).toEqual(SMALL_EDGES);
    const stcrown = st.nodes.get(
      small("/resourcegroups/rg-data/providers/microsoft.storage/storageaccounts/stcrown"),
    )!;
    expect(stcrown.props).toMatchObject({
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      networkDefaultAction: "Allow",
      publicNetworkAccess: "Enabled",
    });
    expect(stcrown.tags).toEqual({ "data-classification": "confidential" });
    expect(stcrown.region).toBe("westeurope");
    const ci = st.nodes.get(
      small("/resourcegroups/rg-app/providers/microsoft.managedidentity/userassignedidentities/id-ci"),
    )!;
    expect(ci.props.federatedCredentials).toEqual([
      {
        name: "github",
        issuer: "https://token.actions.githubusercontent.com",
        subject: "repo:example/app:ref:refs/heads/main",
        audiences: ["api://AzureADTokenExchange"],
      },
    ]);
    const mg = [...st.nodes.values()].find((n: Node) => n.id.startsWith("/providers/microsoft.management/"))!;
    expect(mg.props).toMatchObject({
      scope: "/providers/microsoft.management/managementgroups/mg-root",
      principalId: "aaaaaaaa-0000-0000-0000-000000000003",
    });
    const nicEdge = st.edges.get(
      `${small("/resourcegroups/rg-app/providers/microsoft.compute/virtualmachines/vm-web")} -PROTECTED_BY-> ${small("/resourcegroups/rg-app/providers/microsoft.network/networksecuritygroups/nsg-web")}`,
    )!;
    expect(nicEdge.props).toEqual({
      level: "nic",
      nic: small("/resourcegroups/rg-app/providers/microsoft.network/networkinterfaces/nic-web"),
    });
  });

  it("a second scan removes what disappeared from a listing", async () => {
    replay = serveSmallEstate(await startAzureReplayServer());
    stores = tempStores();
    await scan(stores, replay, SMALL_SUB);
    const doc = JSON.parse(
      readFileSync(new URL("../fixtures/azure/small-estate.handwritten.json", import.meta.url), "utf8"),
    ) as { routes: Record<string, { value: Array<{ name: string }> }> };
    const accounts = small("/providers/Microsoft.Storage/storageAccounts");
    replay.list(
      accounts,
      doc.routes[accounts]!.value.filter((a) => a.name !== "stpublic"),
    );
    const r = await scan(stores, replay, SMALL_SUB);
    expect(r.run.status).toBe("complete");
    const { nodes, edges } = await shape(stores, SMALL_SUB);
    const gone = "/resourcegroups/rg-other/providers/microsoft.storage/storageaccounts/stpublic";
    expect(nodes).toEqual(SMALL_NODES.filter((n) => !n.endsWith(gone)));
    expect(edges).toEqual(SMALL_EDGES.filter((e) => !e.endsWith(gone)));
    expect(r.apply.deleted).toMatchObject({ nodes: 1, edges: 1 });
  });

  it("a listing answered 403 or 429 is a failed collector with Azure's code, and deletes nothing", async () => {
    replay = serveSmallEstate(await startAzureReplayServer());
    stores = tempStores();
    await scan(stores, replay, SMALL_SUB);
    const before = await shape(stores, SMALL_SUB);
    replay
      .fail(small("/providers/microsoft.network/networksecuritygroups"), 403, "AuthorizationFailed")
      .fail(small("/providers/microsoft.authorization/roleassignments"), 429, "TooManyRequests")
      .fail(
        small("/resourcegroups/rg-data/providers/microsoft.sql/servers/sql-open/firewallrules"),
        403,
        "AuthorizationFailed",
      );
    // And the VM listing is empty this time: only a successful listing may delete.
    replay.list(small("/providers/Microsoft.Compute/virtualMachines"), []);
    const r = await scan(stores, replay, SMALL_SUB);
    expect(r.run.status).toBe("partial");
    const failed = r.run.collectors.filter((c) => c.status === "failed");
    expect(failed.map((c) => [c.collector, c.errorCode])).toEqual([
      ["azure-network-security-groups", "AuthorizationFailed"],
      ["azure-sql-servers", "AuthorizationFailed"],
      ["azure-role-assignments", "TooManyRequests"],
    ]);
    expect(failed[0]!.message).toContain("networkSecurityGroups.listAll: AuthorizationFailed (HTTP 403)");
    expect(failed[1]!.message).toContain("firewallRules.listByServer(sql-open)");
    // The SDK retried the throttled call once (maxRetries 1) before giving up.
    expect(replay.calls.filter((c) => c.path.endsWith("/roleassignments") && c.status === 429)).toHaveLength(
      2,
    );
    const after = await shape(stores, SMALL_SUB);
    // The failed collectors' nodes are all still there. The VMs went with their (successful) empty
    // listing, their system-assigned identity too; the NICs still name them, so they are stubs now.
    const vms = ["vm-denied", "vm-private", "vm-subnet-blocked", "vm-web"].map(
      (n) => `unknown ~/resourcegroups/rg-app/providers/microsoft.compute/virtualmachines/${n}`,
    );
    expect(after.nodes).toEqual(
      [
        ...before.nodes.filter(
          (n) =>
            !n.startsWith("azure.compute.virtual_machine") &&
            !n.startsWith("azure.managed_identity.system_assigned"),
        ),
        ...vms,
      ].sort(),
    );
    expect(after.nodes.filter((n) => n.startsWith("azure.network.nsg"))).toHaveLength(5);
    expect(after.nodes.filter((n) => n.startsWith("azure.authorization.role_assignment"))).toHaveLength(9);
  });

  it("a listing the replay has no answer for (404) fails its collector instead of reading as empty", async () => {
    replay = await startAzureReplayServer();
    stores = tempStores();
    const r = await scan(stores, replay, SMALL_SUB);
    expect(r.run.status).toBe("failed");
    expect(new Set(r.run.collectors.map((c) => c.errorCode))).toEqual(new Set(["ResourceNotFound"]));
    expect(r.apply.written.nodes).toBe(0);
  });
});

describe("Azure scan with Microsoft Graph (opt-in)", () => {
  it("adds the tenant's service principals with their secrets' metadata; a denied Graph read fails only that collector", async () => {
    replay = serveGraph(serveSmallEstate(await startAzureReplayServer()));
    stores = tempStores();
    const r = await scan(stores, replay, SMALL_SUB, { microsoftGraph: true });
    expect(r.run.status).toBe("complete");
    expect(r.run.collectors.map((c) => c.collector)).toContain("azure-graph-service-principals");
    const { st, nodes } = await shape(stores, SMALL_SUB);
    const sps = [...st.nodes.values()].filter((n) => n.type === "azure.ad.service_principal");
    // The managed identity's and the first-party service principals are not these nodes.
    expect(sps.map((n) => [n.id, n.name]).sort()).toEqual([
      ["azure-principal:eeeeeeee-0000-0000-0000-000000000001", "deploy-pipeline"],
      ["azure-principal:eeeeeeee-0000-0000-0000-000000000002", "old-integration"],
      ["azure-principal:eeeeeeee-0000-0000-0000-000000000003", "legacy-sp-secret"],
    ]);
    expect(sps.find((n) => n.name === "deploy-pipeline")!.props).toEqual({
      principalId: "eeeeeeee-0000-0000-0000-000000000001",
      appId: "ffffffff-0000-0000-0000-000000000001",
      applicationObjectId: "dddddddd-1111-0000-0000-000000000001",
      servicePrincipalType: "Application",
      accountEnabled: true,
      passwordCredentials: [
        {
          keyId: "99999999-0000-0000-0000-0000000000a1",
          displayName: "ci",
          endDateTime: "2099-01-01T00:00:00Z",
          on: "application",
        },
      ],
    });
    // The second page was read (nextLink), and every Graph call carried a token.
    expect(sps.find((n) => n.name === "legacy-sp-secret")!.props.passwordCredentials).toEqual([
      {
        keyId: "99999999-0000-0000-0000-0000000000b1",
        displayName: "sp-own",
        endDateTime: "2099-06-30T00:00:00Z",
        on: "servicePrincipal",
      },
    ]);
    expect(
      replay.calls.filter((c) => c.path.startsWith("/v1.0/")).map((c) => [c.path, c.authorization]),
    ).toEqual(
      expect.arrayContaining([
        ["/v1.0/serviceprincipals/page2", "Bearer testkit-token"],
        ["/v1.0/applications", "Bearer testkit-token"],
      ]),
    );
    expect(nodes.filter((n) => n.startsWith("azure.ad.service_principal"))).toHaveLength(3);

    replay.fail(
      "/v1.0/applications",
      403,
      "Authorization_RequestDenied",
      "Insufficient privileges to complete the operation.",
    );
    const denied = await scan(stores, replay, SMALL_SUB, { microsoftGraph: true });
    expect(denied.run.status).toBe("partial");
    expect(
      denied.run.collectors.filter((c) => c.status === "failed").map((c) => [c.collector, c.errorCode]),
    ).toEqual([["azure-graph-service-principals", "Authorization_RequestDenied"]]);
    const after = [...(await graphState(stores.graph)).nodes.values()].filter(
      (n) => n.type === "azure.ad.service_principal",
    );
    expect(after).toHaveLength(3);
  });
});

describe("Azure scope config", () => {
  it("parses, defaults the cloud and names the bad field", () => {
    expect(
      parseAzureScopeConfig(
        { tenantId: "contoso.onmicrosoft.com", subscriptions: [SMALL_SUB, SMALL_SUB.toUpperCase()] },
        "prod",
      ),
    ).toEqual({ tenantId: "contoso.onmicrosoft.com", subscriptions: [SMALL_SUB], cloud: "public" });
    expect(() => parseAzureScopeConfig({ tenantId: "t.example.com", subscriptions: [] }, "prod")).toThrow(
      "scope 'prod': config.subscriptions: name at least one subscription",
    );
    expect(() =>
      parseAzureScopeConfig({ tenantId: "t.example.com", subscriptions: ["nope"] }, "prod"),
    ).toThrow("scope 'prod': config.subscriptions[0]: a subscription id is a GUID");
    expect(() =>
      parseAzureScopeConfig({ tenantId: "t.example.com", subscriptions: [SMALL_SUB], cloud: "mars" }, "prod"),
    ).toThrow(/config\.cloud/);
  });
});
