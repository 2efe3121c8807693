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
