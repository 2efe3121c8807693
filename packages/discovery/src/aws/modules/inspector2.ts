// Inspector2 package-vulnerability findings (opt-in per scope): one finding per vulnerable
// package, on the instance or image Inspector names. The tool name and resource identifiers are
// the ones the Inspector2 importer uses, so a finding seen by both is one finding with two sources.
import { paginateListFindings } from "@aws-sdk/client-inspector2";
import type { Finding as InspectorFinding } from "@aws-sdk/client-inspector2";
import type { FindingFact, FindingSeverity } from "@ctem/model";
import { allPages } from "../errors.js";
import { defineModule } from "../module.js";

const SEVERITY: Record<string, FindingSeverity> = {
  CRITICAL: "critical",
  HIGH: "high",
  MEDIUM: "medium",
  LOW: "low",
  INFORMATIONAL: "info",
  UNTRIAGED: "unknown",
};

/** The resource's identifiers, most specific first: an EC2 instance's ARN, then the id Inspector gives. */
export function inspectorResourceIds(
  r: NonNullable<InspectorFinding["resources"]>[number],
  finding: Pick<InspectorFinding, "awsAccountId">,
  partition: string,
): string[] {
  const ids: string[] = [];
  if (r.type === "AWS_EC2_INSTANCE" && r.id?.startsWith("i-") && r.region && finding.awsAccountId)
    ids.push(`arn:${partition}:ec2:${r.region}:${finding.awsAccountId}:instance/${r.id}`);
  if (r.id) ids.push(r.id);
  const digest = r.details?.awsEcrContainerImage?.imageHash;
  if (digest) ids.push(digest);
  return [...new Set(ids)];
}

export const inspector2Findings = defineModule<InspectorFinding[]>({
  id: "aws-inspector2-findings",
  description:
    "Inspector2 active package-vulnerability findings on instances and images (when the scope enables it).",
  scope: "regional",
  optIn: "inspector2",
  produces: { nodes: [], edges: [], findings: true },
  dependsOn: [],
  permissions: ["inspector2:ListFindings"],
  collect: ({ clients, region }) =>
    allPages(
      "inspector2:ListFindings",
      paginateListFindings(
        { client: clients.inspector2(region) },
        {
          filterCriteria: {
            findingStatus: [{ comparison: "EQUALS", value: "ACTIVE" }],
            findingType: [{ comparison: "EQUALS", value: "PACKAGE_VULNERABILITY" }],
          },
        },
      ),
      (p) => p.findings,
    ),
  transform(findings, ctx) {
    const out: FindingFact[] = [];
    for (const f of findings) {
      // The listing asks for ACTIVE only; an endpoint that ignores the filter must not resurrect fixed ones.
      if (f.status && f.status !== "ACTIVE") continue;
      const pvd = f.packageVulnerabilityDetails;
      const res = f.resources?.[0];
      if (!pvd?.vulnerabilityId || !res) continue;
      const ids = inspectorResourceIds(res, f, ctx.partition);
      if (!ids.length) continue;
      const vector =
        f.inspectorScoreDetails?.adjustedCvss?.scoringVector ??
        pvd.cvss?.find((c) => c.scoringVector)?.scoringVector;
      const seen = new Set<string>();
      for (const p of pvd.vulnerablePackages?.length ? pvd.vulnerablePackages : [{ name: "" }]) {
        const pkg = p.name ?? "";
        if (seen.has(pkg)) continue;
        seen.add(pkg);
        const fact: FindingFact = {
          kind: "vulnerability",
          ruleId: pvd.vulnerabilityId,
          package: pkg,
          resource: { ids, type: res.type ?? "resource", name: ids[ids.length > 1 ? 1 : 0]! },
          props: {
            findingArn: f.findingArn,
            ...(f.epss?.score !== undefined ? { epss: f.epss.score } : {}),
            ...(f.exploitAvailable ? { exploitAvailable: f.exploitAvailable } : {}),
            ...(f.fixAvailable ? { fixAvailable: f.fixAvailable } : {}),
            ...(f.inspectorScore !== undefined ? { inspectorScore: f.inspectorScore } : {}),
          },
          sources: [
            {
              tool: "inspector2",
              sourceKey: ctx.key,
              severity: SEVERITY[f.severity ?? ""] ?? "unknown",
              ...(vector ? { vector } : {}),
            },
          ],
        };
        if ("version" in p && p.version) fact.installedVersion = p.version;
        if ("fixedInVersion" in p && p.fixedInVersion && p.fixedInVersion !== "NotAvailable")
          fact.fixedVersion = p.fixedInVersion;
        if (f.title) fact.title = f.title.slice(0, 4096);
        out.push(fact);
      }
    }
    return { findings: out };
  },
});
