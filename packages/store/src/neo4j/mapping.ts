// Graph facts ↔ Neo4j parameters, as pure functions (unit-tested with exact parameters).
//
// Neo4j properties hold only scalars and lists of scalars, so maps travel as JSON strings
// (`propsJson`, `tagsJson`, `evidenceJson`, …), which are what reads return. For exploring in
// Cypher, scalar tags and props are also copied to flat properties (`tag.<key>`, `prop.<key>`,
// e.g. n.`tag.data-classification`, r.`prop.level`); the JSON stays authoritative.
import { NODE_KIND_VALUES, UNMATCHED_PREFIX, sourceKeyString } from "@ctem/model";
import type {
  DerivedEdgeFact,
  Edge,
  EdgeFact,
  Finding,
  FindingFact,
  FindingSource,
  Node,
  NodeFact,
  NodeKind,
  SourceKey,
} from "@ctem/model";
import type { z } from "zod";

export type ParsedNode = z.output<typeof NodeFact>;
export type ParsedEdge = z.output<typeof EdgeFact>;
export type ParsedDerivedEdge = z.output<typeof DerivedEdgeFact>;
export type ParsedFinding = z.output<typeof FindingFact>;
export type NodeDoc = Omit<ParsedNode, "sources" | "id">;
export type FindingDoc = Omit<ParsedFinding, "kind" | "ruleId" | "package" | "sources">;

type Props = Record<string, unknown>;

// --- labels -------------------------------------------------------------------------------------

