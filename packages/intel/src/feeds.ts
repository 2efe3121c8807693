// The feeds ctem knows: where the official copies live, what the offline snapshot carries, and the
// file names in the data directory. KEV and EPSS refresh from their publishers; the CVSS tables
// come only with the snapshot (there is no official single-file source for them).
import { fileURLToPath } from "node:url";

export type RefreshableFeed = "kev" | "epss";
export type FeedName = RefreshableFeed | "cvss" | "kev-cvss";

export const REFRESHABLE_FEEDS: readonly RefreshableFeed[] = ["kev", "epss"];

/** Official download URLs (checked 2026-11): CISA's feed; FIRST's EPSS, now served by Empirical Security. */
export const DEFAULT_FEED_URLS: Record<RefreshableFeed, string> = {
  kev: "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
  // Redirects to the dated file epss_scores-YYYY-MM-DD.csv.gz (the old host epss.cyentia.com is retired).
  epss: "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz",
};

/** The snapshot carried in the repository (packages/intel/data; data/SOURCES.md says where each file comes from). */
export const SNAPSHOT = {
  dir: fileURLToPath(new URL("../data/", import.meta.url)),
  kev: "known_exploited_vulnerabilities.json",
  kevSchema: "known_exploited_vulnerabilities_schema.json",
  epss: "epss_scores-2026-01-30.csv.gz",
  cvss: {
    file: "vulnrichment_cvss_2024-10-24.csv.gz",
    date: "2024-10-24",
    source: "cisagov/vulnrichment@b0ed7583",
  },
  kevCvss: {
    file: "kev_cvss3_epss_jgamblin_2026-08-22.csv",
    date: "2026-08-22",
    source: "nvd (CVSS v3 base score via jgamblin/KEV_EPSS 2026-08-22)",
  },
} as const;

/** Sub-directory of the data directory holding downloaded feeds and feeds.json (their fetch record). */
export const FEEDS_DIR = "feeds";
export const FEEDS_META = "feeds.json";
export const FEED_FILES: Record<RefreshableFeed, { gzip: string; plain: string }> = {
  kev: { gzip: "known_exploited_vulnerabilities.json.gz", plain: "known_exploited_vulnerabilities.json" },
  epss: { gzip: "epss_scores.csv.gz", plain: "epss_scores.csv" },
};

/** What feeds.json records per downloaded feed. */
export interface FetchRecord {
  file: string;
  url: string;
  fetchedAt: string;
  bytes: number;
  sha256: string;
}
