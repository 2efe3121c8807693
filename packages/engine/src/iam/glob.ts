// IAM wildcard patterns (`*` any run, `?` one character) on actions (case-insensitive) and ARNs
// (case-sensitive). Besides matching a concrete value, the engine asks two questions of a pattern
// against a *set* of resources written as a pattern (`arn:aws:s3:::b/*` = every object of b):
// does some resource lie in both (intersects), and does the pattern hold all of them (covers).

// Compiled patterns, case-insensitive (actions) and case-sensitive (ARNs) apart: no key string per call.
const regexCache = { i: new Map<string, RegExp>(), s: new Map<string, RegExp>() };
const lowerCache = new Map<string, string>();

/** Empties the pattern cache (derive() does when it returns). */
export function clearPatternCache(): void {
  regexCache.i.clear();
  regexCache.s.clear();
  lowerCache.clear();
}

function toRegex(pattern: string, ci: boolean): RegExp {
  const cache = ci ? regexCache.i : regexCache.s;
  let r = cache.get(pattern);
  if (!r) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    r = new RegExp(`^${body}$`, ci ? "is" : "s");
    if (cache.size > 100_000) cache.clear();
    cache.set(pattern, r);
  }
  return r;
}

/** The lower-case spelling, once per string (action names repeat across every statement). */
function lower(s: string): string {
  let l = lowerCache.get(s);
  if (l === undefined) {
    l = s.toLowerCase();
    if (lowerCache.size > 200_000) lowerCache.clear();
    lowerCache.set(s, l);
  }
  return l;
}

/** Whether the concrete `value` matches the IAM pattern. */
export function matches(pattern: string, value: string, caseInsensitive = false): boolean {
  if (pattern === "*") return true;
  if (!pattern.includes("*") && !pattern.includes("?"))
    return caseInsensitive ? pattern === value || lower(pattern) === lower(value) : pattern === value;
  return toRegex(pattern, caseInsensitive).test(value);
}

const STAR = 42; // *
const QMARK = 63; // ?

/** Whether some string matches both patterns. */
export function intersects(a: string, b: string): boolean {
  if (a === "*" || b === "*") return true;
  // Trim what both spell out at either end (a character that is not `*` stands for exactly one),
  // so the search below only sees the part between the wildcards (usually a few characters).
  let i = 0;
  let j = 0;
  let ea = a.length;
  let eb = b.length;
  while (i < ea && j < eb) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(j);
    if (x === STAR || y === STAR) break;
    if (x !== y && x !== QMARK && y !== QMARK) return false;
    i++;
    j++;
  }
  while (ea > i && eb > j) {
    const x = a.charCodeAt(ea - 1);
    const y = b.charCodeAt(eb - 1);
    if (x === STAR || y === STAR) break;
    if (x !== y && x !== QMARK && y !== QMARK) return false;
    ea--;
    eb--;
  }
  if (i === ea) return onlyStars(b, j, eb);
  if (j === eb) return onlyStars(a, i, ea);
  // A run of stars matches any string, so it meets whatever the other side matches (`arn:…:*`
  // against `arn:…:b/*`): no search.
  if (onlyStars(a, i, ea) || onlyStars(b, j, eb)) return true;
  // One side without wildcards is one string: does the other pattern match it.
  if (!hasWildcard(b, j, eb)) return globMatch(a, i, ea, b, j, eb);
  if (!hasWildcard(a, i, ea)) return globMatch(b, j, eb, a, i, ea);
  return intersectsSearch(a.slice(i, ea), b.slice(j, eb));
}

function hasWildcard(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === STAR || c === QMARK) return true;
  }
  return false;
}

/** Whether p[pi, pe) (with `*` and `?`) matches the literal s[si, se): greedy, back to the last `*`. */
function globMatch(p: string, pi: number, pe: number, s: string, si: number, se: number): boolean {
  let star = -1;
  let mark = si;
  while (si < se) {
    const c = pi < pe ? p.charCodeAt(pi) : -1;
    if (c === STAR) {
      star = pi++;
      mark = si;
    } else if (c !== -1 && (c === QMARK || c === s.charCodeAt(si))) {
      pi++;
      si++;
    } else if (star !== -1) {
      pi = star + 1;
      si = ++mark;
    } else return false;
  }
  while (pi < pe && p.charCodeAt(pi) === STAR) pi++;
  return pi === pe;
}

function onlyStars(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (s.charCodeAt(k) !== STAR) return false;
  return true;
}

/** The plain search over whole patterns (what intersects does after trimming; tests use it as the reference). */
export function intersectsSearch(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const w = b.length + 1;
  const go = (i: number, j: number): boolean => {
    const k = i * w + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === a.length && j === b.length) r = true;
    else if (i < a.length && a[i] === "*") r = go(i + 1, j) || (j < b.length && go(i, j + 1));
    else if (j < b.length && b[j] === "*") r = go(i, j + 1) || (i < a.length && go(i + 1, j));
    else if (i < a.length && j < b.length && (a[i] === "?" || b[j] === "?" || a[i] === b[j]))
      r = go(i + 1, j + 1);
    else r = false;
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/**
 * Whether every string `target` stands for also matches `pattern`. Decided by matching the target's
 * text literally, so a `*` in the target must be absorbed by a `*` of the pattern: exact for the
 * shapes IAM uses (`arn:…:b/*` within `arn:…:b/*`, `*`, `arn:…:b*`).
 */
export function covers(pattern: string, target: string): boolean {
  if (pattern === "*") return true;
  if (!target.includes("*") && !target.includes("?")) return matches(pattern, target);
  // Trim the ends as intersects does: a pattern character that is not `*` takes exactly one
  // target character, never a target `*`.
  let i = 0;
  let j = 0;
  let ei = pattern.length;
  let ej = target.length;
  while (i < ei && j < ej) {
    const p = pattern.charCodeAt(i);
    if (p === STAR) break;
    const t = target.charCodeAt(j);
    if (t === STAR || (p !== QMARK && p !== t)) return false;
    i++;
    j++;
  }
  while (ei > i && ej > j) {
    const p = pattern.charCodeAt(ei - 1);
    if (p === STAR) break;
    const t = target.charCodeAt(ej - 1);
    if (t === STAR || (p !== QMARK && p !== t)) return false;
    ei--;
    ej--;
  }
  if (i === ei) return j === ej;
  // A run of stars covers anything, a target's wildcards too (`arn:…:b/*` within `arn:…:b/*`).
  if (onlyStars(pattern, i, ei)) return true;
  return coversSearch(pattern.slice(i, ei), target.slice(j, ej));
}

/** The plain search over whole patterns (what covers does after trimming; tests use it as the reference). */
export function coversSearch(pattern: string, target: string): boolean {
  // A target wildcard can only be covered by a pattern wildcard at the same place.
  const memo = new Map<number, boolean>();
  const w = target.length + 1;
  const go = (i: number, j: number): boolean => {
    const k = i * w + j;
    const hit = memo.get(k);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === pattern.length) r = j === target.length;
    else if (pattern[i] === "*") r = go(i + 1, j) || (j < target.length && go(i, j + 1));
    else if (j === target.length) r = false;
    else if (target[j] === "*") r = false;
    else if (pattern[i] === "?") r = go(i + 1, j + 1);
    else r = pattern[i] === target[j] && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}
