// Types of derived-writer.mjs (plain JavaScript: it is also a worker thread's entry file).
import type Database from "better-sqlite3";

export interface DerivedWriter {
  begin(): void;
  /**
   * Every row of the generation, in input order (written in key order): flat, six values a row:
   * from, kind, to, and the indexes in `texts` of the props, evidence and assumptions JSON.
   */
  write(rows: ReadonlyArray<string | number>, texts: readonly string[]): void;
  commit(): void;
  rollback(): void;
}

export declare function derivedWriter(
  db: Database.Database,
  analysisId: string,
  previous: string,
  now: string,
): DerivedWriter;
