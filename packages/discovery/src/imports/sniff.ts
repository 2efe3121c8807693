// Reads the head of a report for detection: as much of its JSON shape as the head holds, or its
// CSV header row. Detection never reads the whole file.
import { parse as parseCsv } from "csv-parse/sync";
import { JsonShapeError, walkJson } from "./json-walk.js";
import { shapeOf } from "./registry.js";
import type { ImportSource, Sniff } from "./registry.js";

export const SNIFF_BYTES = 256 * 1024;

export async function readHead(src: ImportSource, max = SNIFF_BYTES): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of src.open()) {
    const b = Buffer.from(chunk);
    parts.push(b);
    n += b.length;
    if (n >= max) break;
  }
  return Buffer.concat(parts).subarray(0, max);
}

export async function sniff(src: ImportSource): Promise<Sniff> {
  const buf = await readHead(src);
  let head = buf.toString("utf8");
  if (head.charCodeAt(0) === 0xfeff) head = head.slice(1);
  const s: Sniff = { name: src.name, head };
  const first = head.trimStart()[0];
  if (first === "{" || first === "[") {
    const paths = new Set<string>();
    const scalars = new Map<string, unknown>();
    let complete = true;
    try {
      const it = walkJson(
        [head],
        (p) => {
          if (p.length > 0 && p.length <= 6) paths.add(shapeOf(p));
          return false;
        },
        (p, v) => {
          if (p.length <= 2 && !scalars.has(shapeOf(p))) scalars.set(shapeOf(p), v);
        },
        (p) => {
          if (p.length <= 6) paths.add(shapeOf(p));
        },
      );
      for await (const _ of it) void _;
    } catch (e) {
      if (!(e instanceof JsonShapeError)) throw e;
      complete = false;
    }
    s.json = { top: first === "{" ? "object" : "array", paths, scalars, complete };
    return s;
  }
  const firstLine = head.split(/\r?\n/, 1)[0] ?? "";
  if (firstLine.includes(",")) {
    try {
      const rows: string[][] = parseCsv(firstLine, { to_line: 1 });
      if (rows[0] && rows[0].length >= 2) s.csvHeader = rows[0];
    } catch {
      // not CSV
    }
  }
  return s;
}
