// azure-entry-credential: id-ci (a federated credential) is an entry, identities without one are
// not; a service principal with a live client secret is, one whose secrets expired is not.
import { describe, expect, it } from "vitest";
import type { NodeFact } from "@ctem/model";
import { azureEstate } from "../../../test/azure-estate.js";
import { runRules } from "../../../test/rule-case.js";
import { azureEntryCredential } from "./rule.js";

const sp = (id: string, endDateTime: string): NodeFact => ({
  id: `azure-principal:${id}`,
  kind: "identity",
  type: "azure.ad.service_principal",
  provider: "azure",
  accountId: "11111111-1111-1111-1111-111111111111",
  name: id,
  tags: {},
  props: { principalId: id, passwordCredentials: [{ keyId: `key-${id}`, endDateTime }] },
  sources: [
    {
      source: "azure:11111111-1111-1111-1111-111111111111",
      region: "global",
      collector: "azure-graph-service-principals",
    },
  ],
});

describe("azure-entry-credential", () => {
  it("marks federated identities and service principals with live secrets", async () => {
    const r = await runRules(
      [azureEntryCredential],
      azureEstate((f) =>
        f.nodes.push(sp("live", "2999-01-01T00:00:00Z"), sp("expired", "2001-01-01T00:00:00Z")),
      ),
    );
    expect(r.entries.map((e) => [e.id.replace(/^.*\//, ""), e.reason]).sort()).toEqual([
      ["azure-principal:live", "service_principal_secret"],
      ["id-ci", "federated_credential"],
    ]);
  });
});
