// AWS Inspector2 findings export (ListFindings JSON, `{"findings": [...]}`). Counting rule: every
// finding with status ACTIVE (CLOSED means fixed, SUPPRESSED means muted), one finding per
// vulnerable package it lists (repeats of the same package collapse, by DESIGN's finding key);
// network-reachability and code findings count once with no package. The import target is each
// finding's own resource (multi-resource format).
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
import { walkJson, formatPath } from "../json-walk.js";
import type { GraphFactsStream, Importer, ImportSource, ParseContext } from "../registry.js";

const ID = "inspector2";

/** Identifiers of an Inspector2 resource: its ARN or id, the instance id, image digest, private IPs. */
export function inspectorResourceIds(r: Record<string, unknown>): string[] {
  const d = obj(r.details);
  const ec2 = obj(d.awsEc2Instance);
  const ecr = obj(d.awsEcrContainerImage);
  const lambda = obj(d.awsLambdaFunction);
  const id = str(r.id);
  const vpc = str(ec2.vpcId) ?? str(obj(lambda.vpcConfig).vpcId);
  const ips = arr(ec2.ipV4Addresses).map(str);
  return ids(
    id,
    digestIn(str(ecr.imageHash)),
    ...(vpc ? ips.filter(Boolean).map((ip) => `private-ip:${vpc}:${ip}`) : []),
  );
}

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const out = new ChunkBuilder();
  for await (const { path, value } of walkJson(src.open(), (p) => p.length === 2 && p[0] === "findings")) {
    const x = obj(value);
    const where = formatPath(path);
    const status = str(x.status)?.toUpperCase();
    if (status === "CLOSED" || status === "SUPPRESSED") continue;
    const res = obj(arr(x.resources)[0]);
    const rids = inspectorResourceIds(res);
    if (!rids.length) {
      ctx.skip(where, "no resources[0].id");
      continue;
    }
    const key = importSourceKey(ID, "inspector2", rids[0]!);
    const pvd = obj(x.packageVulnerabilityDetails);
    const vulnId = str(pvd.vulnerabilityId);
    const ruleId = cveOf(vulnId) ?? vulnId ?? str(x.type) ?? str(x.title);
    if (!ruleId) {
      ctx.skip(where, "no vulnerability id or type");
      continue;
    }
    const source: SourceFact = { tool: "inspector2", sourceKey: key, severity: severityOf(x.severity) };
    const vector =
      str(obj(obj(x.inspectorScoreDetails).adjustedCvss).scoringVector) ??
      str(
        arr(pvd.cvss)
          .map(obj)
          .find((c) => str(c.scoringVector))?.scoringVector,
      );
    if (vector) source.vector = vector;
    const resource = { ids: rids, type: str(res.type) ?? "resource", name: rids[0]! };
    const props: Record<string, unknown> = {
      findingArn: str(x.findingArn),
      type: str(x.type),
      ...(obj(x.epss).score !== undefined ? { epss: obj(x.epss).score } : {}),
      ...(str(x.exploitAvailable) ? { exploitAvailable: str(x.exploitAvailable) } : {}),
      ...(str(x.fixAvailable) ? { fixAvailable: str(x.fixAvailable) } : {}),
    };
    const ports = obj(x.networkReachabilityDetails).openPortRange;
    const port =
      typeof obj(ports).begin === "number" && obj(ports).begin === obj(ports).end
        ? (obj(ports).begin as number)
        : undefined;
    const pkgs = arr(pvd.vulnerablePackages).map(obj);
    const title = str(x.title)?.slice(0, 4096);
    for (const p of pkgs.length ? pkgs : [{}]) {
      const f: FindingFact = {
        kind: vulnId ? "vulnerability" : x.type === "NETWORK_REACHABILITY" ? "misconfiguration" : "other",
        ruleId,
        package: str(p.name) ?? "",
        resource,
        props,
        sources: [source],
      };
      const installed = str(p.version);
      const fixed = str(p.fixedInVersion);
      if (installed) f.installedVersion = installed.slice(0, 256);
      if (fixed && fixed !== "NotAvailable") f.fixedVersion = fixed.slice(0, 256);
      if (title) f.title = title;
      if (port !== undefined) f.port = port;
      out.add(f);
    }
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const inspector2Importer: Importer = {
  id: ID,
  format: "AWS Inspector2 findings export",
  detect(s) {
    const j = s.json;
    if (!j || j.top !== "object" || !j.paths.has("findings")) return 0;
    const keys = [
      "findingArn",
      "awsAccountId",
      "packageVulnerabilityDetails",
      "inspectorScore",
      "exploitAvailable",
    ];
    if (keys.some((k) => j.paths.has(`findings[].${k}`))) return 85;
    // `{"findings": []}`: nothing to tell Inspector2 from an ASFF export; both give 0 findings.
    if (j.complete && j.paths.size === 1) return 50;
    return 0;
  },
  parse,
};
