// The feed parsers on the real snapshot (exact counts) and on damaged input: bad rows are skipped
// and counted; a damaged file is refused with a ValidationError naming file and line.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ValidationError } from "@ctem/model";
import { parseEpss } from "../src/epss.js";
import { compileKevSchema, parseKev } from "../src/kev.js";
import { parseKevCvss, parseVulnrichment } from "../src/tables.js";

const data = (name: string) => readFileSync(new URL(`../data/${name}`, import.meta.url));
const validate = compileKevSchema(
  JSON.parse(data("known_exploited_vulnerabilities_schema.json").toString("utf8")) as object,
);

function refused(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error("expected a ValidationError, nothing was thrown");
}

const epssFile = (
  rows: string[],
  head = "#model_version:v2025.03.14,score_date:2026-01-30T12:55:00Z\ncve,epss,percentile\n",
) => Buffer.from(head + rows.map((r) => r + "\n").join(""));
const goodRows = Array.from({ length: 200 }, (_, i) => `CVE-2024-${String(1000 + i)},0.0${(i % 9) + 1},0.5`);

describe("EPSS", () => {
  it("loads the snapshot: 313,089 rows, model version, score date, scientific notation", () => {
    const t = parseEpss(data("epss_scores-2026-01-30.csv.gz"), "epss.csv.gz");
    expect(t.rows).toBe(313_089);
    expect(t.skipped.count).toBe(0);
    expect(t.modelVersion).toBe("v2025.03.14");
    expect(t.scoreDate).toBe("2026-01-30T12:55:00Z");
    expect(t.get("CVE-2021-44228")).toEqual({
      score: 0.94358,
      percentile: 0.99959,
      modelVersion: "v2025.03.14",
      scoreDate: "2026-01-30T12:55:00Z",
    });
    // written `4e-05` in the file
    expect(t.get("CVE-2026-25211")?.score).toBe(0.00004);
    expect(t.get("CVE-1999-0001")?.score).toBe(0.01151);
    expect(t.get("CVE-2099-0001")).toBeUndefined();
  });

  it("reads the same data plain and gzipped", () => {
    const plain = epssFile(goodRows);
    const a = parseEpss(plain, "a.csv");
    const b = parseEpss(gzipSync(plain), "a.csv.gz");
    expect(a.rows).toBe(200);
    expect(b.get("CVE-2024-1005")).toEqual(a.get("CVE-2024-1005"));
  });

  it("skips and counts bad rows, naming their lines", () => {
    const rows = [...goodRows];
    rows[10] = "CVE-2024-1010,abc,0.5";
    rows[20] = "not-a-cve,0.1,0.5";
    const t = parseEpss(epssFile(rows), "e.csv", { maxBadRowRatio: 0.05 });
    expect(t.rows).toBe(198);
    expect(t.skipped.count).toBe(2);
    expect(t.skipped.examples).toEqual([
      { line: 13, reason: "CVE-2024-1010: epss 'abc' is not a probability" },
      { line: 23, reason: "not a CVE id: 'not-a-cve'" },
    ]);
    expect(t.get("CVE-2024-1010")).toBeUndefined();
  });

  it("refuses a file with too many bad rows", () => {
    const rows = goodRows.map((r, i) => (i % 10 === 0 ? r.replace(",0.5", ",7") : r));
    expect(refused(() => parseEpss(epssFile(rows), "e.csv")).message).toMatch(
      /^e\.csv:3: 20 of 200 rows are bad/,
    );
  });

  it("refuses a record cut in the middle (plain file without its last line end)", () => {
    const text = epssFile(goodRows).toString("utf8");
    const cut = Buffer.from(text.slice(0, text.length - 4));
    const e = refused(() => parseEpss(cut, "epss.csv"));
    expect(e.message).toBe(
      "epss.csv:202: the last record has no line end: the file is cut off in the middle of a record",
    );
    expect(e.details).toEqual({ file: "epss.csv", line: 202 });
  });

  it("refuses a truncated gzip download, naming the line where the data stops", () => {
    const gz = gzipSync(epssFile(goodRows));
    const e = refused(() => parseEpss(gz.subarray(0, Math.floor(gz.length * 0.6)), "epss.csv.gz"));
    expect(e.message).toMatch(/^epss\.csv\.gz:\d+: gzip data ends or breaks here/);
  });

  it("refuses wrong columns and a wrong header", () => {
    const rows = [...goodRows];
    rows[50] = "CVE-2024-1050,0.1,0.5,extra";
    expect(refused(() => parseEpss(epssFile(rows), "e.csv")).message).toBe(
      "e.csv:53: expected 3 columns (cve,epss,percentile), found 4: 'CVE-2024-1050,0.1,0.5,extra'",
    );
    expect(refused(() => parseEpss(epssFile(goodRows, "cve,score\n"), "e.csv")).message).toBe(
      "e.csv:1: expected the header 'cve,epss,percentile', found 'cve,score'",
    );
  });
});

