// "Empty" and "could not read" are different results (CONVENTIONS 4): a failed call becomes a
// CollectError carrying the AWS error code, and the runner marks the collector failed so nothing
// it used to claim is cleaned up.

/** Codes AWS uses for "you may not", across services. */
const DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "AuthorizationError",
  "AuthFailure",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredToken",
  "SignatureDoesNotMatch",
]);

export class CollectError extends Error {
  /** The AWS error code (e.g. AccessDenied, Throttling, OptInRequired) or a ctem code for non-AWS failures. */
  readonly code: string;
  readonly denied: boolean;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CollectError";
    this.code = code;
    this.denied = DENIED.has(code);
  }
}

/** The AWS error code of an SDK error, or a ctem code when the call never got an AWS answer. */
export function awsErrorCode(e: unknown): string {
  if (e instanceof CollectError) return e.code;
  if (e && typeof e === "object") {
    const o = e as { name?: unknown; Code?: unknown; code?: unknown; $metadata?: unknown };
    if (typeof o.Code === "string" && o.Code) return o.Code;
    if (o.$metadata && typeof o.name === "string" && o.name !== "Error") return o.name;
    if (typeof o.code === "string" && /^E[A-Z]+$/.test(o.code)) return "endpoint_unreachable";
  }
  return "error";
}

export function toCollectError(e: unknown, what: string): CollectError {
  if (e instanceof CollectError) return e;
  const code = awsErrorCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  return new CollectError(code, `${what}: ${code}${msg && msg !== code ? `: ${msg}` : ""}`, { cause: e });
}

/** Runs one SDK call; a failure names the call and keeps the AWS code. */
export async function call<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toCollectError(e, what);
  }
}

/** True when the error is the API saying "there is none" (no bucket policy, no tags…). */
export function isNotFound(e: unknown, codes: string[]): boolean {
  const c = awsErrorCode(e instanceof CollectError ? e : e);
  return codes.includes(c);
}

/** Every item of every page of an SDK paginator; a failed page fails the listing (never a short list). */
export async function allPages<P, T>(
  what: string,
  pages: AsyncIterable<P>,
  pick: (p: P) => readonly T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const p of pages) out.push(...(pick(p) ?? []));
  } catch (e) {
    throw toCollectError(e, what);
  }
  return out;
}

/** Runs `f` over `items` with at most `limit` at once (per-resource detail calls). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  f: (x: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
