// lookup and status over the offline snapshot: what a fresh clone answers with no network.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "@ctem/model";
import { createIntel } from "../src/intel.js";
import type { Intel } from "../src/intel.js";

let dataDir = "";
let intel: Intel;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "ctem-intel-"));
  intel = createIntel({ dataDir, now: () => new Date("2026-02-10T00:00:00Z") });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("lookup", () => {
  it("merges KEV, EPSS and the published base score for Log4Shell", async () => {
    const r = await intel.lookup("CVE-2021-44228");
    expect(r.kev).toMatchObject({
      catalogVersion: "2026.01.29",
      dateAdded: "2021-12-10",
      knownRansomwareCampaignUse: "Known",
    });
    expect(r.epss?.score).toBe(0.94358);
    // No vector in the bundled tables: the base score only, with where it comes from.
    expect(r.cvss).toEqual({
      baseScore: 10,
      severity: "critical",
      source: "kev-cvss:nvd (CVSS v3 base score via jgamblin/KEV_EPSS 2026-08-22)",
    });
    expect(r.ssvc).toBeUndefined();
  });

  it("scores the publisher's vector, keeps the reported number, and adjusts for threat", async () => {
    const r = await intel.lookup("cve-2024-3400");
    expect(r.cve).toBe("CVE-2024-3400");
    expect(r.cvss).toMatchObject({
      version: "3.1",
      vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
      baseScore: 10,
      reported: { score: 10, severity: "critical" },
      source: "vulnrichment:cna",
      threat: {
        exploitMaturity: "attacked",
        score: 10,
        reasons: ["listed in CISA KEV", "SSVC exploitation: active"],
      },
    });
    expect(r.cvss?.alternatives).toEqual([
      {
        baseScore: 10,
        severity: "critical",
        source: "kev-cvss:nvd (CVSS v3 base score via jgamblin/KEV_EPSS 2026-08-22)",
      },
    ]);
    expect(r.ssvc).toEqual({
      exploitation: "active",
      automatable: "yes",
      technicalImpact: "total",
      source: "vulnrichment:adp:CISA-ADP (2024-10-24)",
    });
  });

  it("keeps ctem's score when the publisher's number does not follow from the vector", async () => {
    // CVE-2024-0095: the CNA published 4.3 for a vector that scores 9.0.
    const r = await intel.lookup("CVE-2024-0095");
    expect(r.cvss).toMatchObject({
      baseScore: 9,
      severity: "critical",
      reported: { score: 4.3, severity: "medium" },
    });
  });

  it("scores vectors from scanner reports when the tables have none", async () => {
    const r = await intel.lookup("CVE-2099-1234", [
      { vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", score: 7.5, source: "trivy" },
      { vector: "not a vector", source: "broken-tool" },
    ]);
    expect(r).toEqual({
      cve: "CVE-2099-1234",
      cvss: expect.objectContaining({
        baseScore: 7.5,
        severity: "high",
        source: "report:trivy",
        reported: { score: 7.5 },
      }) as unknown,
    });
    expect(r.cvss?.threat).toBeUndefined();
    expect(r.epss).toBeUndefined();
  });

  it("refuses what is not a CVE id", async () => {
    await expect(intel.lookup("log4shell")).rejects.toThrow(ValidationError);
    await expect(intel.lookup("log4shell")).rejects.toThrow(
      "'log4shell' is not a CVE id (expected CVE-YYYY-NNNN)",
    );
  });
});

describe("status", () => {
  it("gives each feed's origin, date, age and counts", async () => {
    const s = await intel.status();
    expect(s.map((f) => [f.feed, f.origin, f.date, f.ageDays, f.stale, f.rows, f.skipped.count])).toEqual([
      ["kev", "snapshot", "2026-01-29T20:24:37.0959Z", 11, true, 1_501, 0],
      ["epss", "snapshot", "2026-01-30T12:55:00Z", 10, true, 313_089, 0],
      ["cvss", "snapshot", "2024-10-24", 474, true, 44_130, 0],
      ["kev-cvss", "snapshot", "2026-08-22", 0, false, 1_552, 0],
    ]);
  });
});
