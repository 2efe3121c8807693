// Webhooks (admin): subscribe a URL to issue created/updated/resolved/reopened. The signing secret
// is answered once, at creation; deliveries are logged with their attempts and answers.
import { z } from "zod";
import { NotFoundError, WEBHOOK_EVENTS, Webhook, WebhookDelivery, WebhookEvent } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { PageQuery, pageOf, withErrors } from "../schemas.js";

const WebhookOut = Webhook.omit({ secretName: true }).meta({ id: "Webhook" });
const DeliveryOut = WebhookDelivery.meta({ id: "WebhookDelivery" });
const IdParam = z.object({ id: z.string().min(1).max(128) });
const Url = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe("http(s) URL the events are POSTed to");

export function registerWebhookRoutes(app: ZodApp, ctx: RouteContext): void {
  const ops = ctx.deps.app.ops;
  const hooks = ctx.webhooks;
  const out = ({ secretName: _s, ...w }: Webhook) => w;
  const find = async (id: string) => {
    const w = await ops.webhooks.get(id);
    if (!w) throw new NotFoundError(`no webhook ${id}`);
    return w;
  };

  app.get(
    "/api/webhooks",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "listWebhooks",
        tags: ["webhooks"],
        summary: "Webhooks (never their secrets)",
        response: withErrors({ 200: z.object({ items: z.array(WebhookOut) }) }),
      },
    },
    async () => ({ items: (await ops.webhooks.list()).map(out) }),
  );

  app.post(
    "/api/webhooks",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "createWebhook",
        tags: ["webhooks"],
        summary:
          "Subscribe a URL; the answer holds the signing secret once (verify x-ctem-signature = sha256=HMAC(secret, `${x-ctem-timestamp}.${body}`))",
        body: z
          .object({
            name: z.string().trim().min(1).max(128),
            url: Url,
            events: z
              .array(WebhookEvent)
              .min(1)
              .max(WEBHOOK_EVENTS.length)
              .default([...WEBHOOK_EVENTS]),
          })
          .strict(),
        response: withErrors({ 201: z.object({ webhook: WebhookOut, secret: z.string() }) }),
      },
    },
    async (req, reply) => {
      const { webhook, secret } = await hooks.create(req.body);
      await ctx.audit(req, { action: "webhook.create", target: webhook.id, after: out(webhook) });
      return reply.status(201).send({ webhook: out(webhook), secret });
    },
  );

  app.patch(
    "/api/webhooks/:id",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "updateWebhook",
        tags: ["webhooks"],
        summary: "Pause or resume a webhook, change its URL, name or events",
        params: IdParam,
        body: z
          .object({
            name: z.string().trim().min(1).max(128).optional(),
            url: Url.optional(),
            events: z.array(WebhookEvent).min(1).max(WEBHOOK_EVENTS.length).optional(),
            active: z.boolean().optional(),
          })
          .strict(),
        response: withErrors({ 200: WebhookOut }, 404),
      },
    },
    async (req) => {
      const before = await find(req.params.id);
      const after: Webhook = {
        ...before,
        ...(req.body.name !== undefined ? { name: req.body.name } : {}),
        ...(req.body.url !== undefined ? { url: req.body.url } : {}),
        ...(req.body.events !== undefined ? { events: [...new Set(req.body.events)] } : {}),
        ...(req.body.active !== undefined ? { active: req.body.active } : {}),
      };
      await ops.webhooks.save(after);
      await ctx.audit(req, {
        action: "webhook.update",
        target: after.id,
        before: out(before),
        after: out(after),
      });
      return out(after);
    },
  );

  app.delete(
    "/api/webhooks/:id",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "deleteWebhook",
        tags: ["webhooks"],
        summary: "Remove a webhook, its secret and its delivery log",
        params: IdParam,
        response: withErrors({ 204: z.null() }, 404),
      },
    },
    async (req, reply) => {
      const before = await find(req.params.id);
      await hooks.remove(before.id);
      await ctx.audit(req, { action: "webhook.delete", target: before.id, before: out(before) });
      return reply.status(204).send(null);
    },
  );

  app.get(
    "/api/webhooks/:id/deliveries",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "webhookDeliveries",
        tags: ["webhooks"],
        summary: "A webhook's delivery log, newest first: attempts, last answer, next attempt",
        params: IdParam,
        querystring: PageQuery.strict(),
        response: withErrors({ 200: pageOf(DeliveryOut) }, 404),
      },
    },
    async (req) => {
      const w = await find(req.params.id);
      return ops.deliveries.list(w.id, {
        limit: req.query.limit,
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      });
    },
  );
}
