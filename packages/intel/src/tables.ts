// The bundled CVSS tables:
//  - vulnrichment: one row per CVE record of CISA's vulnrichment repository — the CNA's (or CISA-ADP's)
//    CVSS v3.x and v4.0 vectors with the published scores, and CISA's SSVC decision points;
//  - kev-cvss: NVD's CVSS v3 base scores (no vectors) for KEV CVEs, from jgamblin/KEV_EPSS, for the
//    KEV CVEs the vulnrichment table has no vector for.
import { cveKey, isCveId } from "./cve.js";
import { readCsv } from "./csv.js";
import { parseCvssVector } from "./cvss.js";
import { createSkipped, frozenSkipped } from "./rows.js";
import type { SkippedRows } from "./rows.js";
import { feedText } from "./text.js";

export interface PublishedVector {
  vector: string;
  /** The publisher's score; ctem computes its own from the vector and keeps this as "reported". */
  reportedScore?: number;
  reportedSeverity?: string;
  /** `cna` or `adp:CISA-ADP`. */
  source: string;
}

export type SsvcExploitation = "none" | "poc" | "active";

export interface SsvcDecisionPoints {
  exploitation?: SsvcExploitation;
  automatable?: "yes" | "no";
  technicalImpact?: "partial" | "total";
}

export interface VulnrichmentRow {
  cveId: string;
  state: string;
  datePublished?: string;
  cvss3?: PublishedVector;
  cvss4?: PublishedVector;
  ssvc?: SsvcDecisionPoints;
}

export interface CveTable<T> {
  file: string;
  rows: number;
  skipped: SkippedRows;
  get(cveId: string): T | undefined;
}

export const VULNRICHMENT_HEADER = [
  "cve",
  "state",
  "datePublished",
  "cvss3_source",
  "cvss3_vector",
  "cvss3_base_score",
  "cvss3_severity",
  "cvss4_source",
  "cvss4_vector",
  "cvss4_base_score",
  "ssvc_exploitation",
  "ssvc_automatable",
  "ssvc_technical_impact",
  "in_kev_2026_01_29",
];

const score = (s: string): number | undefined => {
  if (s.trim() === "") return undefined;
  const n = Number(s);
  return n >= 0 && n <= 10 ? n : NaN;
};

export function parseVulnrichment(bytes: Uint8Array, file: string): CveTable<VulnrichmentRow> {
  const text = feedText(bytes, file);
  const rows = new Map<number | string, VulnrichmentRow>();
  const skipped = createSkipped();
  for (const { line, fields } of readCsv(text, file, VULNRICHMENT_HEADER)) {
    const [cve, state, datePublished, s3, v3, b3, sev3, s4, v4, b4, expl, auto, ti] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!isCveId(cve)) {
      skipped.add(line, `not a CVE id: '${cve.slice(0, 40)}'`);
      continue;
    }
    const row: VulnrichmentRow = { cveId: cve, state, ...(datePublished ? { datePublished } : {}) };
    const vec = (vector: string, base: string, severity: string, source: string, version: "3" | "4") => {
      if (!vector) return undefined;
      try {
        const parsed = parseCvssVector(vector);
        if (!parsed.version.startsWith(version))
          throw new Error(`a v${parsed.version} vector in the v${version} column`);
      } catch (e) {
        skipped.add(line, `${cve}: ${(e as Error).message}; the vector is ignored`);
        return undefined;
      }
      const reported = score(base);
      if (Number.isNaN(reported)) {
        skipped.add(
          line,
          `${cve}: published score '${base}' is not a number from 0 to 10; the vector is kept without it`,
        );
      }
      return {
        vector,
        ...(reported !== undefined && !Number.isNaN(reported) ? { reportedScore: reported } : {}),
        ...(severity ? { reportedSeverity: severity.toLowerCase() } : {}),
        source: source || "unknown",
      };
    };
    const c3 = vec(v3, b3, sev3, s3, "3");
    const c4 = vec(v4, b4, "", s4, "4");
    if (c3) row.cvss3 = c3;
    if (c4) row.cvss4 = c4;
    const ssvc: SsvcDecisionPoints = {};
    if (expl === "none" || expl === "poc" || expl === "active") ssvc.exploitation = expl;
    if (auto === "yes" || auto === "no") ssvc.automatable = auto;
    if (ti === "partial" || ti === "total") ssvc.technicalImpact = ti;
    const unknown = [
      expl && !ssvc.exploitation && `exploitation '${expl}'`,
      auto && !ssvc.automatable && `automatable '${auto}'`,
      ti && !ssvc.technicalImpact && `technical impact '${ti}'`,
    ].filter(Boolean);
    if (unknown.length > 0) skipped.add(line, `${cve}: unknown SSVC value ${unknown.join(", ")}; ignored`);
    if (Object.keys(ssvc).length > 0) row.ssvc = ssvc;
    const key = cveKey(cve);
    if (rows.has(key)) {
      skipped.add(line, `${cve}: listed twice; the first row is kept`);
      continue;
    }
    rows.set(key, row);
  }
  return { file, rows: rows.size, skipped: frozenSkipped(skipped), get: (id) => rows.get(cveKey(id)) };
}

export interface BaseScoreOnly {
  baseScore: number;
  /** Where the number comes from, e.g. "nvd (via jgamblin/KEV_EPSS 2026-08-22)". */
  source: string;
}

export const KEV_CVSS_HEADER = [
  "CVE",
  "CVSS3",
  "EPSS",
  "EPSS Percentile",
  "Description",
  "Vendor",
  "Product",
];

export function parseKevCvss(bytes: Uint8Array, file: string, source: string): CveTable<BaseScoreOnly> {
  const text = feedText(bytes, file);
  const rows = new Map<number | string, BaseScoreOnly>();
  const skipped = createSkipped();
  for (const { line, fields } of readCsv(text, file, KEV_CVSS_HEADER)) {
    const cve = fields[0]!;
    const s = score(fields[1]!);
    if (!isCveId(cve)) skipped.add(line, `not a CVE id: '${cve.slice(0, 40)}'`);
    else if (s === undefined)
      continue; // no CVSS v3 score published for this CVE: nothing to keep
    else if (Number.isNaN(s)) skipped.add(line, `${cve}: CVSS3 '${fields[1]}' is not a number from 0 to 10`);
    else if (rows.has(cveKey(cve))) skipped.add(line, `${cve}: listed twice; the first row is kept`);
    else rows.set(cveKey(cve), { baseScore: s, source });
  }
  return { file, rows: rows.size, skipped: frozenSkipped(skipped), get: (id) => rows.get(cveKey(id)) };
}