describe("KEV", () => {
  const kevText = data("known_exploited_vulnerabilities.json").toString("utf8");

  it("loads catalog 2026.01.29 with its 1,501 entries, validated against CISA's schema", () => {
    const k = parseKev(Buffer.from(kevText), "kev.json", validate);
    expect(k.catalogVersion).toBe("2026.01.29");
    expect(k.count).toBe(1_501);
    expect(k.rows).toBe(1_501);
    expect(k.skipped.count).toBe(0);
    expect([...k.entries()].filter((e) => e.knownRansomwareCampaignUse === "Known")).toHaveLength(308);
    const log4shell = k.get("CVE-2021-44228");
    expect(log4shell).toMatchObject({
      vendor: "Apache",
      product: "Log4j2",
      dateAdded: "2021-12-10",
      dueDate: "2021-12-24",
      knownRansomwareCampaignUse: "Known",
    });
    expect(log4shell?.requiredAction).toMatch(/^For all affected software assets/);
  });

  it("skips and counts an entry that breaks the schema, keeping the rest", () => {
    const bad = kevText.replace('"dateAdded": "2026-01-29"', '"dateAdded": "yesterday"');
    const k = parseKev(Buffer.from(bad), "kev.json", validate);
    expect(k.rows).toBe(1_500);
    expect(k.skipped).toEqual({
      count: 1,
      examples: [{ line: 8, reason: 'entry 0: /dateAdded must match format "date"' }],
    });
    expect(k.get("CVE-2026-1281")).toBeUndefined();
  });

  it("refuses invalid JSON (a cut-off download) naming file and line", () => {
    const e = refused(() => parseKev(Buffer.from(kevText.slice(0, 50_000)), "kev.json", validate));
    expect(e.message).toMatch(/^kev\.json:636: not valid JSON/);
    expect(e.details).toEqual({ file: "kev.json", line: 636 });
  });

  it("refuses a catalog whose frame is wrong", () => {
    expect(
      refused(() => parseKev(Buffer.from('{"catalogVersion": "x"}'), "kev.json", validate)).message,
    ).toMatch(/^kev\.json: not a KEV catalog: \/ must have required property/);
    const short = JSON.parse(kevText) as { count: number };
    short.count = 1_600;
    expect(refused(() => parseKev(Buffer.from(JSON.stringify(short)), "kev.json", validate)).message).toBe(
      "kev.json: the catalog says it holds 1600 entries but holds 1501",
    );
  });
});

describe("CVSS tables", () => {
  it("loads the vulnrichment table: 44,130 records with vectors and SSVC", () => {
    const t = parseVulnrichment(data("vulnrichment_cvss_2024-10-24.csv.gz"), "v.csv.gz");
    expect(t.rows).toBe(44_130);
    expect(t.skipped.count).toBe(0);
    expect(t.get("CVE-2024-3400")).toEqual({
      cveId: "CVE-2024-3400",
      state: "PUBLISHED",
      datePublished: "2024-04-12T07:20:00.707Z",
      cvss3: {
        vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
        reportedScore: 10,
        reportedSeverity: "critical",
        source: "cna",
      },
      ssvc: { exploitation: "active", automatable: "yes", technicalImpact: "total" },
    });
  });

  it("loads the KEV base scores: 1,552 of 1,556 rows carry one", () => {
    const t = parseKevCvss(data("kev_cvss3_epss_jgamblin_2026-08-22.csv"), "k.csv", "nvd");
    expect(t.rows).toBe(1_552);
    expect(t.skipped.count).toBe(0);
    expect(t.get("CVE-2021-44228")).toEqual({ baseScore: 10, source: "nvd" });
  });
});
