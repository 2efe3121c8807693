// Streaming CSV for the CSV report formats: rows as header-keyed records with their line numbers.
// A row with missing or extra columns, an unclosed quote, or a file whose last row has no final
// newline (a cut file) is refused, naming the line.
import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { ReportShapeError } from "./errors.js";
import type { ImportSource } from "./registry.js";

export interface CsvRow {
  line: number;
  row: Record<string, string>;
}

export async function* csvRows(src: ImportSource, format: string): AsyncGenerator<CsvRow> {
  let last = -1;
  let bytes = 0;
  async function* tracked() {
    for await (const c of src.open()) {
      if (c.byteLength) last = c[c.byteLength - 1]!;
      bytes += c.byteLength;
      yield Buffer.from(c);
    }
  }
  const parser = Readable.from(tracked()).pipe(
    parse({ columns: true, bom: true, info: true, skip_empty_lines: true, relax_column_count: false }),
  );
  let lines = 1;
  try {
    for await (const rec of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      lines = rec.info.lines;
      yield { line: rec.info.lines, row: rec.record };
    }
  } catch (e) {
    const err = e as Error & { code?: string; lines?: number };
    throw new ReportShapeError(
      format,
      `line ${err.lines ?? lines}`,
      err.message.replace(/\s+/g, " ").slice(0, 200),
    );
  }
  if (bytes > 0 && last !== 0x0a)
    throw new ReportShapeError(
      format,
      `line ${lines}`,
      "the last row has no final newline (the file looks cut)",
    );
}