/** `data_store` → `DataStore`: the node's kind as a label. */
export function kindLabel(kind: string): string {
  return kind
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

export const KIND_LABELS: readonly string[] = NODE_KIND_VALUES.map(kindLabel);
export const HIDDEN_LABEL = "DerivedEndpoint";

/** Labels to set on a node of `kind`, and the ones to remove so that a changed kind leaves none behind. */
export function labelsFor(kind: NodeKind, hidden = false): { labels: string[]; dropLabels: string[] } {
  const labels = hidden ? [kindLabel(kind), HIDDEN_LABEL] : [kindLabel(kind)];
  const dropLabels = [...KIND_LABELS, HIDDEN_LABEL].filter((l) => !labels.includes(l));
  return { labels, dropLabels };
}

// --- items and claims ---------------------------------------------------------------------------

// An item names what a claim is on. JSON arrays keep ids with any character unambiguous.
export const nodeItem = (id: string): string => JSON.stringify(["n", id]);
export const edgeItem = (from: string, kind: string, to: string): string =>
  JSON.stringify(["e", from, kind, to]);
export const findingItem = (key: string): string => JSON.stringify(["f", key]);

export type ItemRef =
  { t: "n"; id: string } | { t: "e"; from: string; kind: string; to: string } | { t: "f"; key: string };

export function parseItemRef(item: string): ItemRef {
  const a = JSON.parse(item) as string[];
  if (a[0] === "n" && a.length === 2) return { t: "n", id: a[1]! };
  if (a[0] === "e" && a.length === 4) return { t: "e", from: a[1]!, kind: a[2]!, to: a[3]! };
  if (a[0] === "f" && a.length === 2) return { t: "f", key: a[1]! };
  throw new Error(`not a claim item: ${item}`);
}

/** One CtemClaim node's properties. `tool` is "" except on finding sources. */
export interface ClaimProps {
  cid: string;
  item: string;
  key: string;
  source: string;
  region: string;
  collector: string;
  tool: string;
  run: string;
  seenAt: string;
  firstSeen: string;
  lastSeen: string;
  /** A node claim's description (NodeDoc as JSON). */
  doc?: string | null;
  severity?: string | null;
  vector?: string | null;
}

export function claimCid(item: string, k: SourceKey, tool = ""): string {
  return JSON.stringify([item, sourceKeyString(k), tool]);
}

export function claimProps(
  item: string,
  k: SourceKey,
  run: string,
  seen: string,
  extra: { tool?: string; doc?: string; severity?: string; vector?: string } = {},
): ClaimProps {
  const tool = extra.tool ?? "";
  return {
    cid: claimCid(item, k, tool),
    item,
    key: sourceKeyString(k),
    source: k.source,
    region: k.region,
    collector: k.collector,
    tool,
    run,
    seenAt: seen,
    firstSeen: seen,
    lastSeen: seen,
    doc: extra.doc ?? null,
    severity: extra.severity ?? null,
    vector: extra.vector ?? null,
  };
}

/** Mirrors CLAIM_UPSERT in memory: replaces the claim with the same cid, keeping the earliest firstSeen and latest lastSeen. */
export function upsertClaim(list: ClaimProps[], c: ClaimProps): ClaimProps[] {
  const i = list.findIndex((x) => x.cid === c.cid);
  if (i < 0) return [...list, c];
  const old = list[i]!;
  const merged = {
    ...c,
    firstSeen: old.firstSeen < c.firstSeen ? old.firstSeen : c.firstSeen,
    lastSeen: old.lastSeen > c.lastSeen ? old.lastSeen : c.lastSeen,
  };
  return list.map((x, j) => (j === i ? merged : x));
}

/** The same claim on another item (a finding moved to a new key). */
export function reitemClaim(c: ClaimProps, item: string): ClaimProps {
  const k = { source: c.source, region: c.region, collector: c.collector };
  return { ...c, item, cid: claimCid(item, k, c.tool) };
}

export function keyOfClaim(c: Pick<ClaimProps, "source" | "region" | "collector">): SourceKey {
  return { source: c.source, region: c.region, collector: c.collector };
}

const byKeyString = (a: SourceKey, b: SourceKey) => sourceKeyString(a).localeCompare(sourceKeyString(b));

/** Distinct claim keys, sorted as the SQLite adapter sorts them. */
export function sourcesOf(claims: ClaimProps[]): SourceKey[] {
  const m = new Map<string, SourceKey>();
  for (const c of claims) m.set(sourceKeyString(keyOfClaim(c)), keyOfClaim(c));
  return [...m.values()].sort(byKeyString);
}

/** `source|region|collector` back to a SourceKey; region and collector never contain `|`. */
export function sourceKeyFromString(s: string): SourceKey {
  const j = s.lastIndexOf("|");
  const i = s.lastIndexOf("|", j - 1);
  return { source: s.slice(0, i), region: s.slice(i + 1, j), collector: s.slice(j + 1) };
}

function sourceProps(keys: SourceKey[]): { sources: string[]; sourceNames: string[] } {
  return {
    sources: keys.map(sourceKeyString),
    sourceNames: [...new Set(keys.map((k) => k.source))].sort(),
  };
}

// --- flat copies for Cypher ---------------------------------------------------------------------

const FLAT_STRING_MAX = 1024;
const FLAT_LIST_MAX = 256;

function flatValue(v: unknown): unknown {
  if (typeof v === "string") return v.length <= FLAT_STRING_MAX ? v : undefined;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (Array.isArray(v) && v.length > 0 && v.length <= FLAT_LIST_MAX) {
    const t = typeof v[0];
    if (t !== "string" && t !== "number" && t !== "boolean") return undefined;
    if (!v.every((x) => typeof x === t && flatValue(x) !== undefined)) return undefined;
    return v;
  }
  return undefined;
}

/** Scalar (and homogeneous scalar-list) entries of `rec` under `prefix`; others are left to the JSON. */
export function flatten(prefix: string, rec: Props): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(rec)) {
    const f = flatValue(v);
    if (f !== undefined) out[prefix + k] = f;
  }
  return out;
}

// --- nodes --------------------------------------------------------------------------------------

/** The provider an id most likely belongs to, for stubs (which have no description). */
export function guessProvider(id: string): Node["provider"] {
  if (id.startsWith("arn:")) return "aws";
  if (id.startsWith("/subscriptions/") || id.startsWith("/providers/")) return "azure";
  if (id.startsWith("//")) return "gcp";
  return "generic";
}

export interface NodeRowParams {
  id: string;
  props: Props;
  labels: string[];
  dropLabels: string[];
}

/** Claims in merge order: oldest first, so the newest claim wins per key. */
export function mergeOrder(claims: ClaimProps[]): ClaimProps[] {
  return [...claims].sort((a, b) => a.seenAt.localeCompare(b.seenAt) || a.key.localeCompare(b.key));
}

