// A small RFC 4180 reader for the bundled CSV tables: quoted fields (with commas, quotes and line
// breaks inside), CRLF or LF, and the line number where each record starts, for error messages.
import { feedError } from "./text.js";

export interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * Yields the records after the header, which must be exactly `header`. A record left open at the
 * end of the text (no line end, or an unclosed quote) means the file was cut off: it is refused.
 */
export function* readCsv(text: string, file: string, header: string[]): Generator<CsvRecord> {
  let pos = 0;
  let line = 1;
  const n = text.length;
  const readRecord = (): { fields: string[]; start: number } | undefined => {
    if (pos >= n) return undefined;
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = "";
      if (text.charCodeAt(pos) === 34 /* " */) {
        pos++;
        for (;;) {
          const q = text.indexOf('"', pos);
          if (q === -1)
            throw feedError(file, start, "a quoted field is never closed: the file is cut off or damaged");
          value += text.slice(pos, q);
          for (let i = text.indexOf("\n", pos); i !== -1 && i < q; i = text.indexOf("\n", i + 1)) line++;
          pos = q + 1;
          if (text.charCodeAt(pos) === 34) {
            value += '"';
            pos++;
          } else break;
        }
      } else {
        let end = pos;
        while (end < n) {
          const c = text.charCodeAt(end);
          if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
          end++;
        }
        value = text.slice(pos, end);
        pos = end;
      }
      fields.push(value);
      const c = text.charCodeAt(pos);
      if (c === 44) {
        pos++;
        continue;
      }
      if (c === 13 && text.charCodeAt(pos + 1) === 10) pos += 2;
      else if (c === 10) pos += 1;
      else if (pos >= n)
        throw feedError(
          file,
          start,
          "the last record has no line end: the file is cut off in the middle of a record",
        );
      else throw feedError(file, start, `unexpected character after a quoted field`);
      line++;
      return { fields, start };
    }
  };
  const first = readRecord();
  if (!first || first.fields.join(",") !== header.join(","))
    throw feedError(
      file,
      1,
      `expected the header '${header.join(",")}', found '${(first?.fields.join(",") ?? "").slice(0, 120)}'`,
    );
  for (let r = readRecord(); r; r = readRecord()) {
    if (r.fields.length !== header.length)
      throw feedError(
        file,
        r.start,
        `expected ${header.length} columns (${header.join(",")}), found ${r.fields.length}`,
      );
    yield { line: r.start, fields: r.fields };
  }
}
