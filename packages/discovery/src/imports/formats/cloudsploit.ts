// CloudSploit JSON (`--json`): an array of plugin results. Counting rule: results with status
// FAIL or WARN (OK and UNKNOWN are not problems). The import target is each result's resource.
import { ChunkBuilder, obj, importSourceKey, severityOf, str } from "../facts.js";
import { formatPath, walkJson } from "../json-walk.js";
import type { GraphFactsStream, Importer, ImportSource, ParseContext } from "../registry.js";

const ID = "cloudsploit";

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const out = new ChunkBuilder();
  for await (const { path, value } of walkJson(
    src.open(),
    (p) => p.length === 1 && typeof p[0] === "number",
  )) {
    const r = obj(value);
    const status = str(r.status)?.toUpperCase();
    if (status !== "FAIL" && status !== "WARN") continue;
    const plugin = str(r.plugin);
    const region = Array.isArray(r.region) ? r.region.map(String).join(",") : (str(r.region) ?? "global");
    const res = str(r.resource);
    if (!plugin) {
      ctx.skip(formatPath(path), "no plugin");
      continue;
    }
    // A result without a resource is about the account in that region.
    const resId = res && res !== "N/A" ? res : `cloudsploit:${str(r.category) ?? "account"}:${region}`;
    out.add({
      kind: "misconfiguration",
      ruleId: plugin,
      package: "",
      title: (str(r.title) ?? plugin).slice(0, 4096),
      resource: { ids: [resId], type: str(r.category) ?? "resource", name: resId },
      props: { region, status, message: str(r.message)?.slice(0, 2048), category: str(r.category) },
      sources: [
        {
          tool: "cloudsploit",
          sourceKey: importSourceKey(ID, "cloudsploit", resId),
          severity: status === "FAIL" ? severityOf("high") : severityOf("medium"),
        },
      ],
    });
    if (out.full) yield out.take();
  }
  yield out.take();
}

export const cloudsploitImporter: Importer = {
  id: ID,
  format: "CloudSploit JSON",
  detect(s) {
    const j = s.json;
    if (!j || j.top !== "array") return 0;
    return j.paths.has("[].plugin") && (j.paths.has("[].status") || j.paths.has("[].category")) ? 80 : 0;
  },
  parse,
};
