// The importer registry: one importer per report format. `ctem import`, the server's upload and
// the Azure/GCP Cloud Asset importer all go through it. An importer detects its format from the
// first bytes of a file and parses the whole file as a stream of GraphFacts chunks.
import type { GraphFacts, SourceKey } from "@ctem/model";
import type { JsonPath } from "./json-walk.js";

/** A report to import. `open` returns a fresh byte stream each time: the runner reads twice. */
export interface ImportSource {
  /** What the user named (a path or an upload's file name); used in messages and source keys. */
  name: string;
  open(): AsyncIterable<Uint8Array>;
}

/** What detection sees: the head of the file, and what could be read of it as JSON or CSV. */
export interface Sniff {
  name: string;
  head: string;
  json?: {
    top: "object" | "array";
    /** Every key path seen in the head, array indexes as `[]`: "Results[].Vulnerabilities[].VulnerabilityID". */
    paths: Set<string>;
    /** Scalars seen at depth 1 and 2, by the same path form: "SchemaVersion" → 2. */
    scalars: Map<string, unknown>;
    /** The head held the whole document. */
    complete: boolean;
  };
  /** The header row when the head reads as CSV with at least two columns. */
  csvHeader?: string[];
}

export interface ParseContext {
  /** A record that is well-formed but cannot become a finding (no resource id, …): counted as skipped. */
  skip(where: string, reason: string): void;
  /**
   * Declares that this report covers an import target even if it names no finding on it, so a
   * newer, clean report for the same target removes the tool's old findings there (claims).
   */
  covers(key: SourceKey): void;
  /**
   * Records of a kind ctem does not model (an inventory export's asset types without a mapping):
   * reported in the file's summary, not an error and not "skipped".
   */
  ignore?(what: string, reason: string): void;
}

export interface Importer {
  /** kebab-case; the collector id is `import-<id>`. */
  id: string;
  /** What a user calls the format, e.g. "Trivy JSON": named in refusals. */
  format: string;
  /** How sure this importer is that the sniffed file is its format: 0 = not it. */
  detect(s: Sniff): number;
  parse(src: ImportSource, ctx: ParseContext): AsyncIterable<GraphFacts>;
}

const registry = new Map<string, Importer>();

export function registerImporter(imp: Importer): void {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(imp.id)) throw new Error(`importer id '${imp.id}' is not kebab-case`);
  if (registry.has(imp.id)) throw new Error(`importer '${imp.id}' is registered twice`);
  registry.set(imp.id, imp);
}

export function listImporters(): Importer[] {
  return [...registry.values()];
}

export function getImporter(id: string): Importer | undefined {
  return registry.get(id);
}

/** The importer that claims the sniffed file most strongly, if any. */
export function detectImporter(s: Sniff, importers: Importer[] = listImporters()): Importer | undefined {
  let best: Importer | undefined;
  let bestScore = 0;
  for (const imp of importers) {
    const score = imp.detect(s);
    if (score > bestScore) {
      best = imp;
      bestScore = score;
    }
  }
  return best;
}

/** `Results[0].Vulnerabilities[3]` → `Results[].Vulnerabilities[]`, the form Sniff uses. */
export function shapeOf(path: JsonPath): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? "[]" : s === "" ? p : `.${p}`;
  return s;
}

export type GraphFactsStream = AsyncGenerator<GraphFacts, void, undefined>;