/** The node row a set of claims describes (DESIGN "Claims, not owners"). */
export function nodeRow(
  id: string,
  claims: ClaimProps[],
  seen: { firstSeen: string; lastSeen: string },
): NodeRowParams & { doc: NodeDoc } {
  const docs = mergeOrder(claims).map((c) => JSON.parse(c.doc ?? "{}") as NodeDoc);
  const last = docs[docs.length - 1];
  if (!last) throw new Error(`node ${id}: no claim to describe it`);
  let tags: Record<string, string> = {};
  let props: Props = {};
  for (const d of docs) {
    tags = { ...tags, ...d.tags };
    props = { ...props, ...d.props };
  }
  const doc: NodeDoc = { ...last, tags, props };
  return {
    id,
    doc,
    props: {
      ...flatten("tag.", tags),
      ...flatten("prop.", props),
      id,
      kind: last.kind,
      type: last.type,
      provider: last.provider,
      accountId: last.accountId ?? null,
      region: last.region ?? null,
      name: last.name,
      stub: false,
      tagsJson: JSON.stringify(tags),
      propsJson: JSON.stringify(props),
      ...sourceProps(sourcesOf(claims)),
      firstSeen: seen.firstSeen,
      lastSeen: seen.lastSeen,
    },
    ...labelsFor(last.kind),
  };
}

/** A stub: an edge endpoint nothing describes. `provider` is kept when a described node becomes one. */
export function stubRow(
  id: string,
  seen: { firstSeen: string; lastSeen: string },
  provider: Node["provider"] = guessProvider(id),
): NodeRowParams {
  return {
    id,
    props: {
      id,
      kind: "unknown",
      type: "unknown",
      provider,
      accountId: null,
      region: null,
      name: id,
      stub: true,
      tagsJson: "{}",
      propsJson: "{}",
      sources: [],
      sourceNames: [],
      firstSeen: seen.firstSeen,
      lastSeen: seen.lastSeen,
    },
    ...labelsFor("unknown"),
  };
}

/** A hidden Asset that only derived edges need (the internet; a node a scan removed meanwhile). */
export function hiddenRow(id: string, at: string): NodeRowParams {
  const kind: NodeKind = id === "internet" ? "internet" : "unknown";
  return {
    id,
    props: {
      id,
      kind,
      type: kind,
      provider: guessProvider(id),
      name: id,
      stub: true,
      tagsJson: "{}",
      propsJson: "{}",
      sources: [],
      sourceNames: [],
      firstSeen: at,
      lastSeen: at,
    },
    ...labelsFor(kind, true),
  };
}

