// Row shapes of the graph tables and their conversion to the model's Node, Edge and Finding (shared
// by the graph store's reads and the snapshot).
import { sourceKeyString } from "@ctem/model";
import type { Edge, Finding, FindingFact, Node, SourceKey } from "@ctem/model";
import type { z } from "zod";

type ParsedFinding = z.output<typeof FindingFact>;

export interface NodeRow {
  id: string;
  kind: string;
  type: string;
  provider: string;
  account_id: string | null;
  region: string | null;
  name: string;
  tags: string;
  props: string;
  stub: number;
  first_seen: string;
  last_seen: string;
  srcs: string;
}

export interface EdgeRow {
  from_id: string;
  kind: string;
  to_id: string;
  props: string;
  evidence: string;
  assumptions: string;
  first_seen: string;
  last_seen: string;
  srcs: string | null;
  derived: number;
}

export interface FindingRow {
  key: string;
  asset_ref: string;
  matched: number;
  rule_id: string;
  package: string;
  kind: string;
  doc: string;
  first_seen: string;
  last_seen: string;
  srcs: string;
}

export const NODE_COLS = `n.id, n.kind, n.type, n.provider, n.account_id, n.region, n.name, n.tags, n.props, n.stub, n.first_seen, n.last_seen,
  (SELECT json_group_array(json_array(k.source, k.region, k.collector)) FROM node_claims c JOIN claim_keys k ON k.id = c.key_id WHERE c.node_id = n.id) AS srcs`;

export const FINDING_COLS = `f.key, f.asset_ref, f.matched, f.rule_id, f.package, f.kind, f.doc, f.first_seen, f.last_seen,
  (SELECT json_group_array(json_array(k.source, k.region, k.collector, s.tool, s.severity, s.vector, s.first_seen, s.last_seen))
     FROM finding_sources s JOIN claim_keys k ON k.id = s.key_id WHERE s.finding_key = f.key) AS srcs`;

export function toSources(json: string | null): SourceKey[] {
  if (!json) return [];
  return (JSON.parse(json) as [string, string, string][])
    .map(([source, region, collector]) => ({ source, region, collector }))
    .sort((a, b) => sourceKeyString(a).localeCompare(sourceKeyString(b)));
}

export function rowToNode(r: NodeRow): Node {
  return makeNode(
    r.id,
    r.kind,
    r.type,
    r.provider,
    r.account_id,
    r.region,
    r.name,
    JSON.parse(r.tags) as Record<string, string>,
    JSON.parse(r.props) as Record<string, unknown>,
    toSources(r.srcs),
    r.stub === 1,
    r.first_seen,
    r.last_seen,
  );
}

/** A node from its columns' values (the graph store's reads and the snapshot: one key order). */
export function makeNode(
  id: string,
  kind: string,
  type: string,
  provider: string,
  accountId: string | null,
  region: string | null,
  name: string,
  tags: Record<string, string>,
  props: Record<string, unknown>,
  sources: SourceKey[],
  stub: boolean,
  firstSeen: string,
  lastSeen: string,
): Node {
  const node: Node = {
    id,
    kind: kind as Node["kind"],
    type,
    provider: provider as Node["provider"],
    name,
    tags,
    props,
    sources,
    stub,
    firstSeen,
    lastSeen,
  };
  if (accountId !== null) node.accountId = accountId;
  if (region !== null) node.region = region;
  return node;
}

export function rowToEdge(r: EdgeRow): Edge {
  return {
    from: r.from_id,
    kind: r.kind as Edge["kind"],
    to: r.to_id,
    props: JSON.parse(r.props) as Record<string, unknown>,
    evidence: JSON.parse(r.evidence) as Edge["evidence"],
    assumptions: JSON.parse(r.assumptions) as Edge["assumptions"],
    sources: toSources(r.srcs),
    derived: r.derived === 1,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
}

export type FindingDoc = Omit<ParsedFinding, "kind" | "ruleId" | "package" | "sources">;

type SourceTuple = [string, string, string, string, string, string | null, string, string];

/** A finding's source list from its JSON column (sorted by tool and source key). */
export function findingSources(json: string): Finding["sources"] {
  return (JSON.parse(json) as SourceTuple[])
    .map(([source, region, collector, tool, severity, vector, firstSeen, lastSeen]) => ({
      tool,
      sourceKey: { source, region, collector },
      severity: severity as Finding["sources"][number]["severity"],
      ...(vector === null ? {} : { vector }),
      firstSeen,
      lastSeen,
    }))
    .sort((a, b) =>
      (a.tool + sourceKeyString(a.sourceKey)).localeCompare(b.tool + sourceKeyString(b.sourceKey)),
    );
}

export function rowToFinding(r: FindingRow): Finding {
  return completeFinding(
    JSON.parse(r.doc) as FindingDoc,
    r.key,
    r.asset_ref,
    r.matched,
    r.kind,
    r.rule_id,
    r.package,
    findingSources(r.srcs),
    r.first_seen,
    r.last_seen,
  );
}

/**
 * A finding from its stored document and its columns' values, completed in place: the same keys in
 * the same order as spreading it into a new object, without the copy.
 */
export function completeFinding(
  doc: FindingDoc,
  key: string,
  assetRef: string,
  matched: number,
  kind: string,
  ruleId: string,
  pkg: string,
  sources: Finding["sources"],
  firstSeen: string,
  lastSeen: string,
): Finding {
  const f = doc as FindingDoc & Partial<Finding>;
  f.key = key;
  f.assetRef = assetRef;
  f.matched = matched === 1;
  f.kind = kind as Finding["kind"];
  f.ruleId = ruleId;
  f.package = pkg;
  f.sources = sources;
  f.firstSeen = firstSeen;
  f.lastSeen = lastSeen;
  return f as Finding;
}
