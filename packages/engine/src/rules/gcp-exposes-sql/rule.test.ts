import { describe, expect, it } from "vitest";
import { G, GcpEstate } from "../../../test/gcp-estate.js";
import { pairsOf } from "../../../test/rule-case.js";
import { gcpExposesSql } from "./rule.js";

describe("gcp-exposes-sql", () => {
  it("a public IP with 0.0.0.0/0 authorized is exposed; private ranges or no public IP are not", async () => {
    const e = new GcpEstate()
      .sql("open", { ipv4Enabled: true, publicIps: ["35.1.1.1"], authorizedNetworks: ["0.0.0.0/0"] })
      .sql("office", { ipv4Enabled: true, publicIps: ["35.1.1.2"], authorizedNetworks: ["10.0.0.0/8"] })
      .sql("private", { ipv4Enabled: false, publicIps: [], authorizedNetworks: ["0.0.0.0/0"] });
    const r = await e.run([gcpExposesSql]);
    expect(pairsOf(r, "EXPOSES")).toEqual([`internet -> ${G.sql("open")}`]);
  });
});
