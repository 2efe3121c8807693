// OCSF findings as JSON (Prowler's `--output-formats json-ocsf`, other OCSF 1.x producers): an
// array of events (one event per line, NDJSON, is not read yet). Counting rule: events of the Findings category
// (class_uid 2001–2099) whose status_code is FAIL (PASS, MANUAL and MUTED are not problems; an
// event without status_code counts unless its status is Resolved or Suppressed); a Vulnerability
// Finding (2002) gives one finding per vulnerability and affected package. The import target is
// each event's first resource (multi-resource format).
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
import type { GraphFactsStream, Importer, ImportSource, ParseContext } from "../registry.js";

const ID = "ocsf";

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const out = new ChunkBuilder();
  for await (const { path, value } of walkJson(
    src.open(),
    (p) => p.length === 1 && typeof p[0] === "number",
  )) {
    const e = obj(value);
    const where = formatPath(path);
    const cls = typeof e.class_uid === "number" ? e.class_uid : Number(e.class_uid);
    if (!(cls >= 2001 && cls <= 2099)) continue;
    const code = str(e.status_code)?.toUpperCase();
    if (
      code !== undefined
        ? code !== "FAIL"
        : ["resolved", "suppressed"].includes(str(e.status)?.toLowerCase() ?? "")
    )
      continue;
    const res = obj(arr(e.resources)[0] ?? e.resource);
    const cloud = obj(e.cloud);
    const provider = str(cloud.provider) ?? "ocsf";
    const resId = str(res.uid) ?? str(res.name);
    if (!resId) {
      ctx.skip(where, "no resources[0].uid");
      continue;
    }
    const meta = obj(e.metadata);
    const tool = (str(obj(meta.product).name) ?? "ocsf").toLowerCase().replace(/[^a-z0-9]+/g, "-");
    const key = importSourceKey(ID, tool, resId);
    const resource = {
      ids: ids(resId, str(res.name)),
      type: str(res.type) ?? "resource",
      name: str(res.name) ?? resId,
    };
    const severity = severityOf(e.severity);
    const info = obj(e.finding_info);
    const title = (str(info.title) ?? str(e.message))?.slice(0, 4096);
    const props: Record<string, unknown> = {
      provider,
      ...(str(obj(cloud.account).uid) ? { account: str(obj(cloud.account).uid) } : {}),
      ...((str(res.region) ?? str(cloud.region)) ? { region: str(res.region) ?? str(cloud.region) } : {}),
      ...(str(e.status_detail) ? { statusDetail: str(e.status_detail)!.slice(0, 1024) } : {}),
    };
    const vulns = arr(e.vulnerabilities).map(obj);
    if (vulns.length) {
      for (const v of vulns) {
        const cveId = str(obj(v.cve).uid);
        const rule = cveOf(cveId) ?? cveId ?? str(v.title);
        if (!rule) {
          ctx.skip(where, "a vulnerability without cve.uid or title");
          continue;
        }
        const source: SourceFact = { tool, sourceKey: key, severity: severityOf(v.severity ?? e.severity) };
        const vector = str(
          arr(obj(v.cve).cvss)
            .map(obj)
            .find((c) => str(c.vector_string))?.vector_string,
        );
        if (vector) source.vector = vector;
        const pkgs = arr(v.affected_packages).map(obj);
        for (const p of pkgs.length ? pkgs : [{}]) {
          const f: FindingFact = {
            kind: "vulnerability",
            ruleId: rule.slice(0, 512),
            package: str(p.name) ?? "",
            resource,
            props,
            sources: [source],
          };
          if (str(p.version)) f.installedVersion = str(p.version)!.slice(0, 256);
          if (str(p.fixed_in_version)) f.fixedVersion = str(p.fixed_in_version)!.slice(0, 256);
          if (title) f.title = title;
          out.add(f);
        }
      }
    } else {
      const rule = str(meta.event_code) ?? str(info.uid) ?? title;
      if (!rule) {
        ctx.skip(where, "no metadata.event_code or finding_info.uid");
        continue;
      }
      const f: FindingFact = {
        kind: "misconfiguration",
        ruleId: rule.slice(0, 512),
        package: "",
        resource,
        props,
        sources: [{ tool, sourceKey: key, severity }],
      };
      if (title) f.title = title;
      out.add(f);
    }
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const ocsfImporter: Importer = {
  id: ID,
  format: "OCSF findings JSON (Prowler)",
  detect(s) {
    const j = s.json;
    if (!j || j.top !== "array") return 0;
    if (
      j.paths.has("[].class_uid") &&
      (j.paths.has("[].finding_info") || j.paths.has("[].metadata") || j.paths.has("[].status_code"))
    )
      return 85;
    // OCSF's metadata names its schema version and the producing product (Prowler puts it early).
    if (j.paths.has("[].metadata.version") && j.paths.has("[].metadata.product")) return 70;
    return 0;
  },
  parse,
};
