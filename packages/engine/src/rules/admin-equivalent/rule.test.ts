// admin-equivalent: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { arn } from "../../../test/build.js";
import { runRules } from "../../../test/rule-case.js";
import { adminEquivalent } from "./rule.js";

describe("admin-equivalent", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([adminEquivalent]);
    // Decoys: every scoped role and user; the bounded user.
    expect(r.adminEquivalent.map((a) => a.id)).toEqual([arn.role("admin-role")]);
    expect(r.edges).toEqual([]);
  });
});
