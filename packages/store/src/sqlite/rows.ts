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

/** Parses a JSON column (the snapshot passes one that shares the values of short, repeated texts). */
export type ParseJson = (json: string) => unknown;

export function rowToNode(
  r: NodeRow,
  sourcesOf: (json: string | null) => SourceKey[] = toSources,
  parse: ParseJson = JSON.parse,
): Node {
  const node: Node = {
    id: r.id,
    kind: r.kind as Node["kind"],
    type: r.type,
    provider: r.provider as Node["provider"],
    name: r.name,
    tags: parse(r.tags) as Record<string, string>,
    props: parse(r.props) as Record<string, unknown>,
    sources: sourcesOf(r.srcs),
    stub: r.stub === 1,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
  if (r.account_id !== null) node.accountId = r.account_id;
  if (r.region !== null) node.region = r.region;
  return node;
}

export function rowToEdge(
  r: EdgeRow,
  sourcesOf: (json: string | null) => SourceKey[] = toSources,
  parse: ParseJson = JSON.parse,
): Edge {
  return {
    from: r.from_id,
    kind: r.kind as Edge["kind"],
    to: r.to_id,
    props: parse(r.props) as Record<string, unknown>,
    evidence: parse(r.evidence) as Edge["evidence"],
    assumptions: parse(r.assumptions) as Edge["assumptions"],
    sources: sourcesOf(r.srcs),
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
  return rowToFindingWith(r, findingSources);
}

/** rowToFinding with the source lists built by `sourcesOf` (the snapshot shares equal lists). */
export function rowToFindingWith(r: FindingRow, sourcesOf: (json: string) => Finding["sources"]): Finding {
  // The stored document completed in place: the same keys in the same order as spreading it into
  // a new object, without the copy.
  const f = JSON.parse(r.doc) as FindingDoc & Partial<Finding>;
  f.key = r.key;
  f.assetRef = r.asset_ref;
  f.matched = r.matched === 1;
  f.kind = r.kind as Finding["kind"];
  f.ruleId = r.rule_id;
  f.package = r.package;
  f.sources = sourcesOf(r.srcs);
  f.firstSeen = r.first_seen;
  f.lastSeen = r.last_seen;
  return f as Finding;
}
