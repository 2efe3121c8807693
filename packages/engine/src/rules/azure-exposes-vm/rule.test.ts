// azure-exposes-vm: only vm-web is exposed (443, through both NSGs); the decoys — an Internet deny
// at a higher priority (vm-denied), a subnet NSG that blocks (vm-subnet-blocked), no public IP
// (vm-private) — are not. A Standard public IP without any NSG is closed; a Basic one is open.
import { describe, expect, it } from "vitest";
import { azPairs, azureEstate } from "../../../test/azure-estate.js";
import { runRules } from "../../../test/rule-case.js";
import { azureExposesVm } from "./rule.js";

describe("azure-exposes-vm", () => {
  it("derives the true edge and none for the decoys", async () => {
    const r = await runRules([azureExposesVm], azureEstate());
    expect(azPairs(r.edges, "EXPOSES")).toEqual(["internet -> rg-app/vm-web"]);
    expect(r.edges[0]!.props.ports).toEqual([{ protocol: "tcp", from: 443, to: 443, label: "tcp/443" }]);
  });

  it("no NSG at either level: a Standard public IP stays closed, a Basic one is open on every port", async () => {
    const noNsgs = (sku: string) =>
      azureEstate((f) => {
        f.edges = f.edges.filter((e) => e.kind !== "PROTECTED_BY");
        for (const n of f.nodes) if (n.type === "azure.network.public_ip") n.props = { ...n.props, sku };
      });
    expect(azPairs((await runRules([azureExposesVm], noNsgs("Standard"))).edges, "EXPOSES")).toEqual([]);
    const basic = await runRules([azureExposesVm], noNsgs("Basic"));
    expect(azPairs(basic.edges, "EXPOSES")).toEqual([
      "internet -> rg-app/vm-denied",
      "internet -> rg-app/vm-subnet-blocked",
      "internet -> rg-app/vm-web",
    ]);
    expect(basic.edges.map((e) => e.props.ports)).toEqual(
      Array(3).fill([{ protocol: "tcp", from: 0, to: 65535, label: "tcp/all" }]),
    );
  });
});
