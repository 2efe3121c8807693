// How likely one finding is to be exploited, from threat intel when there is some: p =
// max(EPSS, KEV ? 0.95 : 0); else a CVSS-based prior; a scanner's severity word stands in for a
// missing CVSS. Also the attack vector, which decides whether a CVE counts for an exposed asset.
import type { Factor, Finding } from "@ctem/model";
import type { IntelRecord, ReportedCvss } from "@ctem/intel";
import { PRIORS, priorSource, round2 } from "./priors.js";
import type { PriorName } from "./priors.js";

export type IntelLookup = (cveId: string, reported?: ReportedCvss[]) => IntelRecord;

export type AttackVector = "network" | "adjacent" | "local" | "physical" | "unknown";

export interface VulnAssessment {
  /** Probability of exploitation, 0…1. */
  p: number;
  attackVector: AttackVector;
  /** CVSS base score used (from intel, a reported vector, or the severity word). */
  cvss: number;
  kev: boolean;
  epss?: number;
  factors: Factor[];
}

const CVE = /^CVE-\d{4}-\d{4,}$/i;

const SEVERITY_PRIOR: Record<string, PriorName> = {
  critical: "severity_critical",
  high: "severity_high",
  medium: "severity_medium",
  low: "severity_low",
  info: "severity_low",
  unknown: "severity_unknown",
};

export function assessFinding(f: Finding, lookup: IntelLookup | undefined): VulnAssessment {
  const label = f.ruleId;
  const factors: Factor[] = [];
  const reported: ReportedCvss[] = f.sources
    .filter((s) => s.vector)
    .map((s) => ({ vector: s.vector!, source: s.tool }));
  const rec = CVE.test(f.ruleId) && lookup ? safeLookup(lookup, f.ruleId, reported) : undefined;
  let cvss: number | undefined = rec?.cvss?.baseScore;
  let attackVector: AttackVector = rec?.cvss?.metrics?.attackVector ?? "unknown";
  if (cvss !== undefined) factors.push({ name: `${label}:cvss`, value: cvss, source: rec!.cvss!.source });
  else {
    // The worst severity any scanner reported, as a stand-in score.
    const order = ["critical", "high", "medium", "unknown", "low", "info"];
    const worst = [...f.sources].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity))[0];
    const name = SEVERITY_PRIOR[worst?.severity ?? "unknown"] ?? "severity_unknown";
    cvss = PRIORS[name].value;
    factors.push({ name: `${label}:cvss`, value: cvss, source: priorSource(name) });
  }
  if (attackVector === "unknown" && !rec?.cvss)
    for (const r of reported) {
      const m = /AV:([NALP])/.exec(r.vector ?? "");
      if (m) {
        attackVector = ({ N: "network", A: "adjacent", L: "local", P: "physical" } as const)[
          m[1] as "N" | "A" | "L" | "P"
        ];
        break;
      }
    }
  factors.push({
    name: `${label}:attack_vector`,
    value: attackVector,
    source: rec?.cvss?.source ?? "report",
  });
  const kev = Boolean(rec?.kev);
  const epss = rec?.epss?.score;
  let p: number;
  if (kev || epss !== undefined) {
    p = Math.max(epss ?? 0, kev ? PRIORS.kev.value : 0);
    if (kev)
      factors.push({
        name: `${label}:kev`,
        value: true,
        source: `cisa-kev:${rec!.kev!.catalogVersion}`,
      });
    if (epss !== undefined)
      factors.push({
        name: `${label}:epss`,
        value: epss,
        source: `first-epss${rec!.epss!.scoreDate ? `:${rec!.epss!.scoreDate.slice(0, 10)}` : ""}`,
      });
  } else {
    p = (cvss / 10) * PRIORS.cvss_scale.value;
    factors.push({ name: `${label}:exploit_prior`, value: round2(p), source: priorSource("cvss_scale") });
  }
  const out: VulnAssessment = { p, attackVector, cvss, kev, factors };
  if (epss !== undefined) out.epss = epss;
  return out;
}

// Many findings share a CVE and a reported vector (one image on many hosts): look each pair up once.
const memo = new WeakMap<IntelLookup, Map<string, IntelRecord | undefined>>();

function safeLookup(lookup: IntelLookup, id: string, reported: ReportedCvss[]): IntelRecord | undefined {
  let m = memo.get(lookup);
  if (!m) {
    m = new Map();
    memo.set(lookup, m);
  }
  const k = `${id}|${reported.map((r) => `${r.source}:${r.vector ?? ""}`).join("|")}`;
  if (m.has(k)) return m.get(k);
  const rec = lookupOnce(lookup, id, reported);
  m.set(k, rec);
  return rec;
}

function lookupOnce(lookup: IntelLookup, id: string, reported: ReportedCvss[]): IntelRecord | undefined {
  try {
    return lookup(id, reported);
  } catch {
    // A malformed vector in a report must not stop the analysis: the severity word stands in.
    try {
      return lookup(id);
    } catch {
      return undefined;
    }
  }
}
