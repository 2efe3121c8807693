// CycloneDX 1.4+ JSON with vulnerabilities (a BOM with findings, or a VEX document). Counting
// rule: one finding per (vulnerability, affected component reference), except where the
// vulnerability's analysis.state is not_affected, false_positive or resolved (VEX says it does
// not apply). The import target is the BOM's subject: metadata.component (bom-ref, else
// name@version), else the serial number, else the file. Components are read first: a
// vulnerability names them by bom-ref.
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

const ID = "cyclonedx";
const NOT_APPLICABLE = new Set(["not_affected", "false_positive", "resolved", "resolved_with_pedigree"]);

interface Comp {
  name: string;
  version?: string;
  purl?: string;
}

// Components may nest (components[].components[]); any depth of that chain is a component.
const isComponent = (p: JsonPath) =>
  p.length >= 2 &&
  p.length % 2 === 0 &&
  p.every((x, i) => (i % 2 === 0 ? x === "components" : typeof x === "number"));

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const comps = new Map<string, Comp>();
  let subject: Record<string, unknown> = {};
  let serial: string | undefined;
  const pre = walkJson(
    src.open(),
    (p) => isComponent(p) || (p.length === 2 && p[0] === "metadata" && p[1] === "component"),
    (p, v) => {
      if (p.length === 1 && p[0] === "serialNumber") serial = str(v);
    },
  );
  for await (const { path, value } of pre) {
    const c = obj(value);
    if (path[0] === "metadata") subject = c;
    const ref = str(c["bom-ref"]);
    const name = str(c.name);
    if (ref && name)
      comps.set(ref, {
        name: str(c.group) ? `${str(c.group)}:${name}` : name,
        version: str(c.version),
        purl: str(c.purl),
      });
  }
  const subjectName = str(subject.name);
  const subjectRef = str(subject["bom-ref"]);
  const target =
    (subjectName ? `${subjectName}${str(subject.version) ? `@${str(subject.version)}` : ""}` : undefined) ??
    serial ??
    src.name;
  const key = importSourceKey(ID, "cyclonedx", target);
  ctx.covers(key);
  const resource = {
    ids: ids(target, subjectRef, str(subject.purl), serial),
    type: str(subject.type) ?? "bom",
    name: subjectName ?? target,
  };
  const out = new ChunkBuilder();
  for await (const { path, value } of walkJson(
    src.open(),
    (p) => p.length === 2 && p[0] === "vulnerabilities",
  )) {
    const v = obj(value);
    const where = formatPath(path);
    const id = str(v.id);
    if (!id) {
      ctx.skip(where, "no id");
      continue;
    }
    if (NOT_APPLICABLE.has(str(obj(v.analysis).state) ?? "")) continue;
    const ratings = arr(v.ratings).map(obj);
    const sev = ratings.map((r) => severityOf(r.severity)).find((s) => s !== "unknown") ?? "unknown";
    const source: SourceFact = { tool: "cyclonedx", sourceKey: key, severity: sev };
    const vector = str(ratings.find((r) => str(r.vector))?.vector);
    if (vector) source.vector = vector;
    const affects = arr(v.affects).map(obj);
    if (!affects.length) {
      ctx.skip(where, "affects no component");
      continue;
    }
    for (const a of affects) {
      const ref = str(a.ref) ?? "";
      const comp = comps.get(ref);
      const f: FindingFact = {
        kind: "vulnerability",
        ruleId: cveOf(id) ?? id,
        package: comp?.name ?? ref,
        resource,
        props: {
          ...(str(obj(v.analysis).state) ? { analysisState: str(obj(v.analysis).state) } : {}),
          ...(comp?.purl ? { purl: comp.purl } : {}),
        },
        sources: [source],
      };
      if (comp?.version) f.installedVersion = comp.version.slice(0, 256);
      const title = str(v.description);
      if (title) f.title = title.slice(0, 4096);
      out.add(f);
    }
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const cyclonedxImporter: Importer = {
  id: ID,
  format: "CycloneDX JSON (1.4+, vulnerabilities/VEX)",
  detect(s) {
    const j = s.json;
    if (!j || j.top !== "object") return 0;
    return j.scalars.get("bomFormat") === "CycloneDX" ? 90 : 0;
  },
  parse,
};
