// Types of derived-writer.mjs (plain JavaScript: it is also a worker thread's entry file).
import type Database from "better-sqlite3";

/**
 * A generation's next part: the next entries of its text table (props, evidence and assumptions
 * JSON) and of its name table (edge ids and kinds), and rows, six values a row: from, kind and to
 * as indexes in the name table, props, evidence and assumptions as indexes in the text table.
 */
export interface DerivedChunk {
  texts: string[];
  names: string[];
  rows: Int32Array;
}

export interface DerivedWriter {
  begin(): void;
  /** The generation's next part, in input order: its texts are written now, its rows on commit. */
  add(chunk: DerivedChunk): void;
  /** Writes the rows (in key order; of two with one key the later), marks the generation written and commits. */
  commit(): void;
  rollback(): void;
}

export declare function derivedWriter(
  db: Database.Database,
  analysisId: string,
  previous: string,
  now: string,
): DerivedWriter;
