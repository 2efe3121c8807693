// exposes-s3-bucket: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { arn } from "../../../test/build.js";
import { pairsOf, runRules } from "../../../test/rule-case.js";
import { exposesS3Bucket } from "./rule.js";

describe("exposes-s3-bucket", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([exposesS3Bucket]);
    // True: public by policy, public by ACL. Decoys: public policy under RestrictPublicBuckets, private.
    expect(pairsOf(r, "EXPOSES")).toEqual(
      [`internet -> ${arn.bucket("bucket-acl")}`, `internet -> ${arn.bucket("bucket-public")}`].sort(),
    );
  });
});
