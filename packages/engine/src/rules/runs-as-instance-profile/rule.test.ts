// runs-as-instance-profile: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { arn } from "../../../test/build.js";
import { pairsOf, runRules } from "../../../test/rule-case.js";
import { runsAsInstanceProfile } from "./rule.js";

const I = arn.instance;

describe("runs-as-instance-profile", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([runsAsInstanceProfile]);
    // Decoy: the instance whose metadata endpoint is off.
    expect(pairsOf(r, "RUNS_AS")).toEqual(
      [`${I("i-admin")} -> ${arn.role("admin-role")}`, `${I("i-web")} -> ${arn.role("web-role")}`].sort(),
    );
  });
});
