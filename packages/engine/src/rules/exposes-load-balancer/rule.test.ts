// exposes-load-balancer: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { arn } from "../../../test/build.js";
import { pairsOf, runRules } from "../../../test/rule-case.js";
import { exposesLoadBalancer } from "./rule.js";

const I = arn.instance;

describe("exposes-load-balancer", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([exposesLoadBalancer]);
    // True: the internet-facing balancer and the target whose group admits it. Decoys: the
    // internal balancer, the target whose group does not admit the balancer on 8080.
    expect(pairsOf(r, "EXPOSES")).toEqual(
      [`internet -> ${I("i-lbtarget")}`, `internet -> ${arn.lb("lb-web")}`].sort(),
    );
  });
});
