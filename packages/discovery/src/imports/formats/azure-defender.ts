// Microsoft Defender for Cloud (Azure Security Center) recommendations exported as CSV. Counting
// rule: rows whose state is Unhealthy (Healthy and NotApplicable are not problems). The import
// target is each row's resource id.
import { ChunkBuilder, importSourceKey, severityOf, str } from "../facts.js";
import { csvRows } from "../csv.js";
import type { GraphFactsStream, Importer, ImportSource, ParseContext } from "../registry.js";

const ID = "azure-defender";
const FORMAT = "Azure Defender recommendations CSV";

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const out = new ChunkBuilder();
  for await (const { line, row } of csvRows(src, FORMAT)) {
    if (str(row.state)?.toLowerCase() !== "unhealthy") continue;
    const resId = str(row.resourceId);
    const rule = str(row.recommendationName) ?? str(row.recommendationId);
    if (!resId || !rule) {
      ctx.skip(`line ${line}`, !resId ? "no resourceId" : "no recommendationName");
      continue;
    }
    // Azure resource ids are compared lower-cased (DESIGN "The security graph").
    const id = resId.toLowerCase();
    out.add({
      kind: "misconfiguration",
      ruleId: rule.slice(0, 512),
      package: "",
      title: (str(row.recommendationDisplayName) ?? rule).slice(0, 4096),
      resource: { ids: [id], type: str(row.resourceType) ?? "resource", name: str(row.resourceName) ?? id },
      props: {
        subscription: str(row.subscriptionId),
        resourceGroup: str(row.resourceGroup),
        remediation: str(row.remediationSteps)?.slice(0, 2048),
      },
      sources: [
        {
          tool: "defender-for-cloud",
          sourceKey: importSourceKey(ID, "defender-for-cloud", id),
          severity: severityOf(row.severity),
        },
      ],
    });
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const azureDefenderImporter: Importer = {
  id: ID,
  format: FORMAT,
  detect(s) {
    const h = s.csvHeader;
    return h && h.includes("recommendationName") && h.includes("resourceId") && h.includes("state") ? 80 : 0;
  },
  parse,
};
