// CVE identifiers: validation, and a compact numeric key so the 300k-row EPSS table can live in a
// Map with small-integer keys (no per-row strings) while lookups stay constant time.
import { ValidationError } from "@ctem/model";

const CVE_RE = /^CVE-(\d{4})-(\d{4,19})$/;

/** True when `id` is a CVE id as MITRE and CISA's schema write it: `CVE-YYYY-NNNN…`. */
export function isCveId(id: string): boolean {
  return CVE_RE.test(id);
}

/** Upper-cases and validates a user-given CVE id; throws ValidationError for anything else. */
export function normalizeCveId(id: string): string {
  const up = id.trim().toUpperCase();
  if (!CVE_RE.test(up))
    throw new ValidationError(`'${id}' is not a CVE id (expected CVE-YYYY-NNNN)`, { cve: id });
  return up;
}

// Years 1999…2199 and sequence numbers below 10^7 pack into (year − 1999) · 10^7 + n < 2^31, a
// small integer V8 stores unboxed. Longer sequence numbers (allowed by the format, unused so far)
// fall back to the string itself.
const SEQ_LIMIT = 10_000_000;

/** The key a table uses for a CVE id: a small integer when possible, else the id string. */
export function cveKey(id: string): number | string {
  const m = CVE_RE.exec(id);
  if (!m) return id;
  const year = Number(m[1]);
  const seq = Number(m[2]);
  const digits = m[2]!;
  // "0001" and "00001" would share a key; only the canonical four-digit padding is packed.
  if (year < 1999 || year > 2199 || seq >= SEQ_LIMIT || (digits.length > 4 && digits.startsWith("0")))
    return id;
  return (year - 1999) * SEQ_LIMIT + seq;
}
