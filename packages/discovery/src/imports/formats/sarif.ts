// SARIF 2.1.0 (Trivy, OWASP Dependency-Check, Gitleaks, njsscan, CodeQL-style SAST…). Counting
// rule: results whose kind is fail, open or review (or absent: SARIF's default is fail), that
// carry no accepted suppression (status absent, "accepted", or the pre-final `state`), and whose
// baselineState is not "absent". The import target is the run's repository
// (versionControlProvenance) or else the report file; a result's location (file and line) is its
// package, so the same rule in two places is two findings.
import type { FindingFact, FindingSeverity } from "@ctem/model";
import {
  ChunkBuilder,
  arr,
  cveOf,
  importSourceKey,
  obj,
  severityOf,
  severityOfScore,
  str,
  type SourceFact,
} from "../facts.js";
import { JsonReport } from "../json-report.js";
import type { JsonPath } from "../json-walk.js";
import { formatPath } from "../json-walk.js";
import type { GraphFactsStream, Importer, ImportSource, ParseContext } from "../registry.js";

const ID = "sarif";

function isHeader(p: JsonPath): boolean {
  if (p[0] !== "runs" || typeof p[1] !== "number") return false;
  if (p.length === 5 && p[2] === "tool" && p[3] === "driver") return p[4] === "name";
  return p.length === 5 && p[2] === "versionControlProvenance" && p[3] === 0 && p[4] === "repositoryUri";
}

const isRule = (p: JsonPath) =>
  p.length === 6 && p[0] === "runs" && p[2] === "tool" && p[3] === "driver" && p[4] === "rules";
const isResult = (p: JsonPath) => p.length === 4 && p[0] === "runs" && p[2] === "results";

function levelSeverity(level: string | undefined): FindingSeverity {
  switch (level) {
    case "error":
      return "high";
    case "warning":
      return "medium";
    case "note":
      return "low";
    case "none":
      return "info";
    default:
      return "unknown";
  }
}

function suppressed(r: Record<string, unknown>): boolean {
  return arr(r.suppressions)
    .map(obj)
    .some((s) => {
      const status = str(s.status) ?? str(s.state);
      return status === undefined || status === "accepted";
    });
}

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const rep = new JsonReport(src, isHeader);
  const out = new ChunkBuilder();
  const rules = new Map<string, Record<string, unknown>>(); // "run/index" and "run/#id"
  const covered = new Set<number>();
  const base = src.name.split(/[\\/]/).pop() ?? src.name;
  for await (const { path, value } of rep.records((p) => isRule(p) || isResult(p))) {
    const run = path[1] as number;
    if (isRule(path)) {
      const rule = obj(value);
      rules.set(`${run}/${path[5]}`, rule);
      if (str(rule.id)) rules.set(`${run}/#${str(rule.id)}`, rule);
      continue;
    }
    const r = obj(value);
    const where = formatPath(path);
    const repo = str(await rep.require(`runs[${run}].versionControlProvenance[0].repositoryUri`));
    const toolName = str(rep.get(`runs[${run}].tool.driver.name`)) ?? "sarif";
    const tool =
      toolName
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "") || "sarif";
    const target = repo ?? base;
    const key = importSourceKey(ID, tool, target);
    if (!covered.has(run)) {
      covered.add(run);
      ctx.covers(key);
    }
    const kind = str(r.kind) ?? "fail";
    if (!["fail", "open", "review"].includes(kind)) continue;
    if (suppressed(r) || str(r.baselineState) === "absent") continue;
    const ruleIndex =
      typeof r.ruleIndex === "number"
        ? r.ruleIndex
        : typeof obj(r.rule).index === "number"
          ? (obj(r.rule).index as number)
          : undefined;
    const ruleRef = str(r.ruleId) ?? str(obj(r.rule).id);
    const rule =
      (ruleRef ? rules.get(`${run}/#${ruleRef}`) : undefined) ??
      (ruleIndex !== undefined ? rules.get(`${run}/${ruleIndex}`) : undefined) ??
      {};
    const message = str(obj(r.message).text);
    const ruleId = ruleRef ?? str(rule.id) ?? message?.split("\n")[0]?.slice(0, 512);
    if (!ruleId) {
      ctx.skip(where, "no ruleId, rule or message");
      continue;
    }
    const loc = obj(obj(arr(r.locations)[0]).physicalLocation);
    const uri = str(obj(loc.artifactLocation).uri);
    const line = obj(loc.region).startLine;
    const rp = obj(rule.properties);
    const score = Number(str(rp["security-severity"]) ?? str(obj(r.properties)["security-severity"]));
    const level = str(r.level) ?? str(obj(rule.defaultConfiguration).level) ?? "warning";
    const severity = Number.isFinite(score) && score > 0 ? severityOfScore(score) : levelSeverity(level);
    const source: SourceFact = {
      tool,
      sourceKey: key,
      severity: severity === "unknown" ? severityOf(level) : severity,
    };
    const vector = str(rp.cvssv3_vector) ?? str(rp.cvssv2_vector);
    if (vector) source.vector = vector;
    const cve = cveOf(ruleId);
    const tags = arr(rp.tags).map((t) => String(t).toLowerCase());
    const f: FindingFact = {
      kind: cve
        ? "vulnerability"
        : tags.includes("secret") || /gitleaks|secret/i.test(toolName)
          ? "secret"
          : "other",
      ruleId: cve ?? ruleId.slice(0, 512),
      package: uri ? (typeof line === "number" ? `${uri}:${line}` : uri).slice(0, 1024) : "",
      resource: { ids: [target], type: repo ? "repository" : "sarif_target", name: target },
      props: { level, ...(uri ? { location: uri } : {}), ...(typeof line === "number" ? { line } : {}) },
      sources: [source],
    };
    const title = message ?? str(obj(rule.shortDescription).text);
    if (title) f.title = title.slice(0, 4096);
    out.add(f);
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const sarifImporter: Importer = {
  id: ID,
  format: "SARIF 2.1.0 log",
  detect(s) {
    const j = s.json;
    if (!j || j.top !== "object") return 0;
    const v = j.scalars.get("version");
    const schema = str(j.scalars.get("$schema")) ?? "";
    if (j.paths.has("runs") && (v === "2.1.0" || /sarif/i.test(schema))) return 90;
    if (j.paths.has("runs[].tool.driver") || j.paths.has("runs[].results")) return 75;
    return 0;
  },
  parse,
};
