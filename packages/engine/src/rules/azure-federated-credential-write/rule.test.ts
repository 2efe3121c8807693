// azure-federated-credential-write: the VM's system identity may write federated credentials on
// the identities in rg-app and so act as each; nobody else may (id-app's Contributor is on a SQL
// server, not on an identity).
import { describe, expect, it } from "vitest";
import { azPairs, azureEstate } from "../../../test/azure-estate.js";
import { runRules } from "../../../test/rule-case.js";
import { azureAdminEquivalent } from "../azure-admin-equivalent/rule.js";
import { azureFederatedCredentialWrite } from "./rule.js";

describe("azure-federated-credential-write", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([azureAdminEquivalent, azureFederatedCredentialWrite], azureEstate());
    const sys = "azure-principal:bbbbbbbb-0000-0000-0000-000000000001";
    expect(azPairs(r.edges, "CAN_ESCALATE")).toEqual(
      ["id-admin", "id-app", "id-ci", "id-deployer"].map((n) => `${sys} -> rg-app/${n}`),
    );
    expect(new Set(r.edges.map((e) => e.props.outcome))).toEqual(new Set(["acts_as"]));
  });
});
