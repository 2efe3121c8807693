// A second, independent implementation of the CVSS v3.0 and v3.1 equations, written from the
// specification documents (FIRST, CVSS v3.1 Specification §7 and Appendix A; v3.0 §8), used as an
// oracle for ae-cvss-calculator. It shares no code with src/: its own vector split, its own
// weights, its own Roundup.

type Metrics = Record<string, string>;

const W = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
  E: { X: 1, H: 1, F: 0.97, P: 0.94, U: 0.91 },
  RL: { X: 1, U: 1, W: 0.97, T: 0.96, O: 0.95 },
  RC: { X: 1, C: 1, R: 0.96, U: 0.92 },
  REQ: { X: 1, H: 1.5, M: 1, L: 0.5 },
} as const;

function pr(value: string, scopeChanged: boolean): number {
  if (value === "N") return 0.85;
  if (value === "L") return scopeChanged ? 0.68 : 0.62;
  if (value === "H") return scopeChanged ? 0.5 : 0.27;
  throw new Error(`PR:${value}`);
}

/** v3.1 Appendix A: Roundup via integers, so 4.000000000000001 stays 4.0. */
function roundup31(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}
/** v3.0: "the smallest number, specified to one decimal place, that is equal to or higher than its input". */
function roundup30(x: number): number {
  return Math.ceil(x * 10) / 10;
}

function w<T extends Record<string, number>>(table: T, value: string | undefined, metric: string): number {
  const v = (table as Record<string, number>)[value ?? ""];
  if (v === undefined) throw new Error(`${metric}:${value}`);
  return v;
}

export interface V3Scores {
  base: number;
  temporal: number;
  environmental: number;
}

export function referenceV3(vector: string): V3Scores {
  const [prefix, ...parts] = vector.split("/");
  const minor = prefix === "CVSS:3.1" ? 1 : prefix === "CVSS:3.0" ? 0 : -1;
  if (minor < 0) throw new Error(`not a v3 vector: ${vector}`);
  const roundup = minor === 1 ? roundup31 : roundup30;
  const m: Metrics = {};
  for (const p of parts) {
    const [k, v] = p.split(":");
    m[k!] = v!;
  }
  const x = (k: string) => (m[k] === undefined ? "X" : m[k]);

  // Base
  const changed = m.S === "C";
  const iss = 1 - (1 - w(W.CIA, m.C, "C")) * (1 - w(W.CIA, m.I, "I")) * (1 - w(W.CIA, m.A, "A"));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const expl = 8.22 * w(W.AV, m.AV, "AV") * w(W.AC, m.AC, "AC") * pr(m.PR!, changed) * w(W.UI, m.UI, "UI");
  const base = impact <= 0 ? 0 : roundup(Math.min((changed ? 1.08 : 1) * (impact + expl), 10));

  // Temporal
  const t = w(W.E, x("E"), "E") * w(W.RL, x("RL"), "RL") * w(W.RC, x("RC"), "RC");
  const temporal = roundup(base * t);

  // Environmental: modified metrics fall back to their base values.
  const mod = (k: string) => (x(`M${k}`) === "X" ? m[k]! : x(`M${k}`));
  const mChanged = mod("S") === "C";
  const miss = Math.min(
    1 -
      (1 - w(W.REQ, x("CR"), "CR") * w(W.CIA, mod("C"), "MC")) *
        (1 - w(W.REQ, x("IR"), "IR") * w(W.CIA, mod("I"), "MI")) *
        (1 - w(W.REQ, x("AR"), "AR") * w(W.CIA, mod("A"), "MA")),
    0.915,
  );
  const mImpact = mChanged
    ? minor === 1
      ? 7.52 * (miss - 0.029) - 3.25 * Math.pow(miss * 0.9731 - 0.02, 13)
      : 7.52 * (miss - 0.029) - 3.25 * Math.pow(miss - 0.02, 15)
    : 6.42 * miss;
  const mExpl =
    8.22 *
    w(W.AV, mod("AV"), "MAV") *
    w(W.AC, mod("AC"), "MAC") *
    pr(mod("PR"), mChanged) *
    w(W.UI, mod("UI"), "MUI");
  const environmental =
    mImpact <= 0 ? 0 : roundup(roundup(Math.min((mChanged ? 1.08 : 1) * (mImpact + mExpl), 10)) * t);

  return { base, temporal, environmental };
}
