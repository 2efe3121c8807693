// Webhooks: issue created, updated, resolved, reopened, for Slack or Jira bridges. Each event is a
// delivery in the log first, then sent: POST, JSON, signed with HMAC-SHA256 over
// `<timestamp>.<body>` with the webhook's secret (header x-ctem-signature: sha256=<hex>), retried
// with backoff until it answers 2xx or the attempts run out. The secret is sealed in the secret
// store and shown once, when the webhook is created.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { AppStore, Issue, Webhook, WebhookDelivery, WebhookEvent } from "@ctem/model";
import type { SecretBox } from "../auth/secrets.js";

/** Minutes to wait after attempt n (1-based) fails; after the last, the delivery has failed. */
export const BACKOFF_MINUTES = [1, 5, 30, 120, 720] as const;
const TIMEOUT_MS = 10_000;

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ status: number }>;

export interface WebhookServiceDeps {
  ops: AppStore["ops"];
  secrets: Pick<AppStore["accounts"]["secrets"], "get" | "put" | "remove">;
  box: SecretBox;
  clock: () => Date;
  fetch?: FetchLike;
  onError?: (msg: string, err: unknown) => void;
}

export const secretNameOf = (id: string) => `webhook:${id}`;

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** What a subscriber receives about an issue: enough to link and triage, never paths or evidence. */
function issueSummary(i: Issue) {
  return {
    key: i.key,
    alias: i.alias,
    title: i.title,
    rule: i.rule,
    severity: i.severity,
    score: i.score,
    status: i.status,
    entry: i.entry.id,
    target: i.target.id,
    assignee: i.assignee,
    dueAt: i.dueAt,
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

export function createWebhookService(deps: WebhookServiceDeps) {
  const fetchFn: FetchLike =
    deps.fetch ??
    ((url, init) => fetch(url, { ...init, redirect: "manual" }).then((r) => ({ status: r.status })));
  let sending: Promise<void> | undefined;

  async function attempt(d: WebhookDelivery, hook: Webhook | undefined): Promise<WebhookDelivery> {
    const now = deps.clock();
    const next: WebhookDelivery = { ...d, attempts: d.attempts + 1 };
    let ok = false;
    try {
      if (!hook || !hook.active) throw new Error("the webhook was removed or paused");
      const sealed = await deps.secrets.get(hook.secretName);
      if (!sealed) throw new Error("the webhook's secret is missing");
      const secret = deps.box.open(hook.secretName, sealed);
      const ts = String(Math.floor(now.getTime() / 1000));
      const res = await fetchFn(hook.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "ctem-webhooks",
          "x-ctem-event": d.event,
          "x-ctem-delivery": d.id,
          "x-ctem-timestamp": ts,
          "x-ctem-signature": sign(secret, ts, d.body),
        },
        body: d.body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      next.lastStatus = res.status;
      ok = res.status >= 200 && res.status < 300;
      next.lastError = ok ? null : `answered ${res.status}`;
    } catch (e) {
      next.lastError = (e instanceof Error ? e.message : String(e)).slice(0, 1024);
    }
    if (ok) return { ...next, status: "delivered", deliveredAt: now.toISOString(), nextAttemptAt: null };
    const wait = BACKOFF_MINUTES[next.attempts - 1];
    if (wait === undefined || !hook) return { ...next, status: "failed", nextAttemptAt: null };
    return { ...next, nextAttemptAt: new Date(now.getTime() + wait * 60_000).toISOString() };
  }

  /** Sends every delivery that is due; one pass at a time. */
  async function deliverDue(): Promise<void> {
    if (sending) return sending;
    sending = (async () => {
      try {
        for (;;) {
          const due = await deps.ops.deliveries.due(deps.clock().toISOString(), 50);
          if (due.length === 0) return;
          for (const d of due)
            await deps.ops.deliveries.put(await attempt(d, await deps.ops.webhooks.get(d.webhookId)));
        }
      } catch (e) {
        deps.onError?.("webhook delivery failed", e);
      } finally {
        sending = undefined;
      }
    })();
    return sending;
  }

  return {
    deliverDue,
    /** Creates a webhook; answers it with its secret, which is never shown again. */
    async create(o: { name: string; url: string; events: WebhookEvent[] }) {
      const id = `wh-${randomUUID()}`;
      const secret = `whsec_${randomBytes(24).toString("base64url")}`;
      const hook: Webhook = {
        id,
        name: o.name,
        url: o.url,
        events: [...new Set(o.events)],
        active: true,
        secretName: secretNameOf(id),
        createdAt: deps.clock().toISOString(),
      };
      await deps.secrets.put(hook.secretName, deps.box.seal(hook.secretName, secret));
      await deps.ops.webhooks.save(hook);
      return { webhook: hook, secret };
    },
    async remove(id: string): Promise<boolean> {
      const hook = await deps.ops.webhooks.get(id);
      if (!hook) return false;
      await deps.ops.webhooks.remove(id);
      await deps.secrets.remove(hook.secretName);
      return true;
    },
    /** Logs one delivery per subscribed webhook and starts sending. */
    async emit(
      events: Array<{ event: WebhookEvent; issue: Issue; from?: Issue["status"] }>,
    ): Promise<number> {
      if (events.length === 0) return 0;
      const hooks = (await deps.ops.webhooks.list()).filter((h) => h.active);
      let n = 0;
      const at = deps.clock().toISOString();
      for (const e of events)
        for (const h of hooks) {
          if (!h.events.includes(e.event)) continue;
          const id = `whd-${randomUUID()}`;
          const body = JSON.stringify({
            id,
            event: e.event,
            at,
            issue: issueSummary(e.issue),
            ...(e.from ? { previousStatus: e.from } : {}),
          });
          await deps.ops.deliveries.put({
            id,
            webhookId: h.id,
            event: e.event,
            body,
            status: "pending",
            attempts: 0,
            lastStatus: null,
            lastError: null,
            createdAt: at,
            nextAttemptAt: at,
            deliveredAt: null,
          });
          n++;
        }
      if (n) void deliverDue();
      return n;
    },
  };
}

/** The events an analysis caused, from the issues before and after it. */
export function analysisEvents(
  before: ReadonlyMap<string, Issue["status"]>,
  after: readonly Issue[],
): Array<{ event: WebhookEvent; issue: Issue; from?: Issue["status"] }> {
  const out: Array<{ event: WebhookEvent; issue: Issue; from?: Issue["status"] }> = [];
  for (const i of after) {
    const was = before.get(i.key);
    if (was === undefined) out.push({ event: "issue.created", issue: i });
    else if (was === i.status) continue;
    else if (i.status === "resolved") out.push({ event: "issue.resolved", issue: i, from: was });
    else if (was === "resolved") out.push({ event: "issue.reopened", issue: i, from: was });
    else out.push({ event: "issue.updated", issue: i, from: was });
  }
  return out;
}
