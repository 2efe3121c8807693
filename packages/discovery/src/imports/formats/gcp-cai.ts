// Cloud Asset Inventory exports (exportAssets to Cloud Storage: NDJSON, one asset per line,
// snake_case `asset_type`, `resource`, `iam_policy`, `org_policy`, `access_policy`, `ancestors`).
// The same transform as the connector: RESOURCE lines under `gcp-cai-resource`, IAM_POLICY lines
// under `gcp-cai-iam-policy`; org-policy and access-policy lines are accepted as policy nodes
// (`gcp-cai-org-policy`, `gcp-cai-access-policy`). The source is `gcp:<root>`, the top of the
// hierarchy the export covers, so the files of one export (one per content type) make one estate:
// `ctem import` applies them under one run, and claims of one run never remove each other.
import { ValidationError } from "@ctem/model";
import type { GraphFacts, SourceKey } from "@ctem/model";
import { AssetShapeError, crmName, normalizeAsset, obj, str } from "../../gcp/assets.js";
import type { CaiAsset } from "../../gcp/assets.js";
import { GCP_COLLECTORS, gcpSource } from "../../gcp/source.js";
import {
  addJoins,
  emptyJoins,
  RESOURCE_ASSET_TYPES,
  transformIamPolicies,
  transformOtherPolicies,
  transformResources,
} from "../../gcp/transform.js";
import type { GraphFactsStream, Importer, ImportSource, ParseContext, Sniff } from "../registry.js";

const CHUNK = 500;

async function* lines(src: ImportSource): AsyncGenerator<{ line: number; text: string }> {
  const dec = new TextDecoder();
  let rest = "";
  let n = 0;
  for await (const chunk of src.open()) {
    rest += dec.decode(chunk, { stream: true });
    let i: number;
    while ((i = rest.indexOf("\n")) >= 0) {
      n++;
      yield { line: n, text: rest.slice(0, i) };
      rest = rest.slice(i + 1);
    }
  }
  rest += dec.decode();
  if (rest.length) yield { line: n + 1, text: rest };
}

/** Every asset of the file, validated, in order; a bad line throws naming file and line. */
async function* readAssets(src: ImportSource): AsyncGenerator<CaiAsset> {
  for await (const { line, text } of lines(src)) {
    const t = text.trim();
    if (!t) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(t);
    } catch (e) {
      throw new ValidationError(`${src.name}:${line}: not a JSON line (${(e as Error).message})`, {
        file: src.name,
        line,
      });
    }
    try {
      yield normalizeAsset(raw);
    } catch (e) {
      if (e instanceof AssetShapeError)
        throw new ValidationError(`${src.name}:${line}: not a Cloud Asset Inventory asset: ${e.message}`, {
          file: src.name,
          line,
        });
      throw e;
    }
  }
}

const CRM_NAME = /^\/\/cloudresourcemanager\.googleapis\.com\/(projects|folders|organizations)\//;
const short = (n: string) => n.replace(/^\/\/cloudresourcemanager\.googleapis\.com\//, "");

/**
 * The root an export covers: the organization it holds, else the most common top ancestor, else
 * the top of the parent chain the file itself describes. Fed one asset at a time.
 */
export class ExportRoot {
  private org: string | undefined;
  private readonly tops = new Map<string, number>();
  private readonly parent = new Map<string, string>();
  private start: string | undefined;

  add(a: CaiAsset): void {
    if (!this.org && a.assetType === "cloudresourcemanager.googleapis.com/Organization")
      this.org = short(a.name);
    const top = a.ancestors[a.ancestors.length - 1];
    if (top) this.tops.set(top, (this.tops.get(top) ?? 0) + 1);
    const d = a.resource?.data ?? {};
    const dp = obj(d.parent);
    const p =
      a.resource?.parent ??
      (str(d.parent) ? crmName(str(d.parent)!) : undefined) ??
      (str(dp.id)
        ? crmName(`${str(dp.type) === "organization" ? "organizations" : "folders"}/${str(dp.id)}`)
        : undefined);
    if (CRM_NAME.test(a.name)) {
      if (p) this.parent.set(a.name, p);
      this.start ??= a.name;
    } else if (p && CRM_NAME.test(p)) this.start ??= p;
  }

  root(): string | undefined {
    if (this.org) return this.org;
    if (this.tops.size) return [...this.tops].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]![0];
    if (!this.start) return undefined;
    let cur = this.start;
    for (let i = 0; i < 64 && this.parent.has(cur); i++) cur = this.parent.get(cur)!;
    return short(cur);
  }
}

