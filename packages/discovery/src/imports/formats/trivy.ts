// Trivy JSON (SchemaVersion 2): image, filesystem, repository, VM and Kubernetes reports, with
// vulnerabilities, misconfigurations and secrets. Counting rule: every entry of a result's
// `Vulnerabilities` and `Secrets`; `Misconfigurations` only with Status FAIL (PASS/EXCEPTION are
// not problems); a vulnerability whose Status is `not_affected` or `fixed`-by-VEX is not a finding
// (Trivy already drops VEX-suppressed ones; a status of not_affected would say the same).
// The import target is the artifact: image (by digest when known), path or repository, or for a
// Kubernetes report each workload.
import type { FindingFact } from "@ctem/model";
import {
  ChunkBuilder,
  cveOf,
  digestIn,
  ids,
  importSourceKey,
  obj,
  severityOf,
  str,
  type SourceFact,
} from "../facts.js";
import { JsonReport } from "../json-report.js";
import type { JsonPath } from "../json-walk.js";
import { formatPath } from "../json-walk.js";
import type { GraphFactsStream, Importer, ImportSource, ParseContext } from "../registry.js";

const ID = "trivy";
const FORMAT = "Trivy JSON report";

const RECORD_KINDS = ["Vulnerabilities", "Misconfigurations", "Secrets"] as const;

/** The report's CVSS vector: the severity source's, else NVD's, else any; v3 before v4 before v2. */
export function trivyVector(v: Record<string, unknown>): string | undefined {
  const cvss = obj(v.CVSS);
  const order = ids(str(v.SeveritySource), "nvd", ...Object.keys(cvss));
  for (const field of ["V3Vector", "V40Vector", "V2Vector"])
    for (const src of order) {
      const vec = str(obj(cvss[src])[field]);
      if (vec) return vec;
    }
  return undefined;
}

interface Target {
  /** Identifiers of the asset, primary first. */
  ids: string[];
  type: string;
  name: string;
  /** The source key's target. */
  key: string;
}

function isHeader(p: JsonPath): boolean {
  const [a, b, c] = p;
  if (p.length === 1) return a === "ArtifactName" || a === "ArtifactType" || a === "ClusterName";
  if (a === "Metadata")
    return b === "ImageID" || ((b === "RepoDigests" || b === "RepoTags") && p.length === 3);
  if (a === "Results" && p.length === 3) return c === "Target" || c === "Class" || c === "Type";
  // Kubernetes reports: Vulnerabilities|Misconfigurations|Resources[i].{Namespace,Kind,Name}
  if (
    p.length === 3 &&
    typeof b === "number" &&
    (a === "Vulnerabilities" || a === "Misconfigurations" || a === "Resources")
  )
    return c === "Namespace" || c === "Kind" || c === "Name";
  return false;
}

