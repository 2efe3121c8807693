// Helpers every importer shares: severity words, CVE ids, the import source key, shared CVE nodes
// (one per CVE, claimed by every import target that names it) and chunking.
import { CVE_ID_PATTERN, cveNodeId } from "@ctem/model";
import type { FindingFact, FindingSeverity, GraphFacts, NodeFact, SourceKey } from "@ctem/model";

export const CHUNK_FINDINGS = 500;

/** DESIGN: `import:<tool>:<target>`, region `global`, collector `import-<importer id>`. */
export function importSourceKey(importerId: string, tool: string, target: string): SourceKey {
  return {
    source: `import:${tool}:${target}`.slice(0, 1024),
    region: "global",
    collector: `import-${importerId}`,
  };
}

const SEVERITY_WORDS: Record<string, FindingSeverity> = {
  critical: "critical",
  high: "high",
  important: "high",
  error: "high",
  medium: "medium",
  moderate: "medium",
  warning: "medium",
  warn: "medium",
  low: "low",
  minimal: "low",
  negligible: "low",
  note: "low",
  info: "info",
  informational: "info",
  none: "info",
  unknown: "unknown",
  untriaged: "unknown",
  unspecified: "unknown",
  "": "unknown",
};

/** A scanner's severity word (any case) normalised; unknown words are `unknown`. */
export function severityOf(word: unknown): FindingSeverity {
  if (typeof word !== "string") return "unknown";
  return (
    SEVERITY_WORDS[
      word
        .trim()
        .toLowerCase()
        .replace(/^severity_/, "")
    ] ?? "unknown"
  );
}

/** Severity from a CVSS base score (CVSS v3 bands). */
export function severityOfScore(score: unknown): FindingSeverity {
  if (typeof score !== "number" || !Number.isFinite(score)) return "unknown";
  if (score >= 9) return "critical";
  if (score >= 7) return "high";
  if (score >= 4) return "medium";
  if (score > 0) return "low";
  return "info";
}

export function isCve(id: unknown): id is string {
  return typeof id === "string" && CVE_ID_PATTERN.test(id);
}

/** `CVE-2024-1234` in canonical case, or undefined. */
export function cveOf(id: unknown): string | undefined {
  return isCve(id) ? id.toUpperCase() : undefined;
}

export function str(v: unknown): string | undefined {
  if (typeof v === "string") {
    const t = v.trim();
    return t === "" ? undefined : t;
  }
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

export function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The `sha256:…` digest inside an image reference, ARN or URI, lower-cased. */
export function digestIn(s: string | undefined): string | undefined {
  const m = s ? /sha256:[0-9a-f]{64}/i.exec(s) : null;
  return m ? m[0].toLowerCase() : undefined;
}

/** Distinct non-empty strings, first occurrence first. */
export function ids(...xs: Array<string | undefined | null>): string[] {
  const out: string[] = [];
  for (const x of xs) if (x && !out.includes(x)) out.push(x);
  return out;
}

/**
 * Collects findings into chunks and adds the shared CVE node the first time a (CVE, source key)
 * pair is seen in this file, so a CVE node is claimed by every import target that names it.
 */
export class ChunkBuilder {
  private findings: FindingFact[] = [];
  private nodes: NodeFact[] = [];
  private readonly claimed = new Set<string>();

  add(f: FindingFact): void {
    this.findings.push(f);
    const cve = cveOf(f.ruleId);
    if (cve) {
      for (const s of f.sources) {
        const k = `${cve}\u0000${s.sourceKey.source}\u0000${s.sourceKey.collector}`;
        if (this.claimed.has(k)) continue;
        this.claimed.add(k);
        this.nodes.push({
          id: cveNodeId(cve),
          kind: "vulnerability",
          type: "cve",
          provider: "generic",
          name: cve,
          sources: [s.sourceKey],
        });
      }
    }
  }

  get full(): boolean {
    return this.findings.length >= CHUNK_FINDINGS;
  }

  /** The chunk so far (possibly empty), and a fresh one started. */
  take(): GraphFacts {
    const chunk: GraphFacts = { nodes: this.nodes, findings: this.findings };
    this.nodes = [];
    this.findings = [];
    return chunk;
  }
}

/** One entry of a finding's `sources`, as an importer writes it. */
export type SourceFact = FindingFact["sources"][number];
