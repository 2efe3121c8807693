// can-access-data: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { Builder, allow, arn, doc } from "../../../test/build.js";
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

  // Stores alike share a decision, keyed by a number or, when a statement names too many patterns
  // for one (here 30 on a bucket's two resources: 121 bits), by a string. data-3 is named only as
  // a bucket, where no object can be read: taking its decision for data-1's would give it an edge.
  it("shares a decision only between stores alike, with a numeric or a spelled-out key", async () => {
    const named = [`${arn.bucket("data-1")}/*`, `${arn.bucket("data-2")}/*`, arn.bucket("data-3")];
    const others = Array.from({ length: 27 }, (_, i) => `${arn.bucket(`elsewhere-${i}`)}/*`);
    const b = new Builder().bucket("data-1").bucket("data-2").bucket("data-3");
    b.user("wide").inline(arn.user("wide"), "wide", doc(allow("s3:GetObject", [...others, ...named])));
    b.user("narrow").inline(arn.user("narrow"), "narrow", doc(allow("s3:GetObject", named)));
    const r = await runRules([canAccessData], b.estate());
    const pairs = (u: string) => pairsOf(r, "CAN_ACCESS").filter((p) => p.startsWith(`${arn.user(u)} `));
    for (const u of ["wide", "narrow"])
      expect(pairs(u)).toEqual([
        `${arn.user(u)} -> ${arn.bucket("data-1")}`,
        `${arn.user(u)} -> ${arn.bucket("data-2")}`,
      ]);
    for (const e of r.edges) expect(e.props).toMatchObject({ level: "read", action: "s3:GetObject" });
  });
});
