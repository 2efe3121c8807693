// azure-role-assignment-write: id-ci (roleAssignments/write at the subscription) can make itself
// admin; id-deployer (the same role on rg-app only) cannot; id-admin is admin already.
import { describe, expect, it } from "vitest";
import { azPairs, azureEstate } from "../../../test/azure-estate.js";
import { runRules } from "../../../test/rule-case.js";
import { azureAdminEquivalent } from "../azure-admin-equivalent/rule.js";
import { azureRoleAssignmentWrite } from "./rule.js";

describe("azure-role-assignment-write", () => {
  it("derives the self-escalation and none for the decoys", async () => {
    const r = await runRules([azureAdminEquivalent, azureRoleAssignmentWrite], azureEstate());
    expect(azPairs(r.edges, "CAN_ESCALATE")).toEqual(["rg-app/id-ci -> rg-app/id-ci"]);
    expect(r.edges[0]!.props.outcome).toBe("admin");
  });
});
