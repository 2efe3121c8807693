// IAM wildcard patterns (`*` any run, `?` one character) on actions (case-insensitive) and ARNs
// (case-sensitive). Besides matching a concrete value, the engine asks two questions of a pattern
// against a *set* of resources written as a pattern (`arn:aws:s3:::b/*` = every object of b):
// does some resource lie in both (intersects), and does the pattern hold all of them (covers).
const regexCache = new Map<string, RegExp>();

/** Empties the pattern cache (derive() does when it returns). */
export function clearPatternCache(): void {
  regexCache.clear();
}

function toRegex(pattern: string, ci: boolean): RegExp {
  const k = `${ci ? "i" : "s"}${pattern}`;
  let r = regexCache.get(k);
  if (!r) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    r = new RegExp(`^${body}$`, ci ? "is" : "s");
    if (regexCache.size > 200_000) regexCache.clear();
    regexCache.set(k, r);
  }
  return r;
}

/** Whether the concrete `value` matches the IAM pattern. */
export function matches(pattern: string, value: string, caseInsensitive = false): boolean {
  if (pattern === "*") return true;
  if (!pattern.includes("*") && !pattern.includes("?"))
    return caseInsensitive ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  return toRegex(pattern, caseInsensitive).test(value);
}

/** Whether some string matches both patterns. */
export function intersects(a: string, b: string): boolean {
  if (a === "*" || b === "*") return true;
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
    else if (pattern[i] === "?") r = target[j] !== "?" ? go(i + 1, j + 1) : go(i + 1, j + 1);
    else r = pattern[i] === target[j] && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}
