// CVSS v2.0, v3.0, v3.1 and v4.0: strict parsing of vector strings, scores and severities (computed by
// ae-cvss-calculator, checked against 34,545 published vectors in test/cvss-vectors.test.ts), the
// metrics the engine reasons about, and a threat adjustment from KEV, EPSS and SSVC.
//
// The library is lenient (it accepts a metric twice, or a vector missing base metrics, and scores
// what it got), so every vector is first checked here against the specification's grammar.
import calculator from "ae-cvss-calculator";
import { ValidationError } from "@ctem/model";

const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = calculator;

export type CvssVersion = "2.0" | "3.0" | "3.1" | "4.0";
export type CvssSeverity = "none" | "low" | "medium" | "high" | "critical";
type Level = "none" | "low" | "high";

/** The metrics the engine reasons about, in words rather than letters. Absent when a version lacks one. */
export interface CvssMetrics {
  attackVector: "network" | "adjacent" | "local" | "physical";
  /** v2 also has "medium". */
  attackComplexity: "low" | "medium" | "high";
  /** v4 only. */
  attackRequirements?: "none" | "present";
  /** v3 and v4. (v2's Authentication is a different question and is given separately.) */
  privilegesRequired?: "none" | "low" | "high";
  /** v2 only. */
  authentication?: "none" | "single" | "multiple";
  /** v3: none/required; v4: none/passive/active. */
  userInteraction?: "none" | "required" | "passive" | "active";
  /** v3 only. */
  scope?: "unchanged" | "changed";
  /** Impact on the vulnerable system (v2: partial → low, complete → high). */
  confidentiality: Level;
  integrity: Level;
  availability: Level;
  /** v4 only: impact on subsequent systems. */
  subsequent?: { confidentiality: Level; integrity: Level; availability: Level };
}

export interface CvssScore {
  version: CvssVersion;
  /** The vector as given, trimmed (v2 without parentheses). */
  vector: string;
  /** Score of the base metrics alone. */
  baseScore: number;
  severity: CvssSeverity;
  /**
   * Score of every metric in the vector (v2/v3: environmental, else temporal, else base; v4: the
   * one score over base, threat and environmental metrics). Equals baseScore for a base-only vector.
   */
  vectorScore: number;
  /** Which metric groups vectorScore covers: "base", "temporal", "environmental" (v2/v3), or v4's CVSS-B, -BT, -BE, -BTE. */
  vectorScoreKind: string;
  metrics: CvssMetrics;
}

// The grammar of each version: metric → allowed values; `base` lists the mandatory metrics.
interface Grammar {
  prefix: string | undefined;
  base: string[];
  values: Record<string, string[]>;
}