/** Results[i].<Kind>[j] or, in a Kubernetes report, <Top>[i].Results[j].<Kind>[k]. */
function isRecord(p: JsonPath): boolean {
  if (p.length === 4 && p[0] === "Results") return (RECORD_KINDS as readonly unknown[]).includes(p[2]);
  if (p.length === 6 && p[2] === "Results" && typeof p[1] === "number")
    return (RECORD_KINDS as readonly unknown[]).includes(p[4]);
  return false;
}

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const rep = new JsonReport(src, isHeader);
  const out = new ChunkBuilder();
  let artifact: Target | undefined;
  const k8s = new Map<string, Target>();

  async function artifactTarget(): Promise<Target> {
    if (artifact) return artifact;
    const name = str(await rep.require("ArtifactName")) ?? src.name;
    const type = str(rep.get("ArtifactType")) ?? "artifact";
    const repoDigest = rep
      .list("Metadata.RepoDigests")
      .map((d) => digestIn(str(d)))
      .find(Boolean);
    const imageId = digestIn(str(rep.get("Metadata.ImageID")));
    const tags = rep.list("Metadata.RepoTags").map(str);
    const primary = repoDigest ?? imageId ?? name;
    artifact = { ids: ids(primary, repoDigest, imageId, name, ...tags), type, name, key: primary };
    return artifact;
  }

  async function k8sTarget(top: string, i: number): Promise<Target> {
    const at = `${top}[${i}]`;
    const cached = k8s.get(at);
    if (cached) return cached;
    const cluster = str(await rep.require("ClusterName")) ?? "cluster";
    const ns = str(await rep.require(`${at}.Namespace`)) ?? "";
    const kind = str(rep.get(`${at}.Kind`)) ?? "";
    const name = str(rep.get(`${at}.Name`)) ?? "";
    const ref = `k8s:${cluster}/${ns}/${kind}/${name}`;
    const t = {
      ids: ids(ref, `${kind}/${name}`),
      type: `kubernetes.${kind.toLowerCase() || "resource"}`,
      name,
      key: ref,
    };
    k8s.set(at, t);
    return t;
  }

  // A clean report still covers its artifact: a rescan without findings clears the old ones.
  let covered = false;

  for await (const { path, value } of rep.records(isRecord)) {
    const kind = path[path.length - 2] as (typeof RECORD_KINDS)[number];
    const resultPath = formatPath(path.slice(0, path.length - 2));
    const target =
      path[0] === "Results" ? await artifactTarget() : await k8sTarget(String(path[0]), path[1] as number);
    const key = importSourceKey(ID, "trivy", target.key);
    if (!covered || path[0] !== "Results") ctx.covers(key);
    covered = true;
    const resultTarget = str(await rep.require(`${resultPath}.Target`)) ?? "";
    const resultClass = str(rep.get(`${resultPath}.Class`));
    const r = obj(value);
    const where = formatPath(path);
    const base = {
      resource: { ids: target.ids, type: target.type, name: target.name },
    };
    const props: Record<string, unknown> = { target: resultTarget };
    if (resultClass) props.class = resultClass;
    let f: FindingFact | undefined;
    if (kind === "Vulnerabilities") {
      const id = str(r.VulnerabilityID);
      if (!id) {
        ctx.skip(where, "no VulnerabilityID");
        continue;
      }
      const status = str(r.Status)?.toLowerCase();
      if (status === "not_affected") continue;
      const source: SourceFact = { tool: "trivy", sourceKey: key, severity: severityOf(r.Severity) };
      const vector = trivyVector(r);
      if (vector) source.vector = vector;
      f = {
        kind: "vulnerability",
        ruleId: cveOf(id) ?? id,
        package: str(r.PkgName) ?? "",
        ...base,
        props: {
          ...props,
          ...(status ? { status } : {}),
          ...(str(r.PkgPath) ? { pkgPath: str(r.PkgPath) } : {}),
        },
        sources: [source],
      };
      const installed = str(r.InstalledVersion);
      const fixed = str(r.FixedVersion);
      const title = str(r.Title);
      if (installed) f.installedVersion = installed.slice(0, 256);
      if (fixed) f.fixedVersion = fixed.slice(0, 256);
      if (title) f.title = title.slice(0, 4096);
    } else if (kind === "Misconfigurations") {
      const status = str(r.Status)?.toUpperCase();
      if (status !== "FAIL") continue;
      const id = str(r.AVDID) ?? str(r.ID);
      if (!id) {
        ctx.skip(where, "no ID");
        continue;
      }
      const title = str(r.Title);
      const cause = obj(r.CauseMetadata);
      f = {
        kind: "misconfiguration",
        ruleId: id,
        // A check on an asset has no package (DESIGN's key): the file it names stays in props.
        package: "",
        ...base,
        props: {
          ...props,
          message: str(r.Message),
          resolution: str(r.Resolution),
          checkType: str(r.Type),
          causeResource: str(cause.Resource),
        },
        sources: [{ tool: "trivy", sourceKey: key, severity: severityOf(r.Severity) }],
      };
      if (title) f.title = title.slice(0, 4096);
    } else {
      const id = str(r.RuleID);
      if (!id) {
        ctx.skip(where, "no RuleID");
        continue;
      }
      const line = typeof r.StartLine === "number" ? r.StartLine : undefined;
      const title = str(r.Title);
      f = {
        kind: "secret",
        ruleId: id,
        package: line === undefined ? resultTarget : `${resultTarget}:${line}`,
        ...base,
        props: { ...props, category: str(r.Category), match: str(r.Match)?.slice(0, 512) },
        sources: [{ tool: "trivy", sourceKey: key, severity: severityOf(r.Severity) }],
      };
      if (title) f.title = title.slice(0, 4096);
    }
    out.add(f);
    if (out.full) yield out.take();
  }
  // Covers the artifact even when the report lists no findings at all.
  const hasResults = rep.get("ArtifactName") !== undefined;
  if (!covered && hasResults) ctx.covers(importSourceKey(ID, "trivy", (await artifactTarget()).key));
  yield out.take();
}

export const trivyImporter: Importer = {
  id: ID,
  format: FORMAT,
  detect(s) {
    const j = s.json;
    if (!j || j.top !== "object") return 0;
    if (j.scalars.has("SchemaVersion") && (j.paths.has("ArtifactName") || j.paths.has("Results"))) return 90;
    if (
      j.paths.has("ClusterName") &&
      (j.paths.has("Vulnerabilities") || j.paths.has("Misconfigurations") || j.paths.has("Resources"))
    )
      return 80;
    if (
      j.paths.has("Results[].Target") &&
      (j.paths.has("Results[].Vulnerabilities") || j.paths.has("Results[].Class"))
    )
      return 70;
    return 0;
  },
  parse,
};
