// "Empty" and "could not read" are different results (CONVENTIONS 4): a failed ARM call becomes a
// CollectError carrying Azure's error code (AuthorizationFailed, TooManyRequests, …), so the runner
// marks the collector failed and nothing it used to claim is cleaned up.
import { CollectError } from "../aws/errors.js";

export { CollectError };

/** Azure's error code of a RestError (the body's error.code), else an HTTP or ctem code. */
export function azureErrorCode(e: unknown): string {
  if (e instanceof CollectError) return e.code;
  if (e && typeof e === "object") {
    const o = e as { code?: unknown; statusCode?: unknown; name?: unknown };
    if (typeof o.code === "string" && o.code) {
      // Node's socket errors (ECONNREFUSED, …) and the pipeline's REQUEST_SEND_ERROR never reached ARM.
      if (/^E[A-Z]+$/.test(o.code) || o.code === "REQUEST_SEND_ERROR") return "endpoint_unreachable";
      return o.code;
    }
    if (typeof o.statusCode === "number") return `http_${o.statusCode}`;
    if (o.name === "CredentialUnavailableError" || o.name === "AuthenticationError")
      return "authentication_failed";
  }
  return "error";
}

export function toAzureCollectError(e: unknown, what: string): CollectError {
  if (e instanceof CollectError) return e;
  const code = azureErrorCode(e);
  const status = (e as { statusCode?: unknown } | undefined)?.statusCode;
  const msg = e instanceof Error ? e.message.split("\n")[0]! : String(e);
  return new CollectError(
    code,
    `${what}: ${code}${typeof status === "number" ? ` (HTTP ${status})` : ""}${msg && msg !== code ? `: ${msg}` : ""}`,
    { cause: e },
  );
}

/** Every item of every page of an ARM listing; a failed page fails the listing (never a short list). */
export async function allItems<T>(what: string, pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const x of pages) out.push(x);
  } catch (e) {
    throw toAzureCollectError(e, what);
  }
  return out;
}

/** Runs one call; a failure names the call and keeps Azure's code. */
export async function azureCall<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toAzureCollectError(e, what);
  }
}
