// The shared Cloud Asset transform on single assets: the API's protobuf Struct form of
// resource.data and the export's snake_case envelope read alike; Cloud SQL's public IP,
// authorized networks and settings.userLabels; firewall deny rules; key types.
import { describe, expect, it } from "vitest";
import { normalizeAsset, transformResources } from "../../src/index.js";

const KEY = { source: "gcp:p1", region: "global", collector: "gcp-cai-resource" };
const SQL = "//cloudsql.googleapis.com/projects/p1/instances/orders";
const sqlData = {
  name: "orders",
  project: "p1",
  region: "europe-west1",
  ipAddresses: [
    { type: "PRIMARY", ipAddress: "35.1.1.1" },
    { type: "PRIVATE", ipAddress: "10.1.0.3" },
  ],
  settings: {
    ipConfiguration: { ipv4Enabled: true, authorizedNetworks: [{ value: "0.0.0.0/0", name: "any" }] },
    userLabels: { team: "orders", "data-classification": "pii" },
  },
};

/** JSON → google.protobuf.Struct as the gRPC transport hands it over. */
function struct(v: unknown): unknown {
  const value = (x: unknown): Record<string, unknown> =>
    typeof x === "string"
      ? { stringValue: x, kind: "stringValue" }
      : typeof x === "number"
        ? { numberValue: x, kind: "numberValue" }
        : typeof x === "boolean"
          ? { boolValue: x, kind: "boolValue" }
          : Array.isArray(x)
            ? { listValue: { values: x.map(value) }, kind: "listValue" }
            : { structValue: struct(x), kind: "structValue" };
  return {
    fields: Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, value(x)])),
  };
}

describe("Cloud Asset transform", () => {
  it("reads a Cloud SQL instance the same from a Struct (API) and from snake_case export JSON", () => {
    const api = normalizeAsset({
      name: SQL,
      assetType: "sqladmin.googleapis.com/Instance",
      resource: { parent: "//cloudresourcemanager.googleapis.com/projects/42", data: struct(sqlData) },
    });
    const exported = normalizeAsset({
      name: SQL,
      asset_type: "sqladmin.googleapis.com/Instance",
      resource: {
        parent: "//cloudresourcemanager.googleapis.com/projects/42",
        data: sqlData,
        discovery_name: "x",
      },
    });
    const a = transformResources([api], KEY);
    expect(transformResources([exported], KEY)).toEqual(a);
    expect(a.nodes).toEqual([
      {
        id: SQL,
        kind: "data_store",
        type: "gcp.sql.instance",
        provider: "gcp",
        accountId: "p1",
        region: "europe-west1",
        name: "orders",
        tags: { team: "orders", "data-classification": "pii" },
        props: {
          ipv4Enabled: true,
          authorizedNetworks: ["0.0.0.0/0"],
          publicIps: ["35.1.1.1"],
          privateIps: ["10.1.0.3"],
        },
        sources: [KEY],
      },
    ]);
    expect(a.edges!.map((e) => `${e.from} ${e.kind} ${e.to}`)).toEqual([
      `//cloudresourcemanager.googleapis.com/projects/42 CONTAINS ${SQL}`,
    ]);
  });

  it("keeps firewall deny rules, priority and disabled; tells user-managed from system-managed keys", () => {
    const f = transformResources(
      [
        normalizeAsset({
          name: "//compute.googleapis.com/projects/p1/global/firewalls/deny-ssh",
          asset_type: "compute.googleapis.com/Firewall",
          resource: {
            data: {
              name: "deny-ssh",
              network: "https://www.googleapis.com/compute/v1/projects/p1/global/networks/vpc",
              priority: 100,
              disabled: true,
              sourceRanges: ["0.0.0.0/0"],
              denied: [{ IPProtocol: "tcp", ports: ["22"] }],
              targetTags: ["ssh"],
            },
          },
        }),
        normalizeAsset({
          name: "//iam.googleapis.com/projects/p1/serviceAccounts/77/keys/k1",
          asset_type: "iam.googleapis.com/ServiceAccountKey",
          resource: { data: { keyType: "USER_MANAGED" } },
        }),
        normalizeAsset({
          name: "//iam.googleapis.com/projects/p1/serviceAccounts/77/keys/k2",
          asset_type: "iam.googleapis.com/ServiceAccountKey",
          resource: { data: { keyType: "SYSTEM_MANAGED" } },
        }),
      ],
      KEY,
    );
    expect(f.nodes![0]!.props).toMatchObject({
      network: "//compute.googleapis.com/projects/p1/global/networks/vpc",
      direction: "INGRESS",
      priority: 100,
      disabled: true,
      denied: [{ protocol: "tcp", ports: ["22"] }],
      targetTags: ["ssh"],
    });
    expect(f.nodes!.slice(1).map((n) => [n.type, n.props!.keyType])).toEqual([
      ["gcp.iam.service_account_key", "USER_MANAGED"],
      ["gcp.iam.service_account_key", "SYSTEM_MANAGED"],
    ]);
    expect(f.edges!.filter((e) => e.kind === "HAS_KEY").map((e) => e.from)).toEqual([
      "//iam.googleapis.com/projects/p1/serviceAccounts/77",
      "//iam.googleapis.com/projects/p1/serviceAccounts/77",
    ]);
  });
});
