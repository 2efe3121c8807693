// azure-can-access-data: levels from role assignments at covering scopes; the decoys — Storage
// Blob Data Contributor at rg-other (not stcrown's group), Owner at rg-other — reach only rg-other.
import { describe, expect, it } from "vitest";
import { az, azureEstate } from "../../../test/azure-estate.js";
import { runRules } from "../../../test/rule-case.js";
import { azureCanAccessData } from "./rule.js";

describe("azure-can-access-data", () => {
  it("derives the true edges with their levels and none through unrelated scopes", async () => {
    const r = await runRules([azureCanAccessData], azureEstate());
    const got = r.edges.map((e) => `${az(e.from)} -> ${az(e.to)} ${String(e.props.level)}`).sort();
    expect(got.filter((x) => x.startsWith("rg-app/id-app"))).toEqual([
      "rg-app/id-app -> rg-data/sql-open admin",
      "rg-app/id-app -> rg-data/stcrown read",
      "rg-app/id-app -> rg-other/stpublic write",
    ]);
    expect(got.filter((x) => x.startsWith("azure-principal:"))).toEqual([
      "azure-principal:bbbbbbbb-0000-0000-0000-000000000001 -> rg-other/stpublic admin",
    ]);
    expect(got.some((x) => x.startsWith("rg-app/id-deployer"))).toBe(false);
  });

  it("a conditional grant carries an assumption", async () => {
    const r = await runRules(
      [azureCanAccessData],
      azureEstate((f) => {
        for (const n of f.nodes)
          if (n.id.endsWith("/roleassignments/dddddddd-0000-0000-0000-000000000001"))
            n.props = { ...n.props, condition: "@Resource[...containers:name] StringEquals 'public'" };
      }),
    );
    const e = r.edges.find((x) => az(x.from) === "rg-app/id-app" && az(x.to) === "rg-data/stcrown")!;
    expect(e.assumptions.map((a) => a.code)).toEqual(["condition_not_evaluated"]);
  });
});
