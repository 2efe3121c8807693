// can-assume-role is pathfinding.cloud's sts-001: the trust policy AND the caller's permission.
import { describe, expect, it } from "vitest";
import { Builder, allow, arn, doc } from "../../../test/build.js";
import { pairsOf, runRules } from "../../../test/rule-case.js";
import { catalogueEntry } from "../../escalation/catalogue.js";
import { canAssumeRole } from "./rule.js";

describe("can-assume-role (sts-001)", () => {
  it("takes the catalogue entry's permission", () => {
    expect(canAssumeRole.meta.catalogue).toEqual(["sts-001"]);
    expect(catalogueEntry("sts-001").permissions.required.map((p) => p.permission)).toEqual([
      "sts:AssumeRole",
    ]);
  });

  it("derives the true edges and none for the decoy trust policy", async () => {
    const r = await runRules([canAssumeRole]);
    // other-role trusts only another account.
    expect(pairsOf(r, "CAN_ASSUME")).toEqual(
      [
        `${arn.role("admin-role")} -> ${arn.role("data-role")}`,
        `${arn.role("web-role")} -> ${arn.role("data-role")}`,
      ].sort(),
    );
  });

  it("an account-root trust needs the caller's permission; a trust naming the caller's ARN does not", async () => {
    const b = new Builder();
    b.role("by-root", doc({ Effect: "Allow", Principal: { AWS: arn.root() }, Action: "sts:AssumeRole" }));
    b.role(
      "by-arn",
      doc({ Effect: "Allow", Principal: { AWS: arn.user("alice") }, Action: "sts:AssumeRole" }),
    );
    b.user("alice")
      .user("bob")
      .inline(arn.user("bob"), "assume", doc(allow("sts:AssumeRole", arn.role("by-root"))));
    const r = await runRules([canAssumeRole], b.estate());
    expect(pairsOf(r, "CAN_ASSUME")).toEqual(
      [
        `${arn.user("alice")} -> ${arn.role("by-arn")}`,
        `${arn.user("bob")} -> ${arn.role("by-root")}`,
      ].sort(),
    );
  });
});
