// GCP errors as collector error codes: the google.rpc.Code name (PERMISSION_DENIED,
// UNAUTHENTICATED, …) a GoogleError carries as a number, or the HTTP status the REST transport saw.
const RPC_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

const HTTP_CODES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

export function gcpErrorCode(e: unknown): string {
  const o = (e ?? {}) as { code?: unknown; status?: unknown; reason?: unknown; name?: unknown };
  if (typeof o.code === "number") return RPC_CODES[o.code] ?? HTTP_CODES[o.code] ?? `http_${o.code}`;
  if (typeof o.code === "string" && /^[A-Z_]+$/.test(o.code)) return o.code;
  if (typeof o.code === "string" && /^E[A-Z]+$/.test(o.code)) return o.code;
  if (typeof o.status === "number") return HTTP_CODES[o.status] ?? `http_${o.status}`;
  return typeof o.name === "string" && o.name !== "Error" ? o.name : "error";
}

export function gcpErrorMessage(e: unknown): string {
  const m = (e as { message?: unknown } | undefined)?.message;
  if (typeof m !== "string") return String(e);
  // The REST transport puts the whole JSON error body in the message.
  try {
    const body = JSON.parse(m) as { error?: { message?: unknown; status?: unknown } };
    if (typeof body.error?.message === "string") return body.error.message.slice(0, 1000);
  } catch {
    // plain text
  }
  return m.split("\n")[0]!.slice(0, 1000);
}
