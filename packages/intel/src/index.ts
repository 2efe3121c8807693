// @ctem/intel: CVSS v2–v4, CISA KEV, FIRST EPSS and SSVC for any CVE, offline first.
export { createIntel, STALE_AFTER_DAYS } from "./intel.js";
export type {
  CvssInfo,
  FeedStatus,
  Intel,
  IntelIndex,
  IntelOptions,
  IntelRecord,
  ReportedCvss,
} from "./intel.js";
export {
  EPSS_POC_THRESHOLD,
  exploitMaturityOf,
  parseCvssVector,
  scoreCvss,
  severityOf,
  threatAdjust,
} from "./cvss.js";
export type {
  CvssMetrics,
  CvssScore,
  CvssSeverity,
  CvssVersion,
  ExploitMaturity,
  ThreatAdjustment,
  ThreatEvidence,
} from "./cvss.js";
export { cveKey, isCveId, normalizeCveId } from "./cve.js";
export { parseEpss } from "./epss.js";
export type { EpssRecord, EpssTable } from "./epss.js";
export { compileKevSchema, parseKev } from "./kev.js";
export type { KevCatalog, KevEntry } from "./kev.js";
export { parseKevCvss, parseVulnrichment } from "./tables.js";
export type {
  BaseScoreOnly,
  CveTable,
  PublishedVector,
  SsvcDecisionPoints,
  VulnrichmentRow,
} from "./tables.js";
export { DEFAULT_FEED_URLS, FEEDS_DIR, REFRESHABLE_FEEDS, SNAPSHOT } from "./feeds.js";
export type { FeedName, FetchRecord, RefreshableFeed } from "./feeds.js";
export type { RefreshResult } from "./refresh.js";
export type { SkippedRows } from "./rows.js";