const CIA3 = ["H", "L", "N"];
const GRAMMAR: Record<CvssVersion, Grammar> = {
  "2.0": {
    prefix: undefined,
    base: ["AV", "AC", "Au", "C", "I", "A"],
    values: {
      AV: ["L", "A", "N"],
      AC: ["H", "M", "L"],
      Au: ["M", "S", "N"],
      C: ["N", "P", "C"],
      I: ["N", "P", "C"],
      A: ["N", "P", "C"],
      E: ["U", "POC", "F", "H", "ND"],
      RL: ["OF", "TF", "W", "U", "ND"],
      RC: ["UC", "UR", "C", "ND"],
      CDP: ["N", "L", "LM", "MH", "H", "ND"],
      TD: ["N", "L", "M", "H", "ND"],
      CR: ["L", "M", "H", "ND"],
      IR: ["L", "M", "H", "ND"],
      AR: ["L", "M", "H", "ND"],
    },
  },
  "3.0": { prefix: "CVSS:3.0", base: [], values: {} },
  "3.1": { prefix: "CVSS:3.1", base: [], values: {} },
  "4.0": {
    prefix: "CVSS:4.0",
    base: ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"],
    values: {
      AV: ["N", "A", "L", "P"],
      AC: ["L", "H"],
      AT: ["N", "P"],
      PR: ["N", "L", "H"],
      UI: ["N", "P", "A"],
      VC: CIA3,
      VI: CIA3,
      VA: CIA3,
      SC: CIA3,
      SI: CIA3,
      SA: CIA3,
      E: ["X", "A", "P", "U"],
      CR: ["X", "H", "M", "L"],
      IR: ["X", "H", "M", "L"],
      AR: ["X", "H", "M", "L"],
      MAV: ["X", "N", "A", "L", "P"],
      MAC: ["X", "L", "H"],
      MAT: ["X", "N", "P"],
      MPR: ["X", "N", "L", "H"],
      MUI: ["X", "N", "P", "A"],
      MVC: ["X", ...CIA3],
      MVI: ["X", ...CIA3],
      MVA: ["X", ...CIA3],
      MSC: ["X", ...CIA3],
      MSI: ["X", "S", ...CIA3],
      MSA: ["X", "S", ...CIA3],
      S: ["X", "N", "P"],
      AU: ["X", "N", "Y"],
      R: ["X", "A", "U", "I"],
      V: ["X", "D", "C"],
      RE: ["X", "L", "M", "H"],
      U: ["X", "Clear", "Green", "Amber", "Red"],
    },
  },
};
const V3_VALUES: Record<string, string[]> = {
  AV: ["N", "A", "L", "P"],
  AC: ["L", "H"],
  PR: ["N", "L", "H"],
  UI: ["N", "R"],
  S: ["U", "C"],
  C: CIA3,
  I: CIA3,
  A: CIA3,
  E: ["X", "U", "P", "F", "H"],
  RL: ["X", "O", "T", "W", "U"],
  RC: ["X", "U", "R", "C"],
  CR: ["X", "L", "M", "H"],
  IR: ["X", "L", "M", "H"],
  AR: ["X", "L", "M", "H"],
  MAV: ["X", "N", "A", "L", "P"],
  MAC: ["X", "L", "H"],
  MPR: ["X", "N", "L", "H"],
  MUI: ["X", "N", "R"],
  MS: ["X", "U", "C"],
  MC: ["X", ...CIA3],
  MI: ["X", ...CIA3],
  MA: ["X", ...CIA3],
};
for (const v of ["3.0", "3.1"] as const) {
  GRAMMAR[v].base = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
  GRAMMAR[v].values = V3_VALUES;
}

/** Splits and checks a vector against its version's grammar; returns the version and metric map. */
export function parseCvssVector(input: string): {
  version: CvssVersion;
  vector: string;
  metrics: Map<string, string>;
} {
  let vector = input.trim();
  if (vector.startsWith("(") && vector.endsWith(")")) vector = vector.slice(1, -1);
  let version: CvssVersion;
  let body: string;
  const m = /^CVSS:(\d\.\d)\/(.*)$/.exec(vector);
  if (m) {
    if (m[1] !== "2.0" && m[1] !== "3.0" && m[1] !== "3.1" && m[1] !== "4.0")
      throw new ValidationError(`CVSS vector '${input}': unknown version ${m[1]}`, { vector: input });
    version = m[1];
    body = m[2]!;
    // "CVSS:2.0/" is not part of the v2 standard, but some tools write it.
    if (version === "2.0") vector = body;
  } else {
    version = "2.0";
    body = vector;
  }
  const g = GRAMMAR[version];
  const metrics = new Map<string, string>();
  for (const part of body.split("/")) {
    const i = part.indexOf(":");
    const key = i === -1 ? part : part.slice(0, i);
    const value = i === -1 ? "" : part.slice(i + 1);
    const allowed = g.values[key];
    if (!allowed)
      throw new ValidationError(`CVSS ${version} vector '${input}': unknown metric '${key}'`, {
        vector: input,
      });
    if (!allowed.includes(value))
      throw new ValidationError(
        `CVSS ${version} vector '${input}': ${key} cannot be '${value}' (one of ${allowed.join(", ")})`,
        {
          vector: input,
        },
      );
    if (metrics.has(key))
      throw new ValidationError(`CVSS ${version} vector '${input}': ${key} is given twice`, {
        vector: input,
      });
    metrics.set(key, value);
  }
  const missing = g.base.filter((k) => !metrics.has(k));
  if (missing.length > 0)
    throw new ValidationError(
      `CVSS ${version} vector '${input}': base metric${missing.length > 1 ? "s" : ""} ${missing.join(", ")} missing`,
      {
        vector: input,
      },
    );
  return { version, vector, metrics };
}

export function severityOf(score: number, version: CvssVersion): CvssSeverity {
  // v2 has no "none" or "critical" band (NVD's v2 ranges: low 0–3.9, medium 4–6.9, high 7–10).
  if (version === "2.0") return score >= 7 ? "high" : score >= 4 ? "medium" : "low";
  if (score === 0) return "none";
  return score >= 9 ? "critical" : score >= 7 ? "high" : score >= 4 ? "medium" : "low";
}

