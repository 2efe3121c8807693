// createIntel: one object the engine and the server use for threat intel. Feeds are files — the
// downloaded ones in <data>/feeds, else the snapshot carried in the repository — loaded once into
// tables keyed by CVE, so lookup(cveId) costs a few Map accesses.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ValidateFunction } from "ajv";
import { normalizeCveId } from "./cve.js";
import { scoreCvss, severityOf, threatAdjust } from "./cvss.js";
import type { CvssMetrics, CvssSeverity, CvssVersion, ThreatAdjustment } from "./cvss.js";
import { parseEpss } from "./epss.js";
import type { EpssRecord, EpssTable } from "./epss.js";
import { FEEDS_DIR, FEEDS_META, FEED_FILES, SNAPSHOT } from "./feeds.js";
import type { FeedName, FetchRecord, RefreshableFeed } from "./feeds.js";
import { compileKevSchema, parseKev } from "./kev.js";
import type { KevCatalog, KevEntry } from "./kev.js";
import { refreshFeeds } from "./refresh.js";
import type { RefreshOptions, RefreshResult } from "./refresh.js";
import type { SkippedRows } from "./rows.js";
import { parseKevCvss, parseVulnrichment } from "./tables.js";
import type { BaseScoreOnly, CveTable, SsvcDecisionPoints, VulnrichmentRow } from "./tables.js";

export interface IntelOptions {
  /** The data directory; downloaded feeds live in `<dataDir>/feeds`. */
  dataDir: string;
  /** The offline snapshot (default: packages/intel/data). */
  snapshotDir?: string;
  now?: () => Date;
  /** For refresh: the HTTP client (global fetch in production, a stub or local server in tests). */
  fetch?: typeof globalThis.fetch;
  refresh?: Omit<RefreshOptions, "fetch" | "now" | "feedsDir" | "validate">;
}

/** A CVSS assessment of one CVE: computed from a vector where there is one, else a published base score. */
export interface CvssInfo {
  version?: CvssVersion;
  vector?: string;
  /** ctem's score of the base metrics (from the vector), or the published base score when no vector exists. */
  baseScore: number;
  severity: CvssSeverity;
  /** Score over every metric the vector carries (temporal/threat/environmental), when a vector exists. */
  vectorScore?: number;
  vectorScoreKind?: string;
  metrics?: CvssMetrics;
  /** The publisher's own number, kept beside ctem's. */
  reported?: { score: number; severity?: string };
  /** Where the vector or score came from: `vulnrichment:cna`, `vulnrichment:adp:CISA-ADP`, `report:<tool>`, `kev-cvss:nvd`. */
  source: string;
  /** The exploit-maturity adjustment from KEV, EPSS and SSVC (CVSS-BT style), when there is evidence. */
  threat?: ThreatAdjustment;
}

export interface IntelRecord {
  cve: string;
  /** The preferred assessment; `alternatives` holds the others (another version or source). */
  cvss?: CvssInfo & { alternatives?: CvssInfo[] };
  epss?: EpssRecord;
  kev?: KevEntry & { catalogVersion: string };
  ssvc?: SsvcDecisionPoints & { source: string };
}

/** A vector or score a scanner report gave for the CVE; lookup scores it alongside the bundled data. */
export interface ReportedCvss {
  vector?: string;
  score?: number;
  /** e.g. the tool: "trivy", "grype". */
  source: string;
}

export interface FeedStatus {
  feed: FeedName;
  /** "data": a downloaded file in the data directory; "snapshot": the copy carried in the repository. */
  origin: "data" | "snapshot";
  file: string;
  /** The publisher's date of the data (KEV release, EPSS score date, table snapshot date). */
  date?: string;
  /** Days between that date and now. */
  ageDays?: number;
  /** Older than 7 days: the UI warns. */
  stale: boolean;
  fetchedAt?: string;
  url?: string;
  version?: string;
  rows: number;
  skipped: SkippedRows;
  /** Why a downloaded file was not used (it then falls back to the snapshot). */
  problem?: string;
}

export interface IntelIndex {
  lookup(cveId: string, reported?: ReportedCvss[]): IntelRecord;
  status(): FeedStatus[];
  kev: KevCatalog;
  epss: EpssTable;
}

export interface Intel {
  /** Loads every feed once (cached until a refresh replaces one). */
  load(): Promise<IntelIndex>;
  lookup(cveId: string, reported?: ReportedCvss[]): Promise<IntelRecord>;
  status(): Promise<FeedStatus[]>;
  /** Downloads KEV and EPSS, validates each whole file, replaces only what validated, reloads. */
  refresh(feeds?: RefreshableFeed[]): Promise<RefreshResult[]>;
}

export const STALE_AFTER_DAYS = 7;

