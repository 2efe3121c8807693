// The order issues and finding priorities are listed in: score descending, then key by
// localeCompare, as a stable sort gives. Tens of thousands of items make Array.prototype.sort's
// comparator calls (two per comparison) the cost, so the usual case is sorted as numbers instead.

const RANK_BITS = 10; // scores 0.00 … 10.00: 1001 ranks
const MAX_BITS = 53; // integers a double holds exactly

/** Whether `s` is a two-decimal score in 0 … 10 (what round2(Math.min(10, x)) gives for x ≥ 0). */
const twoDecimals = (s: number): boolean => s >= 0 && s <= 10 && Math.round(s * 100) / 100 === s;

/**
 * Sorts `items` in place exactly as
 * `items.sort((a, b) => score(b) - score(a) || key(a).localeCompare(key(b)))` and returns it.
 *
 * When every score has two decimals in 0 … 10 and every key starts with enough lowercase hex
 * digits (issue and finding keys are hashes), each item becomes one number — its score's rank,
 * its key's leading bits, its position — and a Float64Array is sorted natively; items whose rank
 * and leading bits are equal are then put in order by the comparator (their keys by localeCompare,
 * their positions on a tie). For [0-9a-f] localeCompare orders as the digits' values do, so the
 * leading bits order as the comparator would wherever they differ. Anything else: the comparator.
 */
export function sortByScoreThenKey<T>(items: T[], score: (t: T) => number, key: (t: T) => string): T[] {
  const n = items.length;
  const byKey = (a: T, b: T) => key(a).localeCompare(key(b));
  const cmp = (a: T, b: T) => score(b) - score(a) || byKey(a, b);
  let indexBits = 1;
  while (2 ** indexBits < n) indexBits++;
  const prefixBits = MAX_BITS - RANK_BITS - indexBits;
  if (n < 2 || prefixBits < 16) return items.sort(cmp);
  const digits = Math.ceil(prefixBits / 4);
  const drop = 2 ** (digits * 4 - prefixBits);
  const slots = 2 ** indexBits;
  const prefixes = 2 ** prefixBits;
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    const s = score(it);
    const k = key(it);
    if (!twoDecimals(s) || k.length < digits) return items.sort(cmp);
    let pre = 0;
    for (let d = 0; d < digits; d++) {
      const c = k.charCodeAt(d);
      const x = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
      if (x < 0) return items.sort(cmp);
      pre = pre * 16 + x;
    }
    const rank = 1000 - Math.round(s * 100);
    v[i] = (rank * prefixes + Math.floor(pre / drop)) * slots + i;
  }
  v.sort();
  const out: T[] = [];
  for (let j = 0; j < n; j++) out.push(items[v[j]! % slots]!);
  // Runs with the same rank and leading bits (in position order): by key, stably.
  for (let j = 0; j < n;) {
    const high = Math.floor(v[j]! / slots);
    let end = j + 1;
    while (end < n && Math.floor(v[end]! / slots) === high) end++;
    if (end - j > 1) {
      const run = out.slice(j, end).sort(byKey);
      for (let r = 0; r < run.length; r++) out[j + r] = run[r]!;
    }
    j = end;
  }
  for (let j = 0; j < n; j++) items[j] = out[j]!;
  return items;
}
