// Imports one report: detect its format, read it once to validate it and learn which import
// targets (source keys) it covers, then stream it again into GraphStore.applyScan. The first pass
// is what makes "nothing of a refused file is written" hold: a cut or malformed report fails
// before the store is touched, and applyScan's single transaction covers the rest.
import { FindingFact, isCtemError, parseItem, sourceKeyString } from "@ctem/model";
import type { CollectorRun, GraphStore, ScanRun, SourceKey } from "@ctem/model";
import { JsonShapeError } from "./json-walk.js";
import { detectImporter, getImporter, listImporters } from "./registry.js";
import type { ImportSource, Importer, ParseContext } from "./registry.js";
import { sniff } from "./sniff.js";

export type ImportStatus = "ok" | "refused" | "failed";

/** One row of DESIGN's import summary, plus the collectors the file wrote. */
export interface ImportFileResult {
  name: string;
  format?: string;
  status: ImportStatus;
  /** Findings the report holds under the importer's counting rule. */
  found: number;
  written: number;
  matched: number;
  unmatched: number;
  /** Findings that joined a finding another tool or import target already reported. */
  merged: number;
  /** Well-formed records that could not become a finding (named in `skippedDetail`). */
  skipped: number;
  /** Findings found but not written because the file failed. */
  failed: number;
  /** Inventory imports (Cloud Asset exports): assets and relationships read and written. */
  assets?: { found: number; written: number };
  relationships?: { found: number; written: number };
  /** Records of kinds ctem does not model, by kind (e.g. an export's unmapped asset types). */
  ignored?: Record<string, number>;
  errorCode?: string;
  message?: string;
  skippedDetail?: string[];
  /** The import targets this file covered, as the scan run's collectors. */
  collectors: CollectorRun[];
}

export interface ImportOptions {
  /** Force a format by importer id instead of detecting it. */
  importer?: string;
  importers?: Importer[];
  /** Refuse files larger than this (the server's upload limit). */
  maxBytes?: number;
}

function result(name: string, partial: Partial<ImportFileResult>): ImportFileResult {
  return {
    name,
    status: "ok",
    found: 0,
    written: 0,
    matched: 0,
    unmatched: 0,
    merged: 0,
    skipped: 0,
    failed: 0,
    collectors: [],
    ...partial,
  };
}

/** Wraps a source so reading more than `maxBytes` fails. */
function limited(src: ImportSource, maxBytes: number): ImportSource {
  return {
    name: src.name,
    async *open() {
      let n = 0;
      for await (const c of src.open()) {
        n += c.byteLength;
        if (n > maxBytes) throw new SizeLimitError(maxBytes);
        yield c;
      }
    },
  };
}

