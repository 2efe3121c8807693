// Scan and analysis runs: what was collected, from where, with what result.
import { z } from "zod";
import { IsoTime, SourceKey } from "./graph.js";

export const CollectorStatus = z.enum(["ok", "failed"]);

export const CollectorRun = SourceKey.extend({
  /** `ok`: the listing succeeded, so what it did not return is gone. `failed`: keep what we had. */
  status: CollectorStatus,
  /** snake_case, e.g. access_denied, throttled, invalid_input. */
  errorCode: z.string().max(128).optional(),
  message: z.string().max(4096).optional(),
  counts: z.record(z.string(), z.number().int().nonnegative()).default({}),
});
export type CollectorRun = z.input<typeof CollectorRun>;

export const ScanTriggerKind = z.enum(["scope", "adhoc", "import", "demo"]);

export const ScanRun = z.object({
  id: z.string().min(1).max(128),
  trigger: z.object({ kind: ScanTriggerKind, scopeId: z.string().max(128).optional() }),
  status: z.enum(["running", "complete", "partial", "failed"]),
  startedAt: IsoTime,
  finishedAt: IsoTime.optional(),
  collectors: z.array(CollectorRun),
});
export type ScanRun = z.input<typeof ScanRun>;

export interface ApplyCounts {
  nodes: number;
  edges: number;
  findings: number;
}

/** What `GraphStore.applyScan` did. */
export interface ApplySummary {
  runId: string;
  written: ApplyCounts;
  /** Claims removed from items an ok collector did not return this time. */
  claimsRemoved: ApplyCounts;
  /** Items deleted because no claim was left. */
  deleted: ApplyCounts;
  stubsCreated: number;
  findings: { matched: number; unmatched: number; merged: number; rematched: number };
  /** Per collector of the run, what it wrote. */
  collectors: Array<SourceKey & { status: "ok" | "failed"; written: ApplyCounts; cleanedUp: boolean }>;
}

export const AnalysisRun = z.object({
  id: z.string().min(1).max(128),
  startedAt: IsoTime,
  finishedAt: IsoTime.optional(),
  status: z.enum(["running", "complete", "failed"]),
  /** The scan runs whose data this analysis saw (the newest per source). */
  scanRunIds: z.array(z.string()).default([]),
  stages: z.array(z.object({ name: z.string(), ms: z.number().nonnegative() })).default([]),
  counts: z.record(z.string(), z.number().int().nonnegative()).default({}),
  demo: z.boolean().default(false),
});
export type AnalysisRun = z.input<typeof AnalysisRun>;
