// Grype JSON (`grype -o json`), descriptor versions 0.7 to 0.94. Counting rule: every entry of
// `matches`. The rule id is the CVE: the match's own id when it is one, else the first CVE among
// its related vulnerabilities (GHSA-… records), else the id as given. The import target is the
// scanned source: an image by manifest digest (else image id, else the name the user gave), or a
// directory/file path. `source` comes after `matches` in Grype's output, so it is read first.
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
import { JsonReport } from "../json-report.js";
import type { JsonPath } from "../json-walk.js";
import { formatPath } from "../json-walk.js";
import type { GraphFactsStream, Importer, ImportSource, ParseContext } from "../registry.js";

const ID = "grype";

function isHeader(p: JsonPath): boolean {
  if (p[0] !== "source") return false;
  if (p.length === 2) return p[1] === "type" || p[1] === "target";
  if (p.length === 3 && p[1] === "target")
    return p[2] === "userInput" || p[2] === "imageID" || p[2] === "manifestDigest" || p[2] === "path";
  return p.length === 4 && p[1] === "target" && (p[2] === "repoDigests" || p[2] === "tags");
}

function vectorOf(vuln: Record<string, unknown>, related: unknown[]): string | undefined {
  const all = [vuln, ...related.map(obj)].flatMap((v) => arr(v.cvss).map(obj));
  const pick = (pred: (c: Record<string, unknown>) => boolean) =>
    str(all.find((c) => pred(c) && str(c.vector))?.vector);
  return (
    pick((c) => str(c.type) === "Primary" && String(c.version).startsWith("3")) ??
    pick((c) => String(c.version).startsWith("3")) ??
    pick((c) => String(c.version).startsWith("4")) ??
    pick(() => true)
  );
}

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const rep = new JsonReport(src, isHeader);
  // Read the source first: it follows the matches in Grype's output.
  await rep.require("source.type");
  const type = str(rep.get("source.type")) ?? "unknown";
  const userInput =
    str(rep.get("source.target.userInput")) ??
    str(rep.get("source.target.path")) ??
    str(rep.get("source.target"));
  const manifest = digestIn(str(rep.get("source.target.manifestDigest")));
  const repoDigest = rep
    .list("source.target.repoDigests")
    .map((d) => digestIn(str(d)))
    .find(Boolean);
  const imageId = digestIn(str(rep.get("source.target.imageID")));
  const tags = rep.list("source.target.tags").map(str);
  const primary = repoDigest ?? manifest ?? imageId ?? userInput ?? src.name;
  const resource = {
    ids: ids(primary, repoDigest, manifest, imageId, userInput, ...tags),
    type: type === "image" ? "container_image" : type,
    name: userInput ?? primary,
  };
  const key = importSourceKey(ID, "grype", primary);
  ctx.covers(key);
  const out = new ChunkBuilder();
  for await (const { path, value } of rep.records((p) => p.length === 2 && p[0] === "matches")) {
    const m = obj(value);
    const vuln = obj(m.vulnerability);
    const related = arr(m.relatedVulnerabilities);
    const art = obj(m.artifact);
    const id = str(vuln.id);
    if (!id) {
      ctx.skip(formatPath(path), "no vulnerability.id");
      continue;
    }
    const cve = cveOf(id) ?? related.map((r) => cveOf(obj(r).id)).find(Boolean);
    const source: SourceFact = { tool: "grype", sourceKey: key, severity: severityOf(vuln.severity) };
    const vector = vectorOf(vuln, related);
    if (vector) source.vector = vector;
    const fix = obj(vuln.fix);
    const fixed = arr(fix.versions).map(str).filter(Boolean).join(", ");
    const f: FindingFact = {
      kind: "vulnerability",
      ruleId: cve ?? id,
      package: str(art.name) ?? "",
      resource,
      props: {
        ...(cve && cve !== id ? { advisory: id } : {}),
        ...(str(art.type) ? { packageType: str(art.type) } : {}),
        ...(str(art.purl) ? { purl: str(art.purl) } : {}),
        ...(str(fix.state) ? { fixState: str(fix.state) } : {}),
        ...(arr(vuln.epss).length ? { epss: obj(arr(vuln.epss)[0]).epss } : {}),
        ...(vuln.knownExploited !== undefined ? { knownExploited: vuln.knownExploited } : {}),
      },
      sources: [source],
    };
    const installed = str(art.version);
    if (installed) f.installedVersion = installed.slice(0, 256);
    if (fixed) f.fixedVersion = fixed.slice(0, 256);
    const title = str(vuln.description);
    if (title) f.title = title.slice(0, 4096);
    out.add(f);
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const grypeImporter: Importer = {
  id: ID,
  format: "Grype JSON report",
  detect(s) {
    const j = s.json;
    if (!j || j.top !== "object") return 0;
    if (
      j.paths.has("matches") &&
      (j.paths.has("matches[].vulnerability") || j.paths.has("descriptor") || j.paths.has("source"))
    )
      return 85;
    if (/^\s*\{\s*"matches"\s*:/.test(s.head)) return 60;
    return 0;
  },
  parse,
};
