// azure-exposes-storage: stpublic (anonymous blob access allowed) is exposed; stcrown (disallowed)
// is not, nor is stpublic once its network rules deny by default.
import { describe, expect, it } from "vitest";
import { azPairs, azureEstate } from "../../../test/azure-estate.js";
import { runRules } from "../../../test/rule-case.js";
import { azureExposesStorage } from "./rule.js";

describe("azure-exposes-storage", () => {
  it("derives the true edge and none for the decoys", async () => {
    const r = await runRules([azureExposesStorage], azureEstate());
    expect(azPairs(r.edges, "EXPOSES")).toEqual(["internet -> rg-other/stpublic"]);
    expect(r.edges[0]!.assumptions.map((a) => a.code)).toEqual(["container_access_not_read"]);
    const denied = azureEstate((f) => {
      for (const n of f.nodes)
        if (n.type === "azure.storage.account") n.props = { ...n.props, networkDefaultAction: "Deny" };
    });
    expect((await runRules([azureExposesStorage], denied)).edges).toEqual([]);
  });
});