/** Parses and scores a vector; throws ValidationError naming the problem for anything malformed. */
export function scoreCvss(input: string): CvssScore {
  const { version, vector, metrics } = parseCvssVector(input);
  let baseScore: number;
  let vectorScore: number;
  let vectorScoreKind: string;
  if (version === "4.0") {
    const v = new Cvss4P0(vector);
    vectorScore = v.calculateScores().overall;
    vectorScoreKind = v.getNomenclature();
    // The base score proper: the same vector without threat, environmental and supplemental metrics.
    const baseOnly = `CVSS:4.0/${GRAMMAR["4.0"].base.map((k) => `${k}:${metrics.get(k)}`).join("/")}`;
    baseScore = vectorKindIsBase(vectorScoreKind)
      ? vectorScore
      : new Cvss4P0(baseOnly).calculateScores().overall;
  } else {
    const v =
      version === "2.0" ? new Cvss2(vector) : version === "3.0" ? new Cvss3P0(vector) : new Cvss3P1(vector);
    const s = v.calculateScores();
    baseScore = s.base ?? 0;
    const definedIn = (keys: string[]) =>
      keys.some((k) => metrics.has(k) && metrics.get(k) !== "X" && metrics.get(k) !== "ND");
    const env =
      version === "2.0"
        ? ["CDP", "TD", "CR", "IR", "AR"]
        : ["CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"];
    if (definedIn(env) && s.environmental !== undefined) {
      vectorScore = s.environmental;
      vectorScoreKind = "environmental";
    } else if (definedIn(["E", "RL", "RC"]) && s.temporal !== undefined) {
      vectorScore = s.temporal;
      vectorScoreKind = "temporal";
    } else {
      vectorScore = baseScore;
      vectorScoreKind = "base";
    }
  }
  return {
    version,
    vector,
    baseScore,
    severity: severityOf(baseScore, version),
    vectorScore,
    vectorScoreKind,
    metrics: describeMetrics(version, metrics),
  };
}

function vectorKindIsBase(kind: string): boolean {
  return kind === "CVSS-B";
}

const LEVEL3: Record<string, Level> = { N: "none", L: "low", H: "high" };
const LEVEL2: Record<string, Level> = { N: "none", P: "low", C: "high" };
const AV: Record<string, CvssMetrics["attackVector"]> = {
  N: "network",
  A: "adjacent",
  L: "local",
  P: "physical",
};

function describeMetrics(version: CvssVersion, m: Map<string, string>): CvssMetrics {
  const get = (k: string) => m.get(k)!;
  if (version === "2.0")
    return {
      attackVector: AV[get("AV")]!,
      attackComplexity: ({ L: "low", M: "medium", H: "high" } as const)[get("AC") as "L" | "M" | "H"],
      authentication: ({ N: "none", S: "single", M: "multiple" } as const)[get("Au") as "N" | "S" | "M"],
      confidentiality: LEVEL2[get("C")]!,
      integrity: LEVEL2[get("I")]!,
      availability: LEVEL2[get("A")]!,
    };
  const common = {
    attackVector: AV[get("AV")]!,
    attackComplexity: get("AC") === "L" ? ("low" as const) : ("high" as const),
    privilegesRequired: LEVEL3[get("PR")] as "none" | "low" | "high",
  };
  if (version === "4.0")
    return {
      ...common,
      attackRequirements: get("AT") === "N" ? "none" : "present",
      userInteraction: ({ N: "none", P: "passive", A: "active" } as const)[get("UI") as "N" | "P" | "A"],
      confidentiality: LEVEL3[get("VC")]!,
      integrity: LEVEL3[get("VI")]!,
      availability: LEVEL3[get("VA")]!,
      subsequent: {
        confidentiality: LEVEL3[get("SC")]!,
        integrity: LEVEL3[get("SI")]!,
        availability: LEVEL3[get("SA")]!,
      },
    };
  return {
    ...common,
    userInteraction: get("UI") === "N" ? "none" : "required",
    scope: get("S") === "U" ? "unchanged" : "changed",
    confidentiality: LEVEL3[get("C")]!,
    integrity: LEVEL3[get("I")]!,
    availability: LEVEL3[get("A")]!,
  };
}

