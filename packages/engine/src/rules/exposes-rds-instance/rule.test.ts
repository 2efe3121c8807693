// exposes-rds-instance: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { arn } from "../../../test/build.js";
import { pairsOf, runRules } from "../../../test/rule-case.js";
import { exposesRdsInstance } from "./rule.js";

describe("exposes-rds-instance", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([exposesRdsInstance]);
    // True: public, open 5432. Decoys: open group on another port (3306), not publicly accessible.
    expect(pairsOf(r, "EXPOSES")).toEqual([`internet -> ${arn.db("db-public")}`]);
  });
});
