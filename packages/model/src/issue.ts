// Issues: one per (entry asset, target), in DESIGN's issue JSON shape. `key` is a stable hash of
// the two ids, `alias` (`ISS-<n>`) is assigned once by the AppStore.
// One-shot hashing (Node 20.12+): the same digest as createHash, without a Hash object per key.
import { hash } from "node:crypto";
import { z } from "zod";
import { Assumption, EdgeKind, Evidence, IsoTime, NodeKind, Severity } from "./graph.js";
import { Tier } from "./settings.js";

export const ISSUE_STATUSES = [
  "open",
  "in_progress",
  "fixed",
  "risk_accepted",
  "false_positive",
  "resolved",
] as const;
export const IssueStatus = z.enum(ISSUE_STATUSES);
export type IssueStatus = z.infer<typeof IssueStatus>;

export const Confidence = z.enum(["theoretical", "config_confirmed", "externally_validated"]);
export type Confidence = z.infer<typeof Confidence>;

export const Factor = z.object({
  name: z.string().min(1).max(128),
  value: z.union([z.number(), z.string(), z.boolean()]),
  source: z.string().max(256),
});
export type Factor = z.infer<typeof Factor>;

export const Hop = z.object({
  from: z.string(),
  to: z.string(),
  edge: EdgeKind,
  evidence: z.array(Evidence),
  assumptions: z.array(Assumption),
});
export type Hop = z.infer<typeof Hop>;

export const AttackPath = z.object({
  likelihood: z.number().min(0).max(1),
  confidence: Confidence,
  hops: z.array(Hop).min(1),
});
export type AttackPath = z.infer<typeof AttackPath>;

export const Remediation = z.object({
  pathIndex: z.number().int().nonnegative(),
  hopIndex: z.number().int().nonnegative(),
  title: z.string().max(1024),
  cli: z.string().max(16_384).nullable(),
  terraform: z.string().max(16_384).nullable(),
  riskRemoved: z.number().nonnegative(),
});
export type Remediation = z.infer<typeof Remediation>;

const NodeRef = z.object({ id: z.string(), kind: NodeKind, type: z.string(), name: z.string() });

const nullableTime = IsoTime.nullable();

export const Issue = z.object({
  key: z.string(),
  alias: z.string().regex(/^ISS-\d+$/),
  title: z.string().max(1024),
  /** The path's class, kebab-case: exposed-compute-to-sensitive-data, key-to-admin, … */
  rule: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  severity: Severity,
  score: z.number().min(0).max(10),
  confidence: Confidence,
  status: IssueStatus,
  entry: NodeRef,
  target: NodeRef.extend({ tier: Tier.nullable() }),
  paths: z.array(AttackPath),
  factors: z.array(Factor),
  remediation: z.array(Remediation),
  firstSeen: IsoTime,
  lastSeen: IsoTime,
  dueAt: nullableTime,
  fixedAt: nullableTime,
  resolvedAt: nullableTime,
  reopenedAt: nullableTime,
  verificationFailedAt: nullableTime,
  reason: z.string().max(4096).nullable(),
  acceptedBy: z.string().max(256).nullable(),
  expiresAt: nullableTime,
  assignee: z.object({ user: z.string().max(256).optional(), team: z.string().max(256).optional() }),
  /** The status before analysis resolved it, kept so a returning path restores it (DESIGN status table). */
  statusBeforeResolution: IssueStatus.nullable(),
  demo: z.boolean(),
});
export type Issue = z.infer<typeof Issue>;

/**
 * An issue without its paths, factors and remediation: what reconciliation needs of every stored
 * issue (AppStore.issueStates), cheap to read for tens of thousands of issues.
 */
export type IssueState = Omit<Issue, "paths" | "factors" | "remediation">;

/** What an analysis hands to commitAnalysis: everything but the alias, which the store assigns. */
export const IssueDraft = Issue.omit({ alias: true }).extend({ alias: Issue.shape.alias.optional() });
export type IssueDraft = z.infer<typeof IssueDraft>;

/** A change by a person (analyst or developer); the issue service decides whether it is allowed. */
export const IssueChange = z.object({
  status: IssueStatus.exclude(["resolved"]).optional(),
  reason: z.string().max(4096).nullable().optional(),
  expiresAt: nullableTime.optional(),
  assignee: z
    .object({ user: z.string().max(256).optional(), team: z.string().max(256).optional() })
    .optional(),
  comment: z.string().min(1).max(16_384).optional(),
});
export type IssueChange = z.infer<typeof IssueChange>;

export const Actor = z.object({
  /** A user id, a token id, or "analysis" / "system". */
  id: z.string().min(1).max(256),
  kind: z.enum(["user", "token", "system"]),
});
export type Actor = z.infer<typeof Actor>;

export const IssueEvent = z.object({
  at: IsoTime,
  actor: Actor,
  type: z.enum(["created", "status", "assignee", "comment", "reason", "analysis"]),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
  text: z.string().optional(),
});
export type IssueEvent = z.infer<typeof IssueEvent>;

/** Stable key of an issue: a hash of the entry asset and target ids. */
export function issueKey(entryId: string, targetId: string): string {
  return hash("sha256", `${entryId}\u0000${targetId}`, "hex").slice(0, 24);
}

/** Stable key of a finding: a hash of (assetRef, ruleId, package). */
export function findingKey(assetRef: string, ruleId: string, pkg: string): string {
  return hash("sha256", `${assetRef}\u0000${ruleId}\u0000${pkg}`, "hex").slice(0, 32);
}

export const FindingPriority = z.object({
  findingKey: z.string(),
  score: z.number().min(0).max(10),
  severity: Severity,
  onPath: z.boolean(),
  factors: z.array(Factor),
});
export type FindingPriority = z.infer<typeof FindingPriority>;

export const TierAssignment = z.object({
  nodeId: z.string(),
  tier: Tier,
  /** The rule id, or "pin". */
  reason: z.string(),
});
export type TierAssignment = z.infer<typeof TierAssignment>;

export const FixPlanItem = z.object({
  id: z.string(),
  title: z.string(),
  cli: z.string().nullable(),
  terraform: z.string().nullable(),
  riskRemoved: z.number().nonnegative(),
  /** The issues whose paths this option cuts, with the path and hop. */
  cuts: z.array(z.object({ issueKey: z.string(), pathIndex: z.number().int(), hopIndex: z.number().int() })),
});
export type FixPlanItem = z.infer<typeof FixPlanItem>;

export const StoredPath = AttackPath.extend({
  issueKey: z.string(),
  pathIndex: z.number().int().nonnegative(),
});
export type StoredPath = z.infer<typeof StoredPath>;

/** Everything an analysis commits in one transaction. */
export interface AnalysisOutput {
  issues: IssueDraft[];
  paths: StoredPath[];
  tiers: TierAssignment[];
  findingPriorities: FindingPriority[];
  fixPlan: FixPlanItem[];
}
