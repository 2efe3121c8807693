// Keyset cursors: stable under concurrent writes (no skipped or repeated item that exists throughout).
import { ValidationError } from "@ctem/model";

export function encodeCursor(v: [string, string]): string {
  return Buffer.from(JSON.stringify(v), "utf8").toString("base64url");
}

export function decodeCursor(c: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string")
      return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new ValidationError("cursor: not a cursor this store issued", { field: "cursor" });
}

/** A LIKE pattern matching `s` as a substring, with LIKE's wildcards escaped (ESCAPE '\'). */
export function likePattern(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => "\\" + c)}%`;
}
