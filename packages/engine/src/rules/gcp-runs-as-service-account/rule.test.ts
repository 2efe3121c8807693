import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { pairsOf } from "../../../test/rule-case.js";
import { gcpRunsAsServiceAccount } from "./rule.js";

describe("gcp-runs-as-service-account", () => {
  it("joins the instance's service account by e-mail; terminated instances and unknown accounts give none", async () => {
    const e = new GcpEstate()
      .serviceAccount("web")
      .instance("web", { sa: "web" })
      .instance("stopped", { sa: "web", status: "TERMINATED" })
      .instance("stranger", { sa: "not-listed" });
    const r = await e.run([gcpRunsAsServiceAccount]);
    expect(pairsOf(r, "RUNS_AS")).toEqual([`${G.inst("web")} -> ${G.sa("web")}`]);
  });
});
