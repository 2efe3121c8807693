// The security graph's facts: what connectors and importers write (the *Fact schemas) and what
// stores return (Node, Edge, Finding). Ids are the provider's canonical ids (DESIGN "The security
// graph"); claims (`sources`) say which collector of which source described an item.
import { z } from "zod";
import { EDGE_KIND_VALUES, NODE_KIND_VALUES, PROVIDERS } from "./kinds.js";

export const IsoTime = z.iso.datetime({ offset: true });

const boundedId = z.string().min(1).max(2048);

/**
 * What a write covers. `source` names the data, not the trigger: "aws:<account>",
 * "azure:<subscription>", "gcp:<project|folder|org id>", "import:<tool>:<target>", "demo".
 * `region` is the listed partition ("global" for IAM, S3 ListBuckets, ARM, Cloud Asset).
 * `collector` is the module or importer id (kebab-case).
 */
export const SourceKey = z.object({
  source: z.string().min(1).max(1024),
  region: z.string().min(1).max(64),
  collector: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "collector ids are kebab-case")
    .max(128),
});
export type SourceKey = z.infer<typeof SourceKey>;

export function sourceKeyString(k: SourceKey): string {
  return `${k.source}|${k.region}|${k.collector}`;
}

export const Evidence = z.object({
  /** The collector or rule that proves it, e.g. "aws-ec2-security-groups". */
  source: z.string().min(1).max(256),
  /** Where in that source, e.g. "sg-0ab…#ingress[2]". */
  ref: z.string().max(2048),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type Evidence = z.infer<typeof Evidence>;

export const Assumption = z.object({
  /** snake_case, e.g. "condition_not_evaluated", "attack_vector_unknown". */
  code: z.string().regex(/^[a-z0-9]+(_[a-z0-9]+)*$/, "assumption codes are snake_case"),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type Assumption = z.infer<typeof Assumption>;

export const NodeKind = z.enum(NODE_KIND_VALUES);
export type NodeKind = z.infer<typeof NodeKind>;
export const EdgeKind = z.enum(EDGE_KIND_VALUES);
export type EdgeKind = z.infer<typeof EdgeKind>;
export const Provider = z.enum(PROVIDERS);
export type Provider = z.infer<typeof Provider>;

const nodeType = z
  .string()
  .max(128)
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, "node types are dotted snake_case, e.g. aws.ec2.instance");

/** A node as a collector writes it. firstSeen/lastSeen are the store's. */
export const NodeFact = z.object({
  id: boundedId,
  kind: NodeKind,
  type: nodeType,
  provider: Provider,
  accountId: z.string().max(256).optional(),
  region: z.string().max(64).optional(),
  name: z.string().max(2048),
  tags: z.record(z.string().max(512), z.string().max(4096)).default({}),
  props: z.record(z.string(), z.unknown()).default({}),
  sources: z.array(SourceKey).min(1),
});
export type NodeFact = z.input<typeof NodeFact>;

export const Node = NodeFact.extend({
  /** Stubs have no claim of their own: they exist because an edge points at them. */
  sources: z.array(SourceKey),
  tags: z.record(z.string(), z.string()),
  props: z.record(z.string(), z.unknown()),
  stub: z.boolean(),
  firstSeen: IsoTime,
  lastSeen: IsoTime,
});
export type Node = z.infer<typeof Node>;

/** An edge as a collector (inventory) or the engine (attack) writes it. Keyed by (from, kind, to). */
export const EdgeFact = z.object({
  from: boundedId,
  kind: EdgeKind,
  to: boundedId,
  props: z.record(z.string(), z.unknown()).default({}),
  evidence: z.array(Evidence).default([]),
  assumptions: z.array(Assumption).default([]),
  sources: z.array(SourceKey).min(1),
});
export type EdgeFact = z.input<typeof EdgeFact>;

/** A derived (attack) edge as the engine hands it to `replaceDerived`: no claims, evidence required. */
export const DerivedEdgeFact = EdgeFact.extend({
  sources: z.array(SourceKey).default([]),
  evidence: z.array(Evidence).min(1),
});
export type DerivedEdgeFact = z.input<typeof DerivedEdgeFact>;

export const Edge = EdgeFact.extend({
  sources: z.array(SourceKey),
  props: z.record(z.string(), z.unknown()),
  evidence: z.array(Evidence),
  assumptions: z.array(Assumption),
  derived: z.boolean(),
  firstSeen: IsoTime,
  lastSeen: IsoTime,
});
export type Edge = z.infer<typeof Edge>;

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export const Severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof Severity>;

/** A scanner's own severity word, normalised; `info` and `unknown` exist only here. */
export const FindingSeverity = z.enum(["critical", "high", "medium", "low", "info", "unknown"]);
export type FindingSeverity = z.infer<typeof FindingSeverity>;

export const FindingKind = z.enum(["vulnerability", "misconfiguration", "secret", "other"]);
export type FindingKind = z.infer<typeof FindingKind>;

export const FindingSourceFact = z.object({
  tool: z.string().min(1).max(128),
  sourceKey: SourceKey,
  severity: FindingSeverity,
  /** The report's CVSS vector, when it gave one. */
  vector: z.string().max(512).optional(),
});

export const FindingSource = FindingSourceFact.extend({ firstSeen: IsoTime, lastSeen: IsoTime });
export type FindingSource = z.infer<typeof FindingSource>;

/** A finding as an importer or connector writes it: the store matches `resource.ids` to a node. */
export const FindingFact = z.object({
  kind: FindingKind,
  /** `CVE-…` for vulnerabilities, else the tool's rule id. */
  ruleId: z.string().min(1).max(512),
  /** The affected package; "" when the finding has none (misconfigurations). */
  package: z.string().max(1024).default(""),
  installedVersion: z.string().max(256).optional(),
  fixedVersion: z.string().max(256).optional(),
  title: z.string().max(4096).optional(),
  /** The port the finding names, when it names one (DESIGN "Prioritization"). */
  port: z.number().int().min(0).max(65535).optional(),
  /** The report's identifiers of the affected resource: instance id, ARN, image, host… First is primary. */
  resource: z.object({
    ids: z.array(z.string().min(1).max(2048)).min(1),
    type: z.string().max(256).optional(),
    name: z.string().max(2048).optional(),
  }),
  props: z.record(z.string(), z.unknown()).default({}),
  sources: z.array(FindingSourceFact).min(1),
});
export type FindingFact = z.input<typeof FindingFact>;

export const Finding = FindingFact.extend({
  /** Stable hash of (assetRef, ruleId, package). */
  key: z.string(),
  /** The matched node id, or `unmatched:<the report's resource id>`. */
  assetRef: z.string(),
  matched: z.boolean(),
  package: z.string(),
  props: z.record(z.string(), z.unknown()),
  sources: z.array(FindingSource).min(1),
  firstSeen: IsoTime,
  lastSeen: IsoTime,
});
export type Finding = z.infer<typeof Finding>;

export const UNMATCHED_PREFIX = "unmatched:";

/** One chunk of what a collector or importer returns. Items are validated one by one by the
 * store, so an error can name the item and the field. */
export interface GraphFacts {
  nodes?: NodeFact[];
  edges?: EdgeFact[];
  findings?: FindingFact[];
}
