// CISA Known Exploited Vulnerabilities: the catalog JSON, validated against CISA's own JSON Schema
// (carried in the snapshot). An entry that breaks the schema is skipped and counted; a catalog whose
// frame is broken (invalid JSON, missing fields, a count that does not match) is refused.
import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import { createSkipped, frozenSkipped } from "./rows.js";
import type { SkippedRows } from "./rows.js";
import { feedError, feedText, lineAt } from "./text.js";

export interface KevEntry {
  cveId: string;
  vendor: string;
  product: string;
  vulnerabilityName: string;
  shortDescription: string;
  dateAdded: string;
  dueDate: string;
  /** "Known" or "Unknown", as CISA writes it. */
  knownRansomwareCampaignUse: string;
  requiredAction: string;
  notes?: string;
  cwes?: string[];
}

export interface KevCatalog {
  file: string;
  catalogVersion: string;
  dateReleased: string;
  /** The catalog's own count (equals the entries it holds, else it is refused). */
  count: number;
  rows: number;
  skipped: SkippedRows;
  get(cveId: string): KevEntry | undefined;
  entries(): IterableIterator<KevEntry>;
}

interface RawEntry {
  cveID: string;
  vendorProject: string;
  product: string;
  vulnerabilityName: string;
  dateAdded: string;
  shortDescription: string;
  requiredAction: string;
  dueDate: string;
  knownRansomwareCampaignUse?: string;
  notes?: string;
  cwes?: string[];
}

interface RawCatalog {
  catalogVersion: string;
  dateReleased: string;
  count: number;
  vulnerabilities: unknown[];
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;

/** Compiles CISA's schema (draft-07, `$defs`); `date` and `date-time` are checked by RFC 3339 shape. */
export function compileKevSchema(schema: object): ValidateFunction<RawCatalog> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat("date", DATE);
  ajv.addFormat("date-time", DATE_TIME);
  return ajv.compile<RawCatalog>(schema);
}

export function parseKev(
  bytes: Uint8Array,
  file: string,
  validate: ValidateFunction<RawCatalog>,
): KevCatalog {
  const text = feedText(bytes, file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const line = m ? lineAt(text, Number(m[1])) : lineAt(text, text.length);
    throw feedError(file, line, `not valid JSON (${msg}); the file is damaged or cut off`);
  }
  const ok = validate(raw);
  const badEntries = new Map<number, string>();
  if (!ok) {
    for (const err of validate.errors ?? []) {
      const m = /^\/vulnerabilities\/(\d+)(\/.*)?$/.exec(err.instancePath);
      if (m) {
        const i = Number(m[1]);
        if (!badEntries.has(i)) badEntries.set(i, describe(err, m[2] ?? ""));
      } else throw feedError(file, undefined, `not a KEV catalog: ${describe(err, err.instancePath || "/")}`);
    }
  }
  const cat = raw as RawCatalog;
  if (cat.count !== cat.vulnerabilities.length)
    throw feedError(
      file,
      undefined,
      `the catalog says it holds ${cat.count} entries but holds ${cat.vulnerabilities.length}`,
    );

  const byCve = new Map<string, KevEntry>();
  const skipped = createSkipped();
  const entryLine = (i: number): number => {
    const id = (cat.vulnerabilities[i] as { cveID?: unknown } | null)?.cveID;
    const at = typeof id === "string" ? text.indexOf(`"${id}"`) : -1;
    return at === -1 ? 0 : lineAt(text, at);
  };
  cat.vulnerabilities.forEach((v, i) => {
    const bad = badEntries.get(i);
    if (bad !== undefined) {
      skipped.add(entryLine(i), `entry ${i}: ${bad}`);
      return;
    }
    const e = v as RawEntry;
    if (byCve.has(e.cveID)) {
      skipped.add(entryLine(i), `entry ${i}: ${e.cveID} listed twice; the first entry is kept`);
      return;
    }
    byCve.set(e.cveID, {
      cveId: e.cveID,
      vendor: e.vendorProject,
      product: e.product,
      vulnerabilityName: e.vulnerabilityName,
      shortDescription: e.shortDescription,
      dateAdded: e.dateAdded,
      dueDate: e.dueDate,
      knownRansomwareCampaignUse: e.knownRansomwareCampaignUse ?? "Unknown",
      requiredAction: e.requiredAction,
      ...(e.notes ? { notes: e.notes } : {}),
      ...(e.cwes && e.cwes.length > 0 ? { cwes: e.cwes } : {}),
    });
  });
  return {
    file,
    catalogVersion: cat.catalogVersion,
    dateReleased: cat.dateReleased,
    count: cat.count,
    rows: byCve.size,
    skipped: frozenSkipped(skipped),
    get: (cveId) => byCve.get(cveId),
    entries: () => byCve.values(),
  };
}

function describe(err: ErrorObject, where: string): string {
  return `${where || "/"} ${err.message ?? "is invalid"}`;
}