/** Finding-matcher lookup keys of a node, as CtemLookup rows. */
export function lookupRows(nodeId: string, keys: string[]): { lk: string; lookup: string; nodeId: string }[] {
  return [...new Set(keys)].map((lookup) => ({ lk: JSON.stringify([lookup, nodeId]), lookup, nodeId }));
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

export function nodeFromProps(p: Props): Node {
  const node: Node = {
    id: str(p.id),
    kind: str(p.kind) as Node["kind"],
    type: str(p.type),
    provider: str(p.provider) as Node["provider"],
    name: str(p.name),
    tags: JSON.parse(str(p.tagsJson) || "{}") as Record<string, string>,
    props: JSON.parse(str(p.propsJson) || "{}") as Props,
    sources: ((p.sources as string[] | null) ?? []).map(sourceKeyFromString).sort(byKeyString),
    stub: p.stub === true,
    firstSeen: str(p.firstSeen),
    lastSeen: str(p.lastSeen),
  };
  if (typeof p.accountId === "string") node.accountId = p.accountId;
  if (typeof p.region === "string") node.region = p.region;
  return node;
}

// --- edges --------------------------------------------------------------------------------------

export interface EdgeRowParams {
  from: string;
  kind: string;
  to: string;
  seen: string;
  props: Props;
}

export function edgeRow(e: ParsedEdge, claims: ClaimProps[], seen: string): EdgeRowParams {
  return {
    from: e.from,
    kind: e.kind,
    to: e.to,
    seen,
    props: {
      ...flatten("prop.", e.props),
      derived: false,
      propsJson: JSON.stringify(e.props),
      evidenceJson: JSON.stringify(e.evidence),
      assumptionsJson: JSON.stringify(e.assumptions),
      ...sourceProps(sourcesOf(claims)),
    },
  };
}

export function derivedRow(
  e: ParsedDerivedEdge,
  generation: string,
  at: string,
): { from: string; kind: string; to: string; props: Props } {
  return {
    from: e.from,
    kind: e.kind,
    to: e.to,
    props: {
      ...flatten("prop.", e.props),
      derived: true,
      generation,
      propsJson: JSON.stringify(e.props),
      evidenceJson: JSON.stringify(e.evidence),
      assumptionsJson: JSON.stringify(e.assumptions),
      sources: [],
      sourceNames: [],
      lastSeen: at,
    },
  };
}

export function edgeFromRecord(from: string, kind: string, to: string, r: Props): Edge {
  return {
    from,
    kind: kind as Edge["kind"],
    to,
    props: JSON.parse(str(r.propsJson) || "{}") as Props,
    evidence: JSON.parse(str(r.evidenceJson) || "[]") as Edge["evidence"],
    assumptions: JSON.parse(str(r.assumptionsJson) || "[]") as Edge["assumptions"],
    sources: ((r.sources as string[] | null) ?? []).map(sourceKeyFromString).sort(byKeyString),
    derived: r.derived === true,
    firstSeen: str(r.firstSeen),
    lastSeen: str(r.lastSeen),
  };
}

// --- findings -----------------------------------------------------------------------------------

export interface FindingCore {
  key: string;
  assetRef: string;
  matched: boolean;
  kind: Finding["kind"];
  ruleId: string;
  package: string;
  doc: FindingDoc;
}

export function findingDocOf(f: ParsedFinding, matchedBy: string | undefined): FindingDoc {
  const { kind: _k, ruleId: _r, package: _p, sources: _s, ...rest } = f;
  return { ...rest, props: matchedBy ? { ...rest.props, matchedBy } : rest.props };
}

/** The doc of a finding that lost its asset: unmatched again, without `matchedBy`. */
export function unmatchedDoc(doc: FindingDoc): FindingDoc {
  const { matchedBy: _m, ...props } = doc.props;
  return { ...doc, props };
}

export function unmatchedRef(doc: FindingDoc): string {
  return UNMATCHED_PREFIX + doc.resource.ids[0]!;
}

export function findingSourcesOf(claims: ClaimProps[]): FindingSource[] {
  return claims
    .map((c) => ({
      tool: c.tool,
      sourceKey: keyOfClaim(c),
      severity: c.severity as FindingSource["severity"],
      ...(c.vector ? { vector: c.vector } : {}),
      firstSeen: c.firstSeen,
      lastSeen: c.lastSeen,
    }))
    .sort((a, b) =>
      (a.tool + sourceKeyString(a.sourceKey)).localeCompare(b.tool + sourceKeyString(b.sourceKey)),
    );
}

const SEVERITY_ORDER = ["critical", "high", "medium", "low", "info", "unknown"];

/** The properties that depend on a finding's sources. */
export function findingSourceProps(
  key: string,
  claims: ClaimProps[],
): { key: string; sourcesJson: string; tools: string[]; sourceNames: string[]; severity: string | null } {
  const sources = findingSourcesOf(claims);
  const severity =
    sources.map((s) => s.severity).sort((a, b) => SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b))[0] ??
    null;
  return {
    key,
    sourcesJson: JSON.stringify(sources),
    tools: [...new Set(sources.map((s) => s.tool))].sort(),
    sourceNames: [...new Set(sources.map((s) => s.sourceKey.source))].sort(),
    severity,
  };
}

export interface FindingRowParams {
  key: string;
  firstSeen: string;
  lastSeen: string;
  props: Props;
}

export function findingRow(
  core: FindingCore,
  claims: ClaimProps[],
  seen: { firstSeen: string; lastSeen: string },
): FindingRowParams {
  const { key: _key, ...sourceDependent } = findingSourceProps(core.key, claims);
  return {
    key: core.key,
    firstSeen: seen.firstSeen,
    lastSeen: seen.lastSeen,
    props: {
      key: core.key,
      assetRef: core.assetRef,
      matched: core.matched,
      kind: core.kind,
      ruleId: core.ruleId,
      package: core.package,
      title: core.doc.title ?? null,
      resourceIds: core.doc.resource.ids,
      docJson: JSON.stringify(core.doc),
      ...sourceDependent,
    },
  };
}

export function findingCoreFromProps(p: Props): FindingCore {
  return {
    key: str(p.key),
    assetRef: str(p.assetRef),
    matched: p.matched === true,
    kind: str(p.kind) as Finding["kind"],
    ruleId: str(p.ruleId),
    package: str(p.package),
    doc: JSON.parse(str(p.docJson)) as FindingDoc,
  };
}

export function findingFromProps(p: Props): Finding {
  const core = findingCoreFromProps(p);
  return {
    ...core.doc,
    key: core.key,
    assetRef: core.assetRef,
    matched: core.matched,
    kind: core.kind,
    ruleId: core.ruleId,
    package: core.package,
    sources: JSON.parse(str(p.sourcesJson) || "[]") as FindingSource[],
    firstSeen: str(p.firstSeen),
    lastSeen: str(p.lastSeen),
  };
}
