import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { pairsOf } from "../../../test/rule-case.js";
import { gcpImpersonation } from "./rule.js";

describe("gcp-impersonation", () => {
  it("Token Creator on the target is CAN_ASSUME, Service Account User on its project is CAN_ESCALATE to each account there", async () => {
    const e = new GcpEstate()
      .serviceAccount("target")
      .serviceAccount("minter")
      .serviceAccount("actor")
      .serviceAccount("outsider", G.other)
      .policy(G.sa("target"), "resource", [
        { role: "roles/iam.serviceAccountTokenCreator", members: [G.member("minter")] },
      ])
      .policy(G.project, "project", [{ role: "roles/iam.serviceAccountUser", members: [G.member("actor")] }]);
    const r = await e.run([gcpImpersonation]);
    expect(pairsOf(r, "CAN_ASSUME")).toEqual([`${G.sa("minter")} -> ${G.sa("target")}`]);
    expect(pairsOf(r, "CAN_ESCALATE")).toEqual(
      [`${G.sa("actor")} -> ${G.sa("minter")}`, `${G.sa("actor")} -> ${G.sa("target")}`].sort(),
    );
  });
});
