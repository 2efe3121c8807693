// Every number the score model uses that is not read from the estate or from threat intel: a
// documented prior with a stable name, so a factor can cite it and docs/scoring.md can list it.
// Changing a value here changes scores; the docs table is checked against this file by a test.

export interface Prior {
  value: number;
  /** Why this value: one sentence a reviewer can argue with. */
  why: string;
}

const prior = (value: number, why: string): Prior => ({ value, why });

export const PRIORS = {
  /** A network-reachable CVE without EPSS or KEV: this share of its CVSS base score / 10. */
  cvss_scale: prior(
    0.3,
    "Without exploitation data, about a third of network CVEs at a given CVSS see exploitation attempts; scaled by base score.",
  ),
  kev: prior(0.95, "Listed in CISA KEV: exploited in the wild (DESIGN)."),
  exposed_admin_port: prior(
    0.3,
    "SSH, RDP, WinRM, Telnet or VNC open to the internet: credential stuffing and brute force are constant.",
  ),
  exposed_database_port: prior(
    0.3,
    "A database port open to the internet: scanned within hours; default or weak credentials are common.",
  ),
  exposed_service: prior(
    0.05,
    "Any other port open to the internet without a known CVE: an unknown flaw or misconfiguration, never zero.",
  ),
  public_data_store: prior(0.95, "A data store readable by anyone needs no exploit at all."),
  access_key: prior(
    0.5,
    "An active long-lived access key: whether it has leaked is unknown, and leaked keys are a leading initial-access vector in cloud incidents.",
  ),
  lateral_service: prior(
    0.1,
    "A reachable internal service without a known CVE: lateral movement still succeeds sometimes.",
  ),
  firewall_hop: prior(1, "Reaching a security group's hub is the network admitting the traffic; no exploit."),
  runs_as_imdsv1: prior(
    0.95,
    "IMDSv1 allowed: code on the instance (or an SSRF) reads the role's credentials.",
  ),
  runs_as_imdsv2: prior(
    0.7,
    "IMDSv2 required: SSRF cannot read the credentials; code execution on the instance still can.",
  ),
  runs_as_unknown: prior(0.85, "Metadata settings unread: treated as between IMDSv1 and IMDSv2."),
  can_assume: prior(
    1,
    "Trust policy and permission both allow it: one API call (assumptions discount it separately).",
  ),
  can_escalate: prior(
    0.9,
    "A known privilege-escalation technique the permissions allow: a few API calls, some noisy.",
  ),
  can_access: prior(
    1,
    "Evaluated permissions allow the access: one API call (assumptions discount it separately).",
  ),
  assumption_discount: prior(
    0.8,
    "A hop resting on an assumption (unevaluated condition, unread data) may not hold.",
  ),
  unreached_residual: prior(
    0.1,
    "Reachability 0 means no path from a known entry; entries we do not see (VPN, insiders) remain, so never zero.",
  ),
  issue_floor: prior(
    0.1,
    "Paths scoring below 0.1 (likelihood × impact under 1 %) are not kept as issues: lateral chains of unlikely hops would drown the list. Their findings still get priorities.",
  ),
  unreached_impact: prior(
    0.5,
    "Impact of compromising an asset that is not a crown jewel and leads nowhere known.",
  ),
  tier_1: prior(1, "Tier 1 crown jewel: customer or regulated data, admin-equivalent identity."),
  tier_2: prior(0.8, "Tier 2: managed databases and important stores."),
  tier_3: prior(0.6, "Tier 3: internal data."),
  tier_4: prior(0.4, "Tier 4: low-value data."),
  access_admin: prior(1, "Admin on the target: read, change and delete everything."),
  access_write: prior(0.95, "Write: tamper, encrypt for ransom, plant data."),
  access_read: prior(0.9, "Read: exfiltration."),
  /** Severity words without CVSS: the score taken as base score. */
  severity_critical: prior(9.5, "A scanner's 'critical' without a vector, taken as CVSS 9.5."),
  severity_high: prior(7.5, "A scanner's 'high' without a vector, taken as CVSS 7.5."),
  severity_medium: prior(5, "A scanner's 'medium' without a vector, taken as CVSS 5."),
  severity_low: prior(2.5, "A scanner's 'low' without a vector, taken as CVSS 2.5."),
  severity_unknown: prior(5, "No severity at all: taken as medium, never as safe."),
} as const satisfies Record<string, Prior>;

export type PriorName = keyof typeof PRIORS;

export const priorSource = (name: PriorName): string => `prior:${name}`;

export const ADMIN_PORTS = new Set([22, 23, 3389, 5900, 5985, 5986]);
export const DATABASE_PORTS = new Set([1433, 1521, 3306, 5432, 5984, 6379, 9042, 9200, 11211, 27017]);

/** DESIGN's bands: critical ≥ 9, high ≥ 7, medium ≥ 4, low otherwise. */
export function band(score: number): "critical" | "high" | "medium" | "low" {
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  return "low";
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;
