// exposes-instance: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { arn } from "../../../test/build.js";
import { pairsOf, runRules } from "../../../test/rule-case.js";
import { exposesInstance } from "./rule.js";

const I = arn.instance;

describe("exposes-instance", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([exposesInstance]);
    // True: public IP + open 443; Elastic IP + open 22. Decoys: 10/8-only group, NAT-only route,
    // NACL deny on 22, private instance with an admin role.
    expect(pairsOf(r, "EXPOSES")).toEqual([`internet -> ${I("i-eip")}`, `internet -> ${I("i-web")}`].sort());
    expect(exposesInstance.meta.edge).toBe("EXPOSES");
  });
});
