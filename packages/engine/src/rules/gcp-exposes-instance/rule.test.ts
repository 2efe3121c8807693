import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { pairsOf } from "../../../test/rule-case.js";
import { gcpExposesInstance } from "./rule.js";

describe("gcp-exposes-instance", () => {
  it("exposes tagged instances with an external address; priority, equal-priority deny, disabled, tags, addresses decide", async () => {
    const e = new GcpEstate()
      .instance("web", { tags: ["web"] })
      .firewall("allow-web", { targetTags: ["web"], allowed: [{ protocol: "tcp", ports: ["80", "443"] }] })
      // A deny at better priority removes port 80 only.
      .firewall("deny-80", {
        targetTags: ["web"],
        priority: 10,
        denied: [{ protocol: "tcp", ports: ["80"] }],
      })
      .instance("equal", { tags: ["equal"] })
      .firewall("allow-equal", { targetTags: ["equal"], allowed: [{ protocol: "tcp", ports: ["22"] }] })
      .firewall("deny-equal", { targetTags: ["equal"], denied: [{ protocol: "all", ports: [] }] })
      .instance("old", { tags: ["old"] })
      .firewall("allow-old", { targetTags: ["old"], disabled: true, allowed: [{ protocol: "all" }] })
      .instance("untagged", { tags: ["db"] })
      .instance("private", { tags: ["web"], external: false })
      .instance("sa-target", { sa: "api" })
      .firewall("allow-api", {
        targetServiceAccounts: [G.email("api")],
        allowed: [{ protocol: "tcp", ports: ["8080"] }],
      })
      .instance("internal", { tags: ["int"] })
      .firewall("allow-int", {
        targetTags: ["int"],
        sourceRanges: ["10.0.0.0/8"],
        allowed: [{ protocol: "all" }],
      });
    const r = await e.run([gcpExposesInstance]);
    expect(pairsOf(r, "EXPOSES")).toEqual([
      `internet -> ${G.inst("sa-target")}`,
      `internet -> ${G.inst("web")}`,
    ]);
    const web = r.edges.find((x) => x.to === G.inst("web"))!;
    expect((web.props.ports as Array<{ from: number }>).map((p) => p.from)).toEqual([443]);
  });
});
