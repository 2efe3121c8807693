// A streaming JSON walker: tokenizes a report chunk by chunk and builds only the values the
// importer asks for (one vulnerability, one finding), so a 200 MB report never sits in memory as a
// whole. Everything else is skipped token by token. When the document is cut or invalid, the
// error names the JSON path and byte offset where it stopped making sense.
import { Tokenizer, TokenType } from "@streamparser/json";
import type { ParsedTokenInfo } from "@streamparser/json";

export type JsonPath = ReadonlyArray<string | number>;

/** Where and why a document is not complete, valid JSON. */
export class JsonShapeError extends Error {
  constructor(
    readonly reason: string,
    readonly path: string,
    readonly offset: number,
  ) {
    super(`${reason} at ${path} (byte ${offset})`);
    this.name = "JsonShapeError";
  }
}

/** `Results[0].Vulnerabilities[3]`; the root is `$`. */
export function formatPath(path: JsonPath): string {
  if (path.length === 0) return "$";
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`;
  return s;
}

interface Frame {
  array: boolean;
  /** Next array index, or the current object key. */
  index: number;
  key: string | undefined;
  /** Object frames: true while a key (not a value) is expected. */
  wantKey: boolean;
  /** Set when this container is being built. */
  value?: unknown[] | Record<string, unknown>;
}

export interface Captured {
  path: JsonPath;
  value: unknown;
}

/**
 * Walks one JSON document from `source`, yielding `{ path, value }` for each value whose path
 * `capture` accepts (nested values inside a captured one are not asked about). Throws
 * JsonShapeError when the document is invalid or ends early.
 */
export async function* walkJson(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  capture: (path: JsonPath) => boolean,
  onScalar?: (path: JsonPath, value: unknown) => void,
  onKey?: (path: JsonPath) => void,
): AsyncGenerator<Captured> {
  const tokenizer = new Tokenizer();
  const stack: Frame[] = [];
  const path: (string | number)[] = [];
  /** Depth (stack length) at which the value being built started; -1 when building nothing. */
  let buildDepth = -1;
  let out: Captured[] = [];
  let done = false;
  let offset = 0;

  const fail = (reason: string): never => {
    throw new JsonShapeError(reason, formatPath(path), offset);
  };

  /** Path of the value that starts now, relative to the current frame. */
  function enterValue(): void {
    const top = stack[stack.length - 1];
    if (!top) return;
    if (top.array) path.push(top.index);
    else path.push(top.key!);
  }

  function leaveValue(value: unknown, built: boolean): void {
    const top = stack[stack.length - 1];
    if (!top) {
      if (built && buildDepth === 0) {
        out.push({ path: [], value });
        buildDepth = -1;
      }
      done = true;
      return;
    }
    if (built && buildDepth >= 0 && stack.length > buildDepth) {
      // inside a value being built: attach to its parent container
      if (top.array) (top.value as unknown[]).push(value);
      else (top.value as Record<string, unknown>)[top.key!] = value;
    } else if (built) {
      out.push({ path: [...path], value });
      buildDepth = -1;
    }
    path.pop();
    if (top.array) top.index++;
    else top.wantKey = true;
  }

  function scalar(value: unknown): void {
    enterValue();
    const building = buildDepth >= 0;
    if (!building) onScalar?.(path, value);
    const want = building || capture(path);
    leaveValue(value, want);
  }

  function open(array: boolean): void {
    enterValue();
    let value: Frame["value"];
    if (buildDepth >= 0) value = array ? [] : {};
    else if (capture(path)) {
      buildDepth = stack.length;
      value = array ? [] : {};
    }
    stack.push({ array, index: 0, key: undefined, wantKey: !array, ...(value ? { value } : {}) });
  }

  function close(array: boolean): void {
    const top = stack.pop();
    if (!top || top.array !== array) fail(`unexpected '${array ? "]" : "}"}'`);
    leaveValue(top!.value, top!.value !== undefined);
  }

  tokenizer.onToken = (t: ParsedTokenInfo) => {
    offset = t.offset;
    if (done) fail("data after the end of the document");
    const top = stack[stack.length - 1];
    switch (t.token) {
      case TokenType.LEFT_BRACE:
        if (top && !top.array && top.wantKey) fail("expected a key");
        open(false);
        return;
      case TokenType.LEFT_BRACKET:
        if (top && !top.array && top.wantKey) fail("expected a key");
        open(true);
        return;
      case TokenType.RIGHT_BRACE:
        close(false);
        return;
      case TokenType.RIGHT_BRACKET:
        close(true);
        return;
      case TokenType.COLON:
      case TokenType.COMMA:
        return; // the tokenizer does not validate structure; keys/values are tracked by wantKey
      case TokenType.STRING:
        if (top && !top.array && top.wantKey) {
          top.key = t.value as string;
          top.wantKey = false;
          if (onKey && buildDepth < 0) onKey([...path, top.key]);
          return;
        }
        scalar(t.value);
        return;
      default:
        if (top && !top.array && top.wantKey) fail("expected a key");
        scalar(t.value);
    }
  };
  tokenizer.onError = (e: Error) => {
    throw new JsonShapeError(
      `invalid JSON (${e.message.replace(/\s+/g, " ").slice(0, 160)})`,
      formatPath(path),
      offset,
    );
  };

  let bytes = 0;
  for await (const chunk of source) {
    try {
      tokenizer.write(typeof chunk === "string" ? chunk : chunk);
    } catch (e) {
      if (e instanceof JsonShapeError) throw e;
      throw new JsonShapeError(
        `invalid JSON (${(e as Error).message.slice(0, 160)})`,
        formatPath(path),
        offset,
      );
    }
    bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (out.length) {
      const batch = out;
      out = [];
      yield* batch;
    }
  }
  offset = bytes;
  if (!done) {
    if (stack.length === 0 && bytes === 0) fail("the file is empty");
    const top = stack[stack.length - 1];
    if (top?.array) path.push(top.index);
    else if (top && !top.wantKey && top.key !== undefined) path.push(top.key);
    fail("the document ends early, inside a value");
  }
  if (out.length) yield* out;
}