class SizeLimitError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the file is larger than the limit of ${maxBytes} bytes`);
  }
}

export async function importReport(
  graph: GraphStore,
  srcIn: ImportSource,
  run: { id: string; startedAt: string },
  opts: ImportOptions = {},
): Promise<ImportFileResult> {
  const src = opts.maxBytes ? limited(srcIn, opts.maxBytes) : srcIn;
  const importers = opts.importers ?? listImporters();
  let importer: Importer | undefined;
  try {
    if (opts.importer) {
      importer = importers.find((i) => i.id === opts.importer) ?? getImporter(opts.importer);
      if (!importer)
        return result(src.name, {
          status: "refused",
          errorCode: "unknown_format",
          message: `no importer '${opts.importer}' (one of ${importers.map((i) => i.id).join(", ")})`,
        });
    } else {
      const s = await sniff(src);
      importer = detectImporter(s, importers);
      if (!importer) {
        const start = s.head.trimStart().slice(0, 40).replace(/\s+/g, " ");
        return result(src.name, {
          status: "refused",
          errorCode: "unknown_format",
          message: `not a report format ctem knows (expected one of: ${importers.map((i) => i.format).join(", ")}); it begins '${start}'`,
        });
      }
    }
  } catch (e) {
    return readFailure(src.name, undefined, e);
  }
  const format = importer.format;

  // Pass 1: validate every fact and learn the import targets.
  const keys = new Map<string, SourceKey>();
  const counts = new Map<string, number>();
  const skippedDetail: string[] = [];
  let found = 0;
  let nodesFound = 0;
  let edgesFound = 0;
  const ignored: Record<string, number> = {};
  const ctx: ParseContext = {
    skip(where, reason) {
      skippedDetail.push(`${where}: ${reason}`);
    },
    ignore(what) {
      ignored[what] = (ignored[what] ?? 0) + 1;
    },
    covers(k) {
      keys.set(sourceKeyString(k), k);
    },
  };
  try {
    for await (const chunk of importer.parse(src, ctx)) {
      for (const n of chunk.nodes ?? []) for (const k of n.sources) keys.set(sourceKeyString(k), k);
      for (const e of chunk.edges ?? []) for (const k of e.sources) keys.set(sourceKeyString(k), k);
      nodesFound += chunk.nodes?.length ?? 0;
      edgesFound += chunk.edges?.length ?? 0;
      for (const f of chunk.findings ?? []) {
        const parsed = parseItem(FindingFact, f, "finding", `#${found}`);
        found++;
        for (const s of parsed.sources) {
          const ks = sourceKeyString(s.sourceKey);
          keys.set(ks, s.sourceKey);
          counts.set(ks, (counts.get(ks) ?? 0) + 1);
        }
      }
    }
  } catch (e) {
    return refusal(src.name, format, e, found);
  }

  const collectors: CollectorRun[] = [...keys.entries()].map(([ks, k]) => ({
    ...k,
    status: "ok",
    counts: { findings: counts.get(ks) ?? 0 },
  }));
  const base = {
    format,
    found,
    skipped: skippedDetail.length,
    collectors,
    ...(Object.keys(ignored).length ? { ignored } : {}),
  };
  if (skippedDetail.length) Object.assign(base, { skippedDetail: skippedDetail.slice(0, 20) });
  if (collectors.length === 0) return result(src.name, base);

  // Pass 2: stream into the store; applyScan is one transaction.
  const scan: ScanRun = {
    id: run.id,
    trigger: { kind: "import" },
    status: "running",
    startedAt: run.startedAt,
    collectors,
  };
  const quiet: ParseContext = { skip: () => undefined, covers: () => undefined };
  try {
    const summary = await graph.applyScan(scan, importer.parse(src, quiet));
    return result(src.name, {
      ...base,
      ...(nodesFound ? { assets: { found: nodesFound, written: summary.written.nodes } } : {}),
      ...(edgesFound ? { relationships: { found: edgesFound, written: summary.written.edges } } : {}),
      written: summary.written.findings,
      matched: summary.findings.matched,
      unmatched: summary.findings.unmatched,
      merged: summary.findings.merged,
    });
  } catch (e) {
    const r = refusal(src.name, format, e, found);
    return { ...r, collectors: collectors.map((c) => ({ ...c, status: "failed", errorCode: r.errorCode })) };
  }
}

function refusal(name: string, format: string, e: unknown, found: number): ImportFileResult {
  if (e instanceof JsonShapeError)
    return result(name, {
      format,
      status: "refused",
      errorCode: "invalid_input",
      message: `not a complete ${format}: ${e.reason} at ${e.path} (byte ${e.offset})`,
      failed: found,
    });
  if (isCtemError(e) && e.code === "invalid_input")
    return result(name, {
      format,
      status: "refused",
      errorCode: "invalid_input",
      message: `${format}: ${e.message}`,
      failed: found,
    });
  return readFailure(name, format, e, found);
}

function readFailure(name: string, format: string | undefined, e: unknown, found = 0): ImportFileResult {
  const base = format ? { format } : {};
  if (e instanceof SizeLimitError)
    return result(name, {
      ...base,
      status: "refused",
      errorCode: "too_large",
      message: e.message,
      failed: found,
    });
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "EACCES" || code === "EISDIR")
    return result(name, {
      ...base,
      status: "failed",
      errorCode: code === "ENOENT" ? "not_found" : "unreadable",
      message: `cannot read the file (${code})`,
    });
  return result(name, {
    ...base,
    status: "failed",
    errorCode: isCtemError(e) ? e.code : "internal",
    message: (e as Error).message ?? String(e),
    failed: found,
  });
}
