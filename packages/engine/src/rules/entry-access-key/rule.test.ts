// entry-access-key: its true edges on the hand-built estate, and no edge for its decoys.
import { describe, expect, it } from "vitest";
import { arn } from "../../../test/build.js";
import { runRules } from "../../../test/rule-case.js";
import { entryAccessKey } from "./rule.js";

describe("entry-access-key", () => {
  it("derives the true edges and none for the decoys", async () => {
    const r = await runRules([entryAccessKey]);
    // Decoy: ops-user's key is inactive.
    expect(r.entries.map((e) => e.id).sort()).toEqual(
      ["internet", arn.user("bounded-user"), arn.user("dev-user")].sort(),
    );
    expect(r.entries.find((e) => e.id === arn.user("dev-user"))!.evidence[0]!.detail).toMatchObject({
      accessKeyId: "AKIADEV0000000000001",
      status: "Active",
    });
  });
});
