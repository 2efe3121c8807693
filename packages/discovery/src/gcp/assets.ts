// Cloud Asset Inventory assets in one shape, whichever way they arrived: the API (listAssets
// through @google-cloud/asset, camelCase, `resource.data` as a protobuf Struct under the gRPC
// transport or plain JSON under REST) or an export file (NDJSON, snake_case top-level keys,
// `resource.data` in the resource API's own camelCase). The transform reads only this shape.

export interface CaiBinding {
  role: string;
  members: string[];
  condition?: { title?: string; expression?: string };
}

export interface CaiAsset {
  name: string;
  assetType: string;
  ancestors: string[];
  resource?: {
    parent?: string;
    location?: string;
    data: Record<string, unknown>;
  };
  iamPolicy?: { bindings: CaiBinding[] };
  orgPolicy?: unknown[];
  accessPolicy?: Record<string, unknown>;
  accessLevel?: Record<string, unknown>;
  servicePerimeter?: Record<string, unknown>;
}

export const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
export const strs = (v: unknown): string[] =>
  arr(v)
    .map(str)
    .filter((s): s is string => s !== undefined);

/** A google.protobuf.Value as the gRPC transport decodes it → plain JSON. */
function fromValue(v: Record<string, unknown>): unknown {
  if ("structValue" in v) return fromStruct(obj(v.structValue));
  if ("listValue" in v) return arr(obj(v.listValue).values).map((x) => fromValue(obj(x)));
  if ("stringValue" in v) return v.stringValue;
  if ("numberValue" in v) return v.numberValue;
  if ("boolValue" in v) return v.boolValue;
  if ("nullValue" in v) return null;
  const kind = str(v.kind);
  return kind && kind in v ? fromValue({ [kind]: v[kind] }) : undefined;
}

function isStruct(o: Record<string, unknown>): boolean {
  const f = o.fields;
  if (!f || typeof f !== "object" || Array.isArray(f) || Object.keys(o).length !== 1) return false;
  return Object.values(f).every((x) => {
    const k = Object.keys(obj(x));
    return k.some((n) => n.endsWith("Value") || n === "kind");
  });
}

function fromStruct(s: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj(s.fields))) out[k] = fromValue(obj(v));
  return out;
}

/** Plain JSON data, decoding a protobuf Struct when that is what the transport handed over. */
export function plainData(v: unknown): Record<string, unknown> {
  const o = obj(v);
  return isStruct(o) ? fromStruct(o) : o;
}

const snake = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Top-level and envelope keys to camelCase; `resource.data` and policies are left as the API wrote them. */
function camelKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[snake(k)] = v;
  return out;
}

/** Thrown for a line or record that is not a Cloud Asset Inventory asset. */
export class AssetShapeError extends Error {}

/** One API or export asset → CaiAsset. Throws AssetShapeError naming the missing field. */
export function normalizeAsset(raw: unknown): CaiAsset {
  const a = camelKeys(obj(raw));
  const name = str(a.name);
  const assetType = str(a.assetType);
  if (!name) throw new AssetShapeError("no name");
  if (!assetType) throw new AssetShapeError("no asset_type");
  const out: CaiAsset = { name, assetType, ancestors: strs(a.ancestors) };
  if (a.resource && typeof a.resource === "object") {
    const r = camelKeys(obj(a.resource));
    const parent = str(r.parent);
    const location = str(r.location);
    out.resource = {
      data: plainData(r.data),
      ...(parent ? { parent } : {}),
      ...(location ? { location } : {}),
    };
  }
  if (a.iamPolicy && typeof a.iamPolicy === "object") {
    const bindings: CaiBinding[] = [];
    for (const b of arr(obj(a.iamPolicy).bindings).map(obj)) {
      const role = str(b.role);
      if (!role) continue;
      const c = obj(b.condition);
      const condition = str(c.expression)
        ? { expression: str(c.expression)!, ...(str(c.title) ? { title: str(c.title)! } : {}) }
        : undefined;
      bindings.push({ role, members: strs(b.members), ...(condition ? { condition } : {}) });
    }
    out.iamPolicy = { bindings };
  }
  if (Array.isArray(a.orgPolicy) && a.orgPolicy.length) out.orgPolicy = a.orgPolicy;
  if (a.accessPolicy && typeof a.accessPolicy === "object") out.accessPolicy = obj(a.accessPolicy);
  if (a.accessLevel && typeof a.accessLevel === "object") out.accessLevel = obj(a.accessLevel);
  if (a.servicePerimeter && typeof a.servicePerimeter === "object")
    out.servicePerimeter = obj(a.servicePerimeter);
  return out;
}

/** `https://www.googleapis.com/compute/v1/projects/p/global/networks/n` → `//compute.googleapis.com/projects/p/global/networks/n`. */
export function computeName(url: string | undefined): string | undefined {
  if (!url) return undefined;
  if (url.startsWith("//")) return url;
  const m = /\/compute\/(?:v1|beta|alpha)\/(.+)$/.exec(url);
  if (m) return `//compute.googleapis.com/${m[1]}`;
  if (url.startsWith("projects/")) return `//compute.googleapis.com/${url}`;
  return undefined;
}

/** The last path segment of a URL or name (`…/zones/us-central1-a` → `us-central1-a`). */
export const lastSegment = (s: string | undefined): string | undefined => s?.split("/").filter(Boolean).pop();

/** `projects/<x>` (id or number) named in a full resource name. */
export function projectOf(name: string): string | undefined {
  return /\/projects\/([^/]+)/.exec(name)?.[1];
}

/** `//cloudresourcemanager.googleapis.com/` + `projects/1`, `folders/2`, `organizations/3`. */
export const crmName = (short: string): string => `//cloudresourcemanager.googleapis.com/${short}`;
