// can-access-data: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { arn } from "../../../test/build.js";
import { pairsOf, runRules } from "../../../test/rule-case.js";
import { canAccessData } from "./rule.js";

describe("can-access-data", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([canAccessData]);
    const other = pairsOf(r, "CAN_ACCESS").filter((p) => !p.startsWith(arn.role("admin-role")));
    // Decoys: role without data access, the Deny, the permission boundary.
    expect(other).toEqual(
      [
        `${arn.role("data-role")} -> ${arn.bucket("bucket-pab")}`,
        `${arn.role("data-role")} -> ${arn.secret("secret-app")}`,
        `${arn.role("web-role")} -> ${arn.bucket("bucket-private")}`,
      ].sort(),
    );
  });
});
