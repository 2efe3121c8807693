// azure-runs-as-managed-identity: every VM runs as the identities attached to it (system- and
// user-assigned); identities attached to no VM (id-admin, id-ci, id-deployer) get no edge.
import { describe, expect, it } from "vitest";
import { azPairs, azureEstate } from "../../../test/azure-estate.js";
import { runRules } from "../../../test/rule-case.js";
import { azureRunsAsManagedIdentity } from "./rule.js";

describe("azure-runs-as-managed-identity", () => {
  it("derives the true edges and none for unattached identities", async () => {
    const r = await runRules([azureRunsAsManagedIdentity], azureEstate());
    expect(azPairs(r.edges, "RUNS_AS")).toEqual([
      "rg-app/vm-denied -> azure-principal:bbbbbbbb-0000-0000-0000-000000000001",
      "rg-app/vm-private -> rg-app/id-app",
      "rg-app/vm-subnet-blocked -> rg-app/id-app",
      "rg-app/vm-web -> rg-app/id-app",
    ]);
  });
});
