// Turning feed bytes into text: gzip or plain (decided by the magic bytes, not the file name), with
// errors that name the file and the line where the data stops.
import { gunzipSync, constants as zc } from "node:zlib";
import { ValidationError } from "@ctem/model";

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A ValidationError whose message and details name the file and, when known, the line. */
export function feedError(file: string, line: number | undefined, message: string): ValidationError {
  return new ValidationError(`${file}${line === undefined ? "" : `:${line}`}: ${message}`, {
    file,
    ...(line === undefined ? {} : { line }),
  });
}

/** Counts the lines of `text` up to `end` (1-based line number of position `end`). */
export function lineAt(text: string, end: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** Decodes a feed file; a cut-off gzip stream is refused with the line where the data ends. */
export function feedText(bytes: Uint8Array, file: string): string {
  if (!isGzip(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  try {
    return gunzipSync(bytes).toString("utf8");
  } catch (e) {
    // Recover what decompresses, so the message can say where the data stops.
    let partial = "";
    try {
      partial = gunzipSync(bytes, { finishFlush: zc.Z_SYNC_FLUSH }).toString("utf8");
    } catch {
      // nothing recoverable: the header itself is damaged
    }
    const line = partial ? lineAt(partial, partial.length) : 1;
    throw feedError(
      file,
      line,
      `gzip data ends or breaks here (${(e as Error).message}); the download is incomplete or damaged`,
    );
  }
}
