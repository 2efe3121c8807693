// Cloud Asset Inventory exports (exportAssets to Cloud Storage: NDJSON, one asset per line,
// snake_case `asset_type`, `resource`, `iam_policy`, `org_policy`, `access_policy`, `ancestors`).
// The same transform as the connector: RESOURCE lines under `gcp-cai-resource`, IAM_POLICY lines
// under `gcp-cai-iam-policy`; org-policy and access-policy lines are accepted as policy nodes
// (`gcp-cai-org-policy`, `gcp-cai-access-policy`). The source is `gcp:<root>`, the top of the
// hierarchy the export covers, so the files of one export (one per content type) make one estate:
// `ctem import` applies them under one run, and claims of one run never remove each other.
// Lines are read into memory per file (assets are joined by e-mail across the file).
import { ValidationError } from "@ctem/model";
import type { GraphFacts, SourceKey } from "@ctem/model";
import { AssetShapeError, crmName, normalizeAsset, obj, str } from "../../gcp/assets.js";
import type { CaiAsset } from "../../gcp/assets.js";
import { GCP_COLLECTORS, gcpSource } from "../../gcp/source.js";
import { transformIamPolicies, transformOtherPolicies, transformResources } from "../../gcp/transform.js";
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

async function readAssets(src: ImportSource): Promise<CaiAsset[]> {
  const out: CaiAsset[] = [];
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
      out.push(normalizeAsset(raw));
    } catch (e) {
      if (e instanceof AssetShapeError)
        throw new ValidationError(`${src.name}:${line}: not a Cloud Asset Inventory asset: ${e.message}`, {
          file: src.name,
          line,
        });
      throw e;
    }
  }
  return out;
}

/**
 * The root an export covers: the organization it holds, else the most common top ancestor, else
 * the top of the parent chain the file itself describes.
 */
export function exportRoot(assets: readonly CaiAsset[]): string | undefined {
  const org = assets.find((a) => a.assetType === "cloudresourcemanager.googleapis.com/Organization");
  if (org) return org.name.replace(/^\/\/cloudresourcemanager\.googleapis\.com\//, "");
  const tops = new Map<string, number>();
  for (const a of assets) {
    const top = a.ancestors[a.ancestors.length - 1];
    if (top) tops.set(top, (tops.get(top) ?? 0) + 1);
  }
  if (tops.size) return [...tops].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]![0];
  const parent = new Map<string, string>();
  for (const a of assets) {
    const d = a.resource?.data ?? {};
    const p =
      a.resource?.parent ??
      (str(d.parent) && !str(obj(d.parent).id) ? crmName(str(d.parent)!) : undefined) ??
      (str(obj(d.parent).id)
        ? crmName(
            `${str(obj(d.parent).type) === "organization" ? "organizations" : "folders"}/${str(obj(d.parent).id)}`,
          )
        : undefined);
    if (p) parent.set(a.name, p);
  }
  const crm = (n: string) =>
    /^\/\/cloudresourcemanager\.googleapis\.com\/(projects|folders|organizations)\//.test(n);
  const start =
    assets.find((a) => crm(a.name))?.name ?? assets.map((a) => parent.get(a.name)).find((p) => p && crm(p));
  if (!start) return undefined;
  let cur = start;
  for (let i = 0; i < 64 && parent.has(cur); i++) cur = parent.get(cur)!;
  return cur.replace(/^\/\/cloudresourcemanager\.googleapis\.com\//, "");
}

function* chunks(f: GraphFacts): Generator<GraphFacts> {
  const nodes = f.nodes ?? [];
  const edges = f.edges ?? [];
  for (let i = 0; i < Math.max(nodes.length, edges.length); i += CHUNK)
    yield { nodes: nodes.slice(i, i + CHUNK), edges: edges.slice(i, i + CHUNK), findings: [] };
}

async function* parse(src: ImportSource, ctx: ParseContext): GraphFactsStream {
  const assets = await readAssets(src);
  const root = exportRoot(assets);
  if (!root)
    throw new ValidationError(
      `${src.name}: no project, folder or organization is named in the export (names, parents and ancestors all missing)`,
      { file: src.name },
    );
  const source = gcpSource(root);
  const key = (collector: string): SourceKey => ({ source, region: "global", collector });
  const resources = assets.filter((a) => a.resource);
  const policies = assets.filter((a) => a.iamPolicy);
  const others = assets.filter((a) => a.orgPolicy || a.accessPolicy || a.accessLevel || a.servicePerimeter);
  for (const a of assets)
    if (
      !a.resource &&
      !a.iamPolicy &&
      !a.orgPolicy &&
      !a.accessPolicy &&
      !a.accessLevel &&
      !a.servicePerimeter
    )
      ctx.skip(a.name, "no resource, iam_policy, org_policy or access_policy content");
  if (resources.length) {
    ctx.covers(key(GCP_COLLECTORS.resource));
    yield* chunks(transformResources(resources, key(GCP_COLLECTORS.resource)));
  }
  if (policies.length) {
    ctx.covers(key(GCP_COLLECTORS.iamPolicy));
    yield* chunks(transformIamPolicies(policies, key(GCP_COLLECTORS.iamPolicy)));
  }
  const orgPolicies = others.filter((a) => a.orgPolicy);
  if (orgPolicies.length) {
    ctx.covers(key(GCP_COLLECTORS.orgPolicy));
    yield* chunks(transformOtherPolicies(orgPolicies, key(GCP_COLLECTORS.orgPolicy)));
  }
  const access = others.filter((a) => !a.orgPolicy);
  if (access.length) {
    ctx.covers(key(GCP_COLLECTORS.accessPolicy));
    yield* chunks(transformOtherPolicies(access, key(GCP_COLLECTORS.accessPolicy)));
  }
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
