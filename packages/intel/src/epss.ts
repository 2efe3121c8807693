// FIRST EPSS daily scores: `#model_version:…,score_date:…`, then `cve,epss,percentile`, one row per
// CVE, numbers sometimes in scientific notation (`4e-05`). Gzip or plain.
//
// The table keeps scores in two Float64Arrays indexed through a Map with small-integer keys, so
// 300k rows cost a few tens of MB and a lookup is one Map access.
import { cveKey, isCveId } from "./cve.js";
import { createSkipped, frozenSkipped } from "./rows.js";
import type { SkippedRows } from "./rows.js";
import { feedError, feedText } from "./text.js";

export interface EpssRecord {
  /** Probability of exploitation activity in the next 30 days, 0…1. */
  score: number;
  percentile: number;
  modelVersion?: string;
  /** ISO date-time the scores were computed for (from the file's first line). */
  scoreDate?: string;
}

export interface EpssTable {
  file: string;
  modelVersion?: string;
  scoreDate?: string;
  rows: number;
  skipped: SkippedRows;
  get(cveId: string): EpssRecord | undefined;
}

export interface EpssParseOptions {
  /** Refuse the whole file when more than this share of rows is bad (default 1 %). */
  maxBadRowRatio?: number;
}

const HEADER = "cve,epss,percentile";

export function parseEpss(bytes: Uint8Array, file: string, opts: EpssParseOptions = {}): EpssTable {
  const text = feedText(bytes, file);
  const maxBad = opts.maxBadRowRatio ?? 0.01;
  let pos = 0;
  let lineNo = 0;
  const nextLine = (): { line: string; terminated: boolean } | undefined => {
    if (pos >= text.length) return undefined;
    const nl = text.indexOf("\n", pos);
    const end = nl === -1 ? text.length : nl;
    let line = text.slice(pos, end);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    pos = end + 1;
    lineNo++;
    return { line, terminated: nl !== -1 };
  };

  let modelVersion: string | undefined;
  let scoreDate: string | undefined;
  let first = nextLine();
  if (first?.line.startsWith("#")) {
    for (const part of first.line.slice(1).split(",")) {
      const i = part.indexOf(":");
      if (i === -1) continue;
      const key = part.slice(0, i).trim();
      const value = part.slice(i + 1).trim();
      if (key === "model_version") modelVersion = value;
      else if (key === "score_date") scoreDate = value;
    }
    first = nextLine();
  }
  if (!first || first.line.trim() !== HEADER)
    throw feedError(
      file,
      lineNo || 1,
      `expected the header '${HEADER}', found '${(first?.line ?? "").slice(0, 80)}'`,
    );

  const index = new Map<number | string, number>();
  let scores = new Float64Array(1 << 16);
  let percentiles = new Float64Array(1 << 16);
  let n = 0;
  const skipped = createSkipped();

  for (let l = nextLine(); l; l = nextLine()) {
    const { line } = l;
    if (line === "") {
      skipped.add(lineNo, "empty line");
      continue;
    }
    const c1 = line.indexOf(",");
    const c2 = c1 === -1 ? -1 : line.indexOf(",", c1 + 1);
    const wrongColumns = c1 === -1 || c2 === -1 || line.indexOf(",", c2 + 1) !== -1;
    // A row without its line end is the end of a cut-off download: the last value may be cut too.
    if (!l.terminated)
      throw feedError(
        file,
        lineNo,
        "the last record has no line end: the file is cut off in the middle of a record",
      );
    if (wrongColumns)
      throw feedError(
        file,
        lineNo,
        `expected 3 columns (${HEADER}), found ${line.split(",").length}: '${line.slice(0, 80)}'`,
      );
    const cve = line.slice(0, c1);
    const score = Number(line.slice(c1 + 1, c2));
    const pct = Number(line.slice(c2 + 1));
    if (!isCveId(cve)) {
      skipped.add(lineNo, `not a CVE id: '${cve.slice(0, 40)}'`);
      continue;
    }
    if (!(score >= 0 && score <= 1) || line.slice(c1 + 1, c2).trim() === "") {
      skipped.add(lineNo, `${cve}: epss '${line.slice(c1 + 1, c2)}' is not a probability`);
      continue;
    }
    if (!(pct >= 0 && pct <= 1) || line.slice(c2 + 1).trim() === "") {
      skipped.add(lineNo, `${cve}: percentile '${line.slice(c2 + 1)}' is not between 0 and 1`);
      continue;
    }
    const key = cveKey(cve);
    if (index.has(key)) {
      skipped.add(lineNo, `${cve}: listed twice; the first row is kept`);
      continue;
    }
    if (n === scores.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      scores = grow(scores);
      percentiles = grow(percentiles);
    }
    scores[n] = score;
    percentiles[n] = pct;
    index.set(key, n++);
  }

  const total = n + skipped.count;
  if (total > 0 && skipped.count / total > maxBad)
    throw feedError(
      file,
      skipped.examples[0]?.line,
      `${skipped.count} of ${total} rows are bad (more than ${maxBad * 100} %), refusing the file; first: ${skipped.examples[0]?.reason ?? "?"}`,
    );

  // Trim the arrays to what was used so the spare capacity is returned.
  const s = scores.slice(0, n);
  const p = percentiles.slice(0, n);
  return {
    file,
    ...(modelVersion === undefined ? {} : { modelVersion }),
    ...(scoreDate === undefined ? {} : { scoreDate }),
    rows: n,
    skipped: frozenSkipped(skipped),
    get(cveId) {
      const i = index.get(cveKey(cveId));
      if (i === undefined) return undefined;
      return {
        score: s[i]!,
        percentile: p[i]!,
        ...(modelVersion === undefined ? {} : { modelVersion }),
        ...(scoreDate === undefined ? {} : { scoreDate }),
      };
    },
  };
}
