// can-reach-security-group: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { arn } from "../../../test/build.js";
import { pairsOf, runRules } from "../../../test/rule-case.js";
import { canReachSecurityGroup } from "./rule.js";

const I = arn.instance;

describe("can-reach-security-group", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([canReachSecurityGroup]);
    // Group reference: i-web (in sg-web) reaches sg-app, which reaches i-admin. Decoy: the
    // instance of another VPC in the same private range reaches nothing.
    expect(pairsOf(r, "CAN_REACH")).toContain(`${I("i-web")} -> ${arn.sg("sg-app")}`);
    expect(pairsOf(r, "CAN_REACH")).toContain(`${arn.sg("sg-app")} -> ${I("i-admin")}`);
    expect(pairsOf(r, "CAN_REACH").filter((p) => p.includes("i-noimds"))).toEqual([]);
    expect(
      pairsOf(r, "CAN_REACH").filter((p) => p.startsWith(`${I("i-admin")} -> ${arn.sg("sg-app")}`)),
    ).toEqual([]);
  });
});
