// AWS Security Finding Format (Security Hub exports, Trivy's ASFF template): `{"Findings": [...]}`,
// `{"findings": [...]}` or a bare array. Counting rule: findings with RecordState ACTIVE (or none),
// whose Workflow status is not RESOLVED or SUPPRESSED, and whose Compliance.Status is not PASSED
// (a passed control is not a problem); one finding per vulnerable package of each listed
// vulnerability (none: one finding with no package). The import target is each finding's first
// resource.
import type { FindingFact } from "@ctem/model";
import {
  ChunkBuilder,
  arr,
  cveOf,
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

const ID = "asff";

function isRecord(p: JsonPath): boolean {
  return (
    (p.length === 1 && typeof p[0] === "number") ||
    (p.length === 2 && (p[0] === "Findings" || p[0] === "findings"))
  );
}

/** The tool behind a finding: Inspector, GuardDuty, Security Hub, Trivy… (lower-case, kebab). */
function toolOf(x: Record<string, unknown>): string {
  const pf = obj(x.ProductFields);
  const name =
    str(x.ProductName) ??
    str(pf["aws/securityhub/ProductName"]) ??
    str(pf["Product Name"]) ??
    str(x.CompanyName) ??
    "security-hub";
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "security-hub"
  );
}

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const out = new ChunkBuilder();
  for await (const { path, value } of walkJson(src.open(), isRecord)) {
    const x = obj(value);
    const where = formatPath(path);
    if ((str(x.RecordState)?.toUpperCase() ?? "ACTIVE") !== "ACTIVE") continue;
    const wf = (str(obj(x.Workflow).Status) ?? str(x.WorkflowState))?.toUpperCase();
    if (wf === "RESOLVED" || wf === "SUPPRESSED") continue;
    if (str(obj(x.Compliance).Status)?.toUpperCase() === "PASSED") continue;
    const res = obj(arr(x.Resources)[0]);
    const resId = str(res.Id);
    if (!resId) {
      ctx.skip(where, "no Resources[0].Id");
      continue;
    }
    const details = obj(res.Details);
    const ec2 = obj(details.AwsEc2Instance);
    const vpc = str(ec2.VpcId);
    const rids = ids(
      resId,
      ...(vpc
        ? arr(ec2.IpV4Addresses)
            .map(str)
            .filter(Boolean)
            .map((ip) => `private-ip:${vpc}:${ip}`)
        : []),
    );
    const tool = toolOf(x);
    const key = importSourceKey(ID, tool, resId);
    const other = obj(details.Other);
    const vulns = arr(x.Vulnerabilities).map(obj);
    const severity = severityOf(obj(x.Severity).Label ?? obj(x.Severity).Normalized);
    const resource = { ids: rids, type: str(res.Type) ?? "resource", name: resId };
    const title = str(x.Title)?.slice(0, 4096);
    const props: Record<string, unknown> = {
      asffId: str(x.Id),
      generatorId: str(x.GeneratorId),
      types: arr(x.Types),
    };
    const emit = (f: FindingFact) => {
      if (title) f.title = title;
      out.add(f);
    };
    if (vulns.length) {
      for (const v of vulns) {
        const vid = str(v.Id);
        if (!vid) {
          ctx.skip(where, "a vulnerability without Id");
          continue;
        }
        const source: SourceFact = { tool, sourceKey: key, severity };
        const vector = str(
          arr(v.Cvss)
            .map(obj)
            .find((c) => str(c.BaseVector))?.BaseVector,
        );
        if (vector) source.vector = vector;
        const pkgs = arr(v.VulnerablePackages).map(obj);
        for (const p of pkgs.length ? pkgs : [{}]) {
          const f: FindingFact = {
            kind: "vulnerability",
            ruleId: cveOf(vid) ?? vid,
            package: str(p.Name) ?? "",
            resource,
            props,
            sources: [source],
          };
          if (str(p.Version)) f.installedVersion = str(p.Version)!.slice(0, 256);
          if (str(p.FixedInVersion)) f.fixedVersion = str(p.FixedInVersion)!.slice(0, 256);
          emit(f);
        }
      }
    } else if (cveOf(other["CVE ID"])) {
      // Trivy's ASFF template keeps the CVE under Resources[].Details.Other.
      const source: SourceFact = { tool, sourceKey: key, severity };
      const vector = str(other.NvdCvssVectorV3) ?? str(other.NvdCvssVectorV2);
      if (vector) source.vector = vector;
      const f: FindingFact = {
        kind: "vulnerability",
        ruleId: cveOf(other["CVE ID"])!,
        package: str(other.PkgName) ?? "",
        resource,
        props,
        sources: [source],
      };
      if (str(other["Installed Package"]))
        f.installedVersion = str(other["Installed Package"])!.slice(0, 256);
      if (str(other["Patched Package"])) f.fixedVersion = str(other["Patched Package"])!.slice(0, 256);
      emit(f);
    } else {
      const ruleId = str(obj(x.Compliance).SecurityControlId) ?? str(x.GeneratorId) ?? str(x.Id);
      if (!ruleId) {
        ctx.skip(where, "no GeneratorId or Id");
        continue;
      }
      const types = arr(x.Types).map(str).join(" ");
      emit({
        kind: /Software and Configuration Checks/.test(types) ? "misconfiguration" : "other",
        ruleId: ruleId.slice(0, 512),
        package: "",
        resource,
        props,
        sources: [{ tool, sourceKey: key, severity }],
      });
    }
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const asffImporter: Importer = {
  id: ID,
  format: "AWS Security Hub ASFF JSON",
  detect(s) {
    const j = s.json;
    if (!j) return 0;
    const has = (k: string) =>
      j.paths.has(`Findings[].${k}`) || j.paths.has(`findings[].${k}`) || j.paths.has(`[].${k}`);
    if (has("ProductArn") || (has("SchemaVersion") && has("GeneratorId"))) return 85;
    // An empty list: `{"Findings": []}` or `[]` — 0 findings whichever format it could be.
    if (j.complete && j.paths.size === 0 && j.top === "array") return 40;
    if (j.top === "object" && j.complete && j.paths.size === 1 && j.paths.has("Findings")) return 50;
    return 0;
  },
  parse,
};
