// Downloading feeds: an injected fetch, an explicit timeout per attempt, a few retries for network
// errors and 5xx/429 answers, and the whole file validated before anything is replaced. A bad
// download leaves the previous file (and its fetch record) untouched.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_FEED_URLS, FEEDS_META, FEED_FILES, REFRESHABLE_FEEDS } from "./feeds.js";
import type { FetchRecord, RefreshableFeed } from "./feeds.js";
import type { SkippedRows } from "./rows.js";
import { isGzip } from "./text.js";

export interface FeedCheck {
  rows: number;
  skipped: SkippedRows;
  date?: string;
  version?: string;
}

export interface RefreshOptions {
  fetch: typeof globalThis.fetch;
  now: () => Date;
  feedsDir: string;
  /** Parses the whole file; throws (ValidationError naming file and line) when it is not usable. */
  validate: Record<RefreshableFeed, (bytes: Uint8Array, file: string) => FeedCheck>;
  feeds?: RefreshableFeed[] | undefined;
  urls?: Partial<Record<RefreshableFeed, string>>;
  /** Per attempt, for the whole response including the body (default 60 s). */
  timeoutMs?: number;
  /** Attempts after the first (default 2). */
  retries?: number;
  /** Delay before retry n is n × this (default 2 s). */
  retryDelayMs?: number;
  /** A larger answer is refused (default 256 MiB; the EPSS file is about 2 MB gzipped). */
  maxBytes?: number;
  log?: (msg: string) => void;
}

export interface RefreshResult {
  feed: RefreshableFeed;
  url: string;
  status: "updated" | "failed";
  /** Why it failed; the previous data stays in use. */
  error?: string;
  attempts: number;
  file?: string;
  bytes?: number;
  rows?: number;
  skipped?: SkippedRows;
  date?: string;
  version?: string;
  fetchedAt?: string;
}

class RetryableError extends Error {}

export async function refreshFeeds(opts: RefreshOptions): Promise<RefreshResult[]> {
  const feeds = opts.feeds ?? [...REFRESHABLE_FEEDS];
  await mkdir(opts.feedsDir, { recursive: true });
  const results: RefreshResult[] = [];
  // One after the other: two large downloads at once gain nothing on a small machine.
  for (const feed of feeds) results.push(await refreshOne(feed, opts));
  return results;
}

async function refreshOne(feed: RefreshableFeed, opts: RefreshOptions): Promise<RefreshResult> {
  const url = opts.urls?.[feed] ?? DEFAULT_FEED_URLS[feed];
  const retries = opts.retries ?? 2;
  const log = opts.log ?? (() => {});
  let attempts = 0;
  let bytes: Uint8Array | undefined;
  let lastError = "";
  while (attempts <= retries) {
    attempts++;
    try {
      bytes = await download(url, opts);
      break;
    } catch (e) {
      lastError = (e as Error).message;
      if (!(e instanceof RetryableError) || attempts > retries) break;
      log(`${feed}: ${lastError}; retrying`);
      await new Promise((r) => setTimeout(r, (opts.retryDelayMs ?? 2000) * attempts));
    }
  }
  if (!bytes) return { feed, url, status: "failed", error: `download failed: ${lastError}`, attempts };

  const name = isGzip(bytes) ? FEED_FILES[feed].gzip : FEED_FILES[feed].plain;
  const target = path.join(opts.feedsDir, name);
  let check: FeedCheck;
  try {
    // Named like the file it would become, so messages point at the feed the user knows.
    check = opts.validate[feed](bytes, `${url} (${name})`);
  } catch (e) {
    return {
      feed,
      url,
      status: "failed",
      error: `refused: ${(e as Error).message}; the previous data stays in use`,
      attempts,
    };
  }
  const fetchedAt = opts.now().toISOString();
  const record: FetchRecord = {
    file: name,
    url,
    fetchedAt,
    bytes: bytes.byteLength,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
  await atomicWrite(target, bytes);
  // The other name (gzip vs plain) would be stale now.
  const other = name === FEED_FILES[feed].gzip ? FEED_FILES[feed].plain : FEED_FILES[feed].gzip;
  await rm(path.join(opts.feedsDir, other), { force: true });
  await updateMeta(opts.feedsDir, feed, record);
  return {
    feed,
    url,
    status: "updated",
    attempts,
    file: target,
    bytes: bytes.byteLength,
    rows: check.rows,
    skipped: check.skipped,
    ...(check.date ? { date: check.date } : {}),
    ...(check.version ? { version: check.version } : {}),
    fetchedAt,
  };
}

async function download(url: string, opts: RefreshOptions): Promise<Uint8Array> {
  const max = opts.maxBytes ?? 256 * 1024 * 1024;
  let res: Response;
  try {
    res = await opts.fetch(url, {
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      headers: { "user-agent": "ctem (https://github.com/ctem) intel refresh" },
      redirect: "follow",
    });
  } catch (e) {
    throw new RetryableError(describeFetchError(e));
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    const msg = `${url} answered ${res.status} ${res.statusText}`.trim();
    if (res.status >= 500 || res.status === 429) throw new RetryableError(msg);
    throw new Error(msg);
  }
  const length = Number(res.headers.get("content-length") ?? "0");
  if (length > max) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`${url} is ${length} bytes, more than the ${max} allowed`);
  }
  try {
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.byteLength > max) throw new Error(`${url} sent more than the ${max} bytes allowed`);
    return buf;
  } catch (e) {
    // A connection that drops mid-body (or a body shorter than its Content-Length) ends up here.
    throw new RetryableError(`reading ${url}: ${describeFetchError(e)}`);
  }
}

function describeFetchError(e: unknown): string {
  const err = e as Error & { cause?: { message?: string; code?: string } };
  if (err.name === "TimeoutError") return "timed out";
  return err.cause?.message ? `${err.message} (${err.cause.code ?? err.cause.message})` : err.message;
}

async function atomicWrite(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

async function updateMeta(feedsDir: string, feed: RefreshableFeed, record: FetchRecord): Promise<void> {
  const file = path.join(feedsDir, FEEDS_META);
  let meta: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      meta = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    } catch {
      meta = {};
    }
  }
  meta[feed] = record;
  await atomicWrite(file, JSON.stringify(meta, null, 2) + "\n");
}