type Content = "resource" | "iamPolicy" | "orgPolicy" | "accessPolicy";
const contentOf = (a: CaiAsset): Content[] => [
  ...(a.resource ? (["resource"] as const) : []),
  ...(a.iamPolicy ? (["iamPolicy"] as const) : []),
  ...(a.orgPolicy ? (["orgPolicy"] as const) : []),
  ...(a.accessPolicy || a.accessLevel || a.servicePerimeter ? (["accessPolicy"] as const) : []),
];

const MODELLED = new Set<string>(RESOURCE_ASSET_TYPES);

// Two streaming passes, so memory holds one chunk of assets and the join maps, not the file:
// the first finds the root and the e-mail/project joins, the second transforms chunk by chunk.
async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const root = new ExportRoot();
  const joins = emptyJoins();
  const present = new Set<Content>();
  for await (const a of readAssets(src)) {
    root.add(a);
    addJoins(joins, a);
    const c = contentOf(a);
    for (const x of c) present.add(x);
    if (!c.length) ctx.skip(a.name, "no resource, iam_policy, org_policy or access_policy content");
    else if (a.resource && !MODELLED.has(a.assetType ?? ""))
      ctx.ignore?.(a.assetType ?? "(no asset type)", "an asset type ctem does not model yet");
  }
  const r = root.root();
  if (!r)
    throw new ValidationError(
      `${src.name}: no project, folder or organization is named in the export (names, parents and ancestors all missing)`,
      { file: src.name },
    );
  const source = gcpSource(r);
  const key = (collector: string): SourceKey => ({ source, region: "global", collector });
  const keys: Record<Content, SourceKey> = {
    resource: key(GCP_COLLECTORS.resource),
    iamPolicy: key(GCP_COLLECTORS.iamPolicy),
    orgPolicy: key(GCP_COLLECTORS.orgPolicy),
    accessPolicy: key(GCP_COLLECTORS.accessPolicy),
  };
  for (const c of present) ctx.covers(keys[c]);
  let batch: CaiAsset[] = [];
  const flush = (): GraphFacts[] => {
    const out: GraphFacts[] = [];
    const pick = (c: Content) => batch.filter((a) => contentOf(a).includes(c));
    if (present.has("resource")) out.push(transformResources(pick("resource"), keys.resource, joins));
    if (present.has("iamPolicy")) out.push(transformIamPolicies(pick("iamPolicy"), keys.iamPolicy));
    if (present.has("orgPolicy"))
      out.push(
        transformOtherPolicies(
          pick("orgPolicy").map(({ name, assetType, ancestors, orgPolicy }) => ({
            name,
            assetType,
            ancestors,
            ...(orgPolicy ? { orgPolicy } : {}),
          })),
          keys.orgPolicy,
        ),
      );
    if (present.has("accessPolicy"))
      out.push(
        transformOtherPolicies(
          pick("accessPolicy").map(({ orgPolicy: _org, ...rest }) => rest),
          keys.accessPolicy,
        ),
      );
    batch = [];
    return out.filter((f) => (f.nodes?.length ?? 0) + (f.edges?.length ?? 0) > 0);
  };
  for await (const a of readAssets(src)) {
    batch.push(a);
    if (batch.length >= CHUNK) yield* flush();
  }
  if (batch.length) yield* flush();
}

function detect(s: Sniff): number {
  const first = s.head.trimStart().split(/\r?\n/, 1)[0] ?? "";
  if (!first.startsWith("{")) return 0;
  try {
    const o = obj(JSON.parse(first));
    const name = str(o.name);
    if (name?.startsWith("//") && (str(o.asset_type) ?? str(o.assetType))) return 0.95;
  } catch {
    // a first line longer than the head, or not JSON: look at the text
    if (/^\{[^\n]*"name"\s*:\s*"\/\/[^"]+"/.test(first) && /"asset_type"\s*:/.test(first)) return 0.8;
  }
  return 0;
}

export const gcpCaiImporter: Importer = {
  id: "gcp-cai",
  format: "Cloud Asset Inventory export (NDJSON)",
  detect,
  parse,
};
