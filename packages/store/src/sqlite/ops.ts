// The OpsStore on SQLite: daily KPI snapshots, webhooks and their delivery log (server part 2).
// Writes go through the handle's lock like every other AppStore write.
import { KpiSnapshot, Webhook, WebhookDelivery, parseItem } from "@ctem/model";
import type { OpsStore } from "@ctem/model";
import type { SqliteHandle } from "./db.js";
import { decodeCursor, encodeCursor } from "./paging.js";

export function createSqliteOpsStore(h: SqliteHandle): OpsStore {
  const w = h.writer;
  const r = h.reader;
  return {
    kpiSnapshots: {
      put(s) {
        return h.lock.run(() => {
          const v = parseItem(KpiSnapshot, s, "KPI snapshot");
          w.prepare(
            "INSERT INTO kpi_snapshots (day, doc) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET doc = excluded.doc",
          ).run(v.day, JSON.stringify(v));
        });
      },
      list(fromDay, toDay) {
        const rows = r
          .prepare<[string, string], { doc: string }>(
            "SELECT doc FROM kpi_snapshots WHERE day >= ? AND day <= ? ORDER BY day",
          )
          .all(fromDay, toDay);
        return Promise.resolve(rows.map((x) => JSON.parse(x.doc) as KpiSnapshot));
      },
    },
    webhooks: {
      list() {
        const rows = r.prepare<[], { doc: string }>("SELECT doc FROM webhooks ORDER BY id").all();
        return Promise.resolve(rows.map((x) => JSON.parse(x.doc) as Webhook));
      },
      get(id) {
        const row = r.prepare<[string], { doc: string }>("SELECT doc FROM webhooks WHERE id = ?").get(id);
        return Promise.resolve(row ? (JSON.parse(row.doc) as Webhook) : undefined);
      },
      save(hook) {
        return h.lock.run(() => {
          const v = parseItem(Webhook, hook, "webhook");
          w.prepare(
            "INSERT INTO webhooks (id, doc) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
          ).run(v.id, JSON.stringify(v));
        });
      },
      remove(id) {
        return h.lock.run(() =>
          w.transaction(() => {
            w.prepare("DELETE FROM webhook_deliveries WHERE webhook_id = ?").run(id);
            return w.prepare("DELETE FROM webhooks WHERE id = ?").run(id).changes > 0;
          })(),
        );
      },
    },
    deliveries: {
      put(d) {
        return h.lock.run(() => {
          const v = parseItem(WebhookDelivery, d, "webhook delivery");
          w.prepare(
            `INSERT INTO webhook_deliveries (id, webhook_id, status, created_at, next_attempt_at, doc)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET status = excluded.status,
               next_attempt_at = excluded.next_attempt_at, doc = excluded.doc`,
          ).run(v.id, v.webhookId, v.status, v.createdAt, v.nextAttemptAt, JSON.stringify(v));
        });
      },
      due(at, limit) {
        const rows = r
          .prepare<[string, number], { doc: string }>(
            `SELECT doc FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?
             ORDER BY next_attempt_at, id LIMIT ?`,
          )
          .all(at, limit);
        return Promise.resolve(rows.map((x) => JSON.parse(x.doc) as WebhookDelivery));
      },
      list(webhookId, page) {
        const limit = Math.max(1, Math.min(page.limit, 1000));
        const args: unknown[] = [webhookId];
        let where = "webhook_id = ?";
        if (page.cursor) {
          const [t, id] = decodeCursor(page.cursor);
          where += " AND (created_at < ? OR (created_at = ? AND id < ?))";
          args.push(t, t, id);
        }
        const rows = r
          .prepare<unknown[], { id: string; created_at: string; doc: string }>(
            `SELECT id, created_at, doc FROM webhook_deliveries WHERE ${where}
             ORDER BY created_at DESC, id DESC LIMIT ?`,
          )
          .all(...args, limit + 1);
        const items = rows.slice(0, limit).map((x) => JSON.parse(x.doc) as WebhookDelivery);
        const last = rows.length > limit ? rows[limit - 1] : undefined;
        return Promise.resolve(last ? { items, next: encodeCursor([last.created_at, last.id]) } : { items });
      },
    },
  };
}
