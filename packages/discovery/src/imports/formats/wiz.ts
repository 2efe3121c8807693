// Wiz issues exported as CSV. Counting rule: rows whose Status is OPEN or IN_PROGRESS (RESOLVED
// and REJECTED are closed). The import target is each row's resource (external id).
import { ChunkBuilder, ids, importSourceKey, severityOf, str } from "../facts.js";
import { csvRows } from "../csv.js";
import type { GraphFactsStream, Importer, ImportSource, ParseContext } from "../registry.js";

const ID = "wiz";
const FORMAT = "Wiz issues CSV";

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const out = new ChunkBuilder();
  for await (const { line, row } of csvRows(src, FORMAT)) {
    const status = str(row.Status)?.toUpperCase();
    if (status !== "OPEN" && status !== "IN_PROGRESS") continue;
    const resId = str(row["Resource external ID"]) ?? str(row["Resource vertex ID"]);
    const rule = str(row["Control ID"]) ?? str(row.Title);
    if (!resId || !rule) {
      ctx.skip(`line ${line}`, !resId ? "no Resource external ID" : "no Control ID or Title");
      continue;
    }
    out.add({
      kind: "misconfiguration",
      ruleId: rule.slice(0, 512),
      package: "",
      title: (str(row.Title) ?? rule).slice(0, 4096),
      resource: {
        ids: ids(resId, str(row["Resource vertex ID"]), str(row["Resource Name"])),
        type: str(row["Resource Type"]) ?? "resource",
        name: str(row["Resource Name"]) ?? resId,
      },
      props: {
        issueId: str(row["Issue ID"]),
        status,
        platform: str(row["Resource Platform"]),
        region: str(row["Resource Region"]),
        subscription: str(row["Subscription ID"]),
      },
      sources: [
        { tool: "wiz", sourceKey: importSourceKey(ID, "wiz", resId), severity: severityOf(row.Severity) },
      ],
    });
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const wizImporter: Importer = {
  id: ID,
  format: FORMAT,
  detect(s) {
    const h = s.csvHeader;
    return h && h.includes("Issue ID") && h.includes("Resource external ID") && h.includes("Status") ? 80 : 0;
  },
  parse,
};
