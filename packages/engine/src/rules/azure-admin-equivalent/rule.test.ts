// azure-admin-equivalent: id-admin (Owner at the subscription) is admin; the decoys are not — the
// Owner on a resource group (the VM's system identity), a role that may only write role
// assignments (id-ci, id-deployer), Reader at the management group.
import { describe, expect, it } from "vitest";
import { az, azureEstate } from "../../../test/azure-estate.js";
import { runRules } from "../../../test/rule-case.js";
import { azureAdminEquivalent } from "./rule.js";

describe("azure-admin-equivalent", () => {
  it("marks exactly the subscription Owner", async () => {
    const r = await runRules([azureAdminEquivalent], azureEstate());
    expect(r.adminEquivalent.map((a) => az(a.id))).toEqual(["rg-app/id-admin"]);
    expect(r.adminEquivalent[0]!.evidence[0]!.detail).toMatchObject({ role: "Owner" });
  });
});
