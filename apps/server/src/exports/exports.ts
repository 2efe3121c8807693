// Exports: issues as CSV and JSON; findings as SARIF 2.1.0, each result carrying ctem's priority
// (reachability-aware score and severity) beside the scanners' own severities.
import type { Finding, FindingPriority, Issue } from "@ctem/model";

const CSV_COLUMNS = [
  "alias",
  "key",
  "title",
  "rule",
  "severity",
  "score",
  "confidence",
  "status",
  "entry",
  "target",
  "assignee_user",
  "assignee_team",
  "first_seen",
  "due_at",
  "resolved_at",
  "reason",
] as const;

/** A CSV cell; a leading = + - @ is neutralised so a spreadsheet never runs it as a formula. */
function cell(v: string | number | null | undefined): string {
  let s = v === null || v === undefined ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function issuesCsv(issues: readonly Issue[]): string {
  const rows = [CSV_COLUMNS.join(",")];
  for (const i of issues)
    rows.push(
      [
        i.alias,
        i.key,
        i.title,
        i.rule,
        i.severity,
        i.score,
        i.confidence,
        i.status,
        i.entry.id,
        i.target.id,
        i.assignee.user,
        i.assignee.team,
        i.firstSeen,
        i.dueAt,
        i.resolvedAt,
        i.reason,
      ]
        .map(cell)
        .join(","),
    );
  return rows.join("\r\n") + "\r\n";
}

const LEVEL = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" } as const;
const RANK = { critical: 4, high: 3, medium: 2, low: 1, info: 0, unknown: 0 } as Record<string, number>;

export function findingsSarif(
  findings: readonly Finding[],
  priorities: ReadonlyMap<string, FindingPriority>,
  version: string,
): unknown {
  const rules = new Map<string, { id: string; shortDescription: { text: string } }>();
  const results = findings.map((f) => {
    if (!rules.has(f.ruleId))
      rules.set(f.ruleId, { id: f.ruleId, shortDescription: { text: f.title ?? f.ruleId } });
    const p = priorities.get(f.key);
    const reported = [...f.sources].sort((a, b) => (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0))[0]!
      .severity;
    const severity = p?.severity ?? reported;
    const where = f.package ? ` in ${f.package}${f.installedVersion ? ` ${f.installedVersion}` : ""}` : "";
    return {
      ruleId: f.ruleId,
      level: LEVEL[severity as keyof typeof LEVEL] ?? "none",
      message: {
        text: `${f.ruleId}${where} on ${f.resource.name ?? f.resource.ids[0]}${f.fixedVersion ? ` (fixed in ${f.fixedVersion})` : ""}`,
      },
      locations: [
        {
          logicalLocations: [
            { fullyQualifiedName: f.matched ? f.assetRef : f.resource.ids[0], kind: "resource" },
          ],
        },
      ],
      partialFingerprints: { ctemFindingKey: f.key },
      properties: {
        priorityScore: p?.score ?? null,
        prioritySeverity: p?.severity ?? null,
        onAttackPath: p?.onPath ?? false,
        reportedSeverities: f.sources.map((s) => ({ tool: s.tool, severity: s.severity })),
        firstSeen: f.firstSeen,
        lastSeen: f.lastSeen,
      },
    };
  });
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "ctem",
            version,
            informationUri: "https://github.com/ctem/ctem",
            rules: [...rules.values()],
          },
        },
        results,
      },
    ],
  };
}

/** OCSF severity_id: 1 informational … 5 critical. */
const OCSF_SEVERITY: Record<string, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
const OCSF_VERSION = "1.8.0";

/**
 * Findings as OCSF 1.8.0 events: CVEs as Vulnerability Finding (2002), everything else as
 * Detection Finding (2004), activity Create (1), status New (1).
 */
export function findingsOcsf(
  findings: readonly Finding[],
  priorities: ReadonlyMap<string, FindingPriority>,
  version: string,
  now: Date,
): unknown[] {
  return findings.map((f) => {
    const vuln = f.kind === "vulnerability" && /^CVE-\d{4}-\d+$/i.test(f.ruleId);
    const classUid = vuln ? 2002 : 2004;
    const p = priorities.get(f.key);
    const reported = [...f.sources].sort((a, b) => (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0))[0]!
      .severity;
    const severity = p?.severity ?? reported;
    const resourceId = f.matched ? f.assetRef : f.resource.ids[0]!;
    return {
      activity_id: 1,
      category_uid: 2,
      class_uid: classUid,
      type_uid: classUid * 100 + 1,
      severity_id: OCSF_SEVERITY[severity] ?? 0,
      status_id: 1,
      time: now.getTime(),
      message: `${f.ruleId} on ${f.resource.name ?? resourceId}`,
      metadata: { product: { name: "ctem", vendor_name: "ctem", version }, version: OCSF_VERSION },
      finding_info: {
        uid: f.key,
        title: f.title ?? f.ruleId,
        first_seen_time: Date.parse(f.firstSeen),
        last_seen_time: Date.parse(f.lastSeen),
        product: { name: "ctem", vendor_name: "ctem" },
      },
      resources: [{ uid: resourceId, ...(f.resource.type ? { type: f.resource.type } : {}) }],
      ...(vuln
        ? {
            vulnerabilities: [
              {
                cve: { uid: f.ruleId.toUpperCase() },
                title: f.title ?? f.ruleId,
                ...(f.package
                  ? {
                      affected_packages: [
                        {
                          name: f.package,
                          version: f.installedVersion ?? "unknown",
                          ...(f.fixedVersion ? { fixed_in_version: f.fixedVersion } : {}),
                        },
                      ],
                    }
                  : {}),
              },
            ],
          }
        : {}),
      unmapped: {
        ctem_priority_score: p?.score ?? null,
        ctem_on_attack_path: p?.onPath ?? false,
        reported_severities: f.sources.map((s) => ({ tool: s.tool, severity: s.severity })),
      },
    };
  });
}
