// Google Artifact Analysis vulnerability occurrences, as exported with their summary
// (`{ "package_vulnerability_summary": { "vulnerabilities": { "CRITICAL": [occurrence…], … } } }`),
// or a bare list of occurrences. Counting rule: every occurrence of kind VULNERABILITY, one per
// packageIssue (none: one). The import target is the occurrence's resourceUri (the image).
import type { FindingFact } from "@ctem/model";
import {
  ChunkBuilder,
  arr,
  cveOf,
  digestIn,
  ids,
  importSourceKey,
  obj,
  severityOf,
  str,
  type SourceFact,
} from "../facts.js";
import { formatPath, walkJson } from "../json-walk.js";
import type { JsonPath } from "../json-walk.js";
import type { GraphFactsStream, Importer, ImportSource, ParseContext } from "../registry.js";

const ID = "gcp-artifact-analysis";

const isOccurrence = (p: JsonPath) =>
  (p.length === 4 &&
    p[0] === "package_vulnerability_summary" &&
    p[1] === "vulnerabilities" &&
    typeof p[3] === "number") ||
  (p.length === 1 && typeof p[0] === "number") ||
  (p.length === 2 && p[0] === "occurrences" && typeof p[1] === "number");

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const out = new ChunkBuilder();
  for await (const { path, value } of walkJson(src.open(), isOccurrence)) {
    const o = obj(value);
    if ((str(o.kind) ?? "VULNERABILITY") !== "VULNERABILITY") continue;
    const where = formatPath(path);
    const v = obj(o.vulnerability);
    const uri = str(o.resourceUri) ?? str(obj(o.resource).uri);
    const note = str(o.noteName)?.split("/").pop();
    const rule = cveOf(note) ?? cveOf(str(v.shortDescription)) ?? note ?? str(v.shortDescription);
    if (!uri || !rule) {
      ctx.skip(where, !uri ? "no resourceUri" : "no noteName");
      continue;
    }
    const target = uri.replace(/^https:\/\//, "");
    const key = importSourceKey(ID, "artifact-analysis", target);
    const source: SourceFact = {
      tool: "artifact-analysis",
      sourceKey: key,
      severity: severityOf(v.effectiveSeverity ?? v.severity),
    };
    const vector = /CVSS:3\.[01]\/[A-Z:/]+/.exec(str(v.longDescription) ?? "")?.[0];
    if (vector) source.vector = vector;
    const issues = arr(v.packageIssue).map(obj);
    for (const p of issues.length ? issues : [{}]) {
      const f: FindingFact = {
        kind: "vulnerability",
        ruleId: rule.slice(0, 512),
        package: str(p.affectedPackage) ?? "",
        resource: { ids: ids(target, digestIn(uri), uri), type: "container_image", name: target },
        props: {
          occurrence: str(o.name),
          ...(str(p.packageType) ? { packageType: str(p.packageType) } : {}),
        },
        sources: [source],
      };
      const installed = str(obj(p.affectedVersion).fullName);
      const fixed = str(obj(p.fixedVersion).fullName);
      if (installed) f.installedVersion = installed.slice(0, 256);
      if (fixed) f.fixedVersion = fixed.slice(0, 256);
      f.title = rule;
      out.add(f);
    }
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const gcpArtifactImporter: Importer = {
  id: ID,
  format: "GCP Artifact Analysis occurrences JSON",
  detect(s) {
    const j = s.json;
    if (!j) return 0;
    if (j.paths.has("package_vulnerability_summary") || j.paths.has("image_summary")) return 80;
    if (j.paths.has("discovery_summary.discovery")) return 70;
    if (j.paths.has("[].noteName") && j.paths.has("[].resourceUri")) return 75;
    if (j.paths.has("occurrences[].noteName")) return 75;
    return 0;
  },
  parse,
};
