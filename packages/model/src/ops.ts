// What the server keeps to run the programme (server part 2): daily KPI snapshots, webhooks and
// their delivery log.
import { z } from "zod";
import { IsoTime } from "./graph.js";

const PerSeverity = z.object({
  critical: z.number().int().nonnegative(),
  high: z.number().int().nonnegative(),
  medium: z.number().int().nonnegative(),
  low: z.number().int().nonnegative(),
});

/** One day's state of the open issues (taken by the daily job). */
export const KpiSnapshot = z.object({
  /** YYYY-MM-DD, UTC. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  at: IsoTime,
  /** Issues not resolved, fixed, accepted or false positive, by severity. */
  open: PerSeverity,
  /** Open issues past their due date. */
  overdue: z.number().int().nonnegative(),
  /** Sum of the open issues' scores. */
  exposure: z.number().nonnegative(),
});
export type KpiSnapshot = z.infer<typeof KpiSnapshot>;

export const WEBHOOK_EVENTS = ["issue.created", "issue.updated", "issue.resolved", "issue.reopened"] as const;
export const WebhookEvent = z.enum(WEBHOOK_EVENTS);
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** A subscriber. Its signing secret is sealed in the secret store under `secretName`, never here. */
export const Webhook = z.object({
  id: z.string().min(1).max(128),
  name: z.string().min(1).max(128),
  url: z.url().max(2048),
  events: z.array(WebhookEvent).min(1),
  active: z.boolean(),
  secretName: z.string().min(1).max(256),
  createdAt: IsoTime,
});
export type Webhook = z.infer<typeof Webhook>;

export const WebhookDelivery = z.object({
  id: z.string().min(1).max(128),
  webhookId: z.string().min(1).max(128),
  event: WebhookEvent,
  /** The body sent, as sent (its signature covers these bytes). */
  body: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int().nonnegative(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().max(1024).nullable(),
  createdAt: IsoTime,
  nextAttemptAt: IsoTime.nullable(),
  deliveredAt: IsoTime.nullable(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
