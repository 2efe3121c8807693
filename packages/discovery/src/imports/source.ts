// Import sources: a file on disk, or bytes in memory (tests, the server's upload buffer).
import { createReadStream } from "node:fs";
import type { ImportSource } from "./registry.js";

export function fileSource(path: string, name = path): ImportSource {
  return {
    name,
    open: () => createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Uint8Array>,
  };
}

export function bytesSource(name: string, data: Uint8Array | string): ImportSource {
  const buf = typeof data === "string" ? Buffer.from(data) : data;
  return {
    name,
    // eslint-disable-next-line @typescript-eslint/require-await -- an async generator, like a file stream
    async *open() {
      for (let i = 0; i < buf.byteLength; i += 256 * 1024) yield buf.subarray(i, i + 256 * 1024);
    },
  };
}