// ---------------------------------------------------------------------------------------------
// Threat adjustment (CVSS-BT style, recomputed with the specification's own Exploit Maturity metric)
//
// The base score says how bad a vulnerability is if exploited; the exploit-maturity metric says how
// far exploitation has come. ctem sets it from evidence and recomputes the score:
//   attacked  — listed in CISA KEV, or SSVC exploitation "active"        → v4 E:A, v3 E:H, v2 E:H
//   poc       — SSVC exploitation "poc", or EPSS ≥ 0.36                   → v4 E:P, v3 E:P, v2 E:POC
//   unreported— EPSS known and below 0.36, SSVC (if known) "none", no KEV → v4 E:U, v3 E:U, v2 E:U
//   no evidence at all (no EPSS, no SSVC, not in KEV) → no adjustment: unknown never lowers a score.
// 0.36 is ctem's choice: in the EPSS file of 2026-01-30 it marks the top 3.0 % of CVEs (9,485 of
// 313,089), where exploitation is more likely than not to be seen soon; that is evidence of a usable
// exploit, which CVSS calls a proof of concept rather than attacks observed. Other temporal and
// threat metrics in the vector are kept.

export const EPSS_POC_THRESHOLD = 0.36;

export type ExploitMaturity = "attacked" | "poc" | "unreported";

export interface ThreatEvidence {
  kev?: boolean;
  epss?: number;
  ssvcExploitation?: "none" | "poc" | "active";
}

export interface ThreatAdjustment {
  exploitMaturity: ExploitMaturity;
  /** The vector with the exploit-maturity metric set from evidence. */
  vector: string;
  score: number;
  severity: CvssSeverity;
  /** Why: each piece of evidence used. */
  reasons: string[];
}

export function exploitMaturityOf(
  ev: ThreatEvidence,
): { maturity: ExploitMaturity; reasons: string[] } | undefined {
  if (ev.kev || ev.ssvcExploitation === "active") {
    const reasons = [];
    if (ev.kev) reasons.push("listed in CISA KEV");
    if (ev.ssvcExploitation === "active") reasons.push("SSVC exploitation: active");
    return { maturity: "attacked", reasons };
  }
  if (ev.ssvcExploitation === "poc" || (ev.epss !== undefined && ev.epss >= EPSS_POC_THRESHOLD)) {
    const reasons = [];
    if (ev.ssvcExploitation === "poc") reasons.push("SSVC exploitation: poc");
    if (ev.epss !== undefined && ev.epss >= EPSS_POC_THRESHOLD)
      reasons.push(`EPSS ${ev.epss} ≥ ${EPSS_POC_THRESHOLD}`);
    return { maturity: "poc", reasons };
  }
  if (ev.epss !== undefined || ev.ssvcExploitation === "none") {
    const reasons = ["not in CISA KEV"];
    if (ev.epss !== undefined) reasons.push(`EPSS ${ev.epss} < ${EPSS_POC_THRESHOLD}`);
    if (ev.ssvcExploitation === "none") reasons.push("SSVC exploitation: none");
    return { maturity: "unreported", reasons };
  }
  return undefined;
}

const E_VALUE: Record<CvssVersion, Record<ExploitMaturity, string>> = {
  "2.0": { attacked: "H", poc: "POC", unreported: "U" },
  "3.0": { attacked: "H", poc: "P", unreported: "U" },
  "3.1": { attacked: "H", poc: "P", unreported: "U" },
  "4.0": { attacked: "A", poc: "P", unreported: "U" },
};

/** Sets the exploit-maturity metric of `vector` from the evidence and rescores; undefined without evidence. */
export function threatAdjust(vectorString: string, ev: ThreatEvidence): ThreatAdjustment | undefined {
  const em = exploitMaturityOf(ev);
  if (!em) return undefined;
  const { version, metrics } = parseCvssVector(vectorString);
  metrics.set("E", E_VALUE[version][em.maturity]);
  const body = [...metrics].map(([k, v]) => `${k}:${v}`).join("/");
  const vector = version === "2.0" ? body : `CVSS:${version}/${body}`;
  const scored = scoreCvss(vector);
  return {
    exploitMaturity: em.maturity,
    vector,
    score: scored.vectorScore,
    severity: severityOf(scored.vectorScore, version),
    reasons: em.reasons,
  };
}
