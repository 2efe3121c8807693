// A JSON report read as a stream of records plus the small scalars around them ("header": the
// artifact name, a result's target). Scanners write the header first, so one pass normally
// suffices; when a record arrives before a header value it needs, the whole file is read once more
// for header scalars only — order in a JSON object is not guaranteed.
import { formatPath, walkJson } from "./json-walk.js";
import type { Captured, JsonPath } from "./json-walk.js";
import type { ImportSource } from "./registry.js";

export class JsonReport {
  private readonly header = new Map<string, unknown>();
  private complete = false;

  constructor(
    private readonly src: ImportSource,
    private readonly isHeader: (p: JsonPath) => boolean,
  ) {}

  private readonly onScalar = (p: JsonPath, v: unknown) => {
    if (this.isHeader(p)) this.header.set(formatPath(p), v);
  };

  records(isRecord: (p: JsonPath) => boolean): AsyncGenerator<Captured> {
    return walkJson(this.src.open(), isRecord, this.onScalar);
  }

  /** A header scalar that may come later in the file (read the file once more to find it). */
  async require(path: string): Promise<unknown> {
    if (this.header.has(path) || this.complete) return this.header.get(path);
    this.complete = true;
    for await (const _ of walkJson(this.src.open(), () => false, this.onScalar)) void _;
    return this.header.get(path);
  }

  /** A header scalar already seen (optional values: no extra read). */
  get(path: string): unknown {
    return this.header.get(path);
  }

  /** Header scalars under `prefix` that are array items: `Metadata.RepoDigests` → its strings. */
  list(prefix: string): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; this.header.has(`${prefix}[${i}]`); i++) out.push(this.header.get(`${prefix}[${i}]`));
    return out;
  }
}