export function createIntel(opts: IntelOptions): Intel {
  const snapshotDir = opts.snapshotDir ?? SNAPSHOT.dir;
  const feedsDir = path.join(opts.dataDir, FEEDS_DIR);
  const now = opts.now ?? (() => new Date());
  let loading: Promise<IntelIndex> | undefined;
  let validator: ValidateFunction<never> | undefined;

  const kevValidator = async () => {
    if (!validator) {
      const schema = JSON.parse(await readFile(path.join(snapshotDir, SNAPSHOT.kevSchema), "utf8")) as object;
      validator = compileKevSchema(schema) as ValidateFunction<never>;
    }
    return validator;
  };

  const readMeta = async (): Promise<Partial<Record<RefreshableFeed, FetchRecord>>> => {
    const file = path.join(feedsDir, FEEDS_META);
    if (!existsSync(file)) return {};
    try {
      return JSON.parse(await readFile(file, "utf8")) as Partial<Record<RefreshableFeed, FetchRecord>>;
    } catch {
      return {}; // a damaged record only loses the fetch times; the feed files are still checked
    }
  };

  /** The downloaded file if there is one and it validates, else the snapshot. */
  async function loadFeed<T>(
    feed: RefreshableFeed,
    snapshotFile: string,
    parse: (bytes: Uint8Array, file: string) => T,
    meta: FetchRecord | undefined,
  ): Promise<{ table: T; origin: "data" | "snapshot"; file: string; problem?: string; meta?: FetchRecord }> {
    const candidates = meta ? [meta.file] : [FEED_FILES[feed].gzip, FEED_FILES[feed].plain];
    let problem: string | undefined;
    for (const name of candidates) {
      const file = path.join(feedsDir, name);
      if (!existsSync(file)) continue;
      try {
        return { table: parse(await readFile(file), file), origin: "data", file, ...(meta ? { meta } : {}) };
      } catch (e) {
        problem = `${(e as Error).message}; using the snapshot`;
      }
    }
    const file = path.join(snapshotDir, snapshotFile);
    return {
      table: parse(await readFile(file), file),
      origin: "snapshot",
      file,
      ...(problem ? { problem } : {}),
    };
  }

  async function loadAll(): Promise<IntelIndex> {
    const validate = await kevValidator();
    const meta = await readMeta();
    const [kev, epss, cvssBytes, kevCvssBytes] = await Promise.all([
      loadFeed("kev", SNAPSHOT.kev, (b, f) => parseKev(b, f, validate), meta.kev),
      loadFeed("epss", SNAPSHOT.epss, (b, f) => parseEpss(b, f), meta.epss),
      readFile(path.join(snapshotDir, SNAPSHOT.cvss.file)),
      readFile(path.join(snapshotDir, SNAPSHOT.kevCvss.file)),
    ]);
    const vulnrichment = parseVulnrichment(cvssBytes, path.join(snapshotDir, SNAPSHOT.cvss.file));
    const kevCvss = parseKevCvss(
      kevCvssBytes,
      path.join(snapshotDir, SNAPSHOT.kevCvss.file),
      SNAPSHOT.kevCvss.source,
    );
    return buildIndex({ kev, epss, vulnrichment, kevCvss, now });
  }

  const load = () => {
    loading ??= loadAll().catch((e: unknown) => {
      loading = undefined;
      throw e;
    });
    return loading;
  };

  return {
    load,
    async lookup(cveId, reported) {
      const id = normalizeCveId(cveId);
      return (await load()).lookup(id, reported);
    },
    async status() {
      return (await load()).status();
    },
    async refresh(feeds) {
      const validate = await kevValidator();
      const results = await refreshFeeds({
        ...opts.refresh,
        feeds,
        feedsDir,
        now,
        fetch: opts.fetch ?? globalThis.fetch,
        validate: {
          kev: (b, f) => {
            const k = parseKev(b, f, validate);
            return { rows: k.rows, skipped: k.skipped, date: k.dateReleased, version: k.catalogVersion };
          },
          epss: (b, f) => {
            const e = parseEpss(b, f);
            return {
              rows: e.rows,
              skipped: e.skipped,
              ...(e.scoreDate ? { date: e.scoreDate } : {}),
              ...(e.modelVersion ? { version: e.modelVersion } : {}),
            };
          },
        },
      });
      if (results.some((r) => r.status === "updated")) loading = undefined;
      return results;
    },
  };
}

interface Loaded<T> {
  table: T;
  origin: "data" | "snapshot";
  file: string;
  problem?: string;
  meta?: FetchRecord;
}

