// azure-exposes-sql: sql-open (0.0.0.0–255.255.255.255) is exposed; sql-azure-only (the
// "Allow Azure services" 0.0.0.0–0.0.0.0 rule) is not, nor is sql-open with public access disabled.
import { describe, expect, it } from "vitest";
import { azPairs, azureEstate } from "../../../test/azure-estate.js";
import { runRules } from "../../../test/rule-case.js";
import { azureExposesSql, internetWideRange } from "./rule.js";

describe("azure-exposes-sql", () => {
  it("derives the true edge and none for the decoys", async () => {
    expect(azPairs((await runRules([azureExposesSql], azureEstate())).edges, "EXPOSES")).toEqual([
      "internet -> rg-data/sql-open",
    ]);
    const closed = azureEstate((f) => {
      for (const n of f.nodes)
        if (n.type === "azure.sql.server") n.props = { ...n.props, publicNetworkAccess: "Disabled" };
    });
    expect((await runRules([azureExposesSql], closed)).edges).toEqual([]);
  });

  it("counts only ranges holding an arbitrary internet host", () => {
    expect(internetWideRange("0.0.0.0", "255.255.255.255")).toBe(true);
    expect(internetWideRange("0.0.0.0", "0.0.0.0")).toBe(false);
    expect(internetWideRange("1.2.2.128", "1.2.2.255")).toBe(false);
    expect(internetWideRange("0.0.0.0", "299.0.0.1")).toBe(false);
  });
});