function buildIndex(src: {
  kev: Loaded<KevCatalog>;
  epss: Loaded<EpssTable>;
  vulnrichment: CveTable<VulnrichmentRow>;
  kevCvss: CveTable<BaseScoreOnly>;
  now: () => Date;
}): IntelIndex {
  const kev = src.kev.table;
  const epss = src.epss.table;

  const fromVector = (
    vector: string,
    source: string,
    reported?: { score: number; severity?: string },
  ): CvssInfo | undefined => {
    try {
      const s = scoreCvss(vector);
      return {
        version: s.version,
        vector: s.vector,
        baseScore: s.baseScore,
        severity: s.severity,
        vectorScore: s.vectorScore,
        vectorScoreKind: s.vectorScoreKind,
        metrics: s.metrics,
        ...(reported ? { reported } : {}),
        source,
      };
    } catch {
      return undefined; // a malformed vector from a report: the other sources still count
    }
  };

  function lookup(cveId: string, reported: ReportedCvss[] = []): IntelRecord {
    const record: IntelRecord = { cve: cveId };
    const k = kev.get(cveId);
    if (k) record.kev = { ...k, catalogVersion: kev.catalogVersion };
    const e = epss.get(cveId);
    if (e) record.epss = e;
    const v = src.vulnrichment.get(cveId);
    if (v?.ssvc) record.ssvc = { ...v.ssvc, source: `vulnrichment:adp:CISA-ADP (${SNAPSHOT.cvss.date})` };

    // Preference: the publisher's vectors in the bundled table (v3.x first: the scale scanners and
    // SLAs speak), then vectors from scanner reports, then a published base score without a vector.
    const candidates: CvssInfo[] = [];
    for (const pv of [v?.cvss3, v?.cvss4]) {
      if (!pv) continue;
      const rep =
        pv.reportedScore === undefined
          ? undefined
          : { score: pv.reportedScore, ...(pv.reportedSeverity ? { severity: pv.reportedSeverity } : {}) };
      const info = fromVector(pv.vector, `vulnrichment:${pv.source}`, rep);
      if (info) candidates.push(info);
    }
    for (const r of reported) {
      if (r.vector) {
        const info = fromVector(
          r.vector,
          `report:${r.source}`,
          r.score === undefined ? undefined : { score: r.score },
        );
        if (info && !candidates.some((c) => c.vector === info.vector)) candidates.push(info);
      }
    }
    const baseOnly = src.kevCvss.get(cveId);
    if (baseOnly)
      candidates.push({
        baseScore: baseOnly.baseScore,
        severity: severityOf(baseOnly.baseScore, "3.1"),
        source: `kev-cvss:${baseOnly.source}`,
      });
    for (const r of reported) {
      if (!r.vector && r.score !== undefined && r.score >= 0 && r.score <= 10)
        candidates.push({
          baseScore: r.score,
          severity: severityOf(r.score, "3.1"),
          source: `report:${r.source}`,
        });
    }
    const [primary, ...alternatives] = candidates;
    if (primary) {
      if (primary.vector) {
        const t = threatAdjust(primary.vector, {
          kev: k !== undefined,
          ...(e ? { epss: e.score } : {}),
          ...(v?.ssvc?.exploitation ? { ssvcExploitation: v.ssvc.exploitation } : {}),
        });
        if (t) primary.threat = t;
      }
      record.cvss = alternatives.length > 0 ? { ...primary, alternatives } : primary;
    }
    return record;
  }

  function status(): FeedStatus[] {
    const now = src.now();
    const age = (date: string | undefined) => {
      if (!date) return undefined;
      const t = Date.parse(date);
      return Number.isNaN(t) ? undefined : Math.max(0, Math.floor((now.getTime() - t) / 86_400_000));
    };
    const row = (
      feed: FeedName,
      l: { origin: "data" | "snapshot"; file: string; problem?: string; meta?: FetchRecord },
      date: string | undefined,
      rows: number,
      skipped: SkippedRows,
      version?: string,
    ): FeedStatus => {
      const ageDays = age(date);
      return {
        feed,
        origin: l.origin,
        file: l.file,
        ...(date ? { date } : {}),
        ...(ageDays === undefined ? {} : { ageDays }),
        stale: ageDays === undefined || ageDays > STALE_AFTER_DAYS,
        ...(l.meta ? { fetchedAt: l.meta.fetchedAt, url: l.meta.url } : {}),
        ...(version ? { version } : {}),
        rows,
        skipped,
        ...(l.problem ? { problem: l.problem } : {}),
      };
    };
    return [
      row("kev", src.kev, kev.dateReleased, kev.rows, kev.skipped, kev.catalogVersion),
      row("epss", src.epss, epss.scoreDate, epss.rows, epss.skipped, epss.modelVersion),
      row(
        "cvss",
        { origin: "snapshot", file: src.vulnrichment.file },
        SNAPSHOT.cvss.date,
        src.vulnrichment.rows,
        src.vulnrichment.skipped,
        SNAPSHOT.cvss.source,
      ),
      row(
        "kev-cvss",
        { origin: "snapshot", file: src.kevCvss.file },
        SNAPSHOT.kevCvss.date,
        src.kevCvss.rows,
        src.kevCvss.skipped,
      ),
    ];
  }

  return { lookup, status, kev, epss };
}
