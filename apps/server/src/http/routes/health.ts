// Unauthenticated: /api/health (both stores, and plainly whether there is any data to show) and
// /api/docs (the OpenAPI document generated from the routes' zod schemas).
import { z } from "zod";
import type { RouteContext, ZodApp } from "../app.js";
import { SERVER_VERSION } from "../app.js";

const StoreHealth = z.object({ ok: z.boolean(), detail: z.string().optional() });

export const Health = z
  .object({
    ok: z.boolean(),
    version: z.string(),
    stores: z.object({ graph: StoreHealth.extend({ kind: z.enum(["sqlite", "neo4j"]) }), app: StoreHealth }),
    data: z.object({
      /** The current analysis, or null before the first one. */
      analysis: z.object({ id: z.string(), finishedAt: z.string().nullable() }).nullable(),
      /** Whether what is shown is the demo estate (the UI shows a banner). */
      demo: z.boolean(),
      /** Said in words: what there is to look at. */
      note: z.string(),
    }),
  })
  .meta({ id: "Health" });

export function registerHealthRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    "/api/health",
    {
      config: { access: "public" },
      schema: {
        operationId: "getHealth",
        tags: ["meta"],
        summary: "Both stores' health and whether there is data",
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      const safe = async (f: () => Promise<{ ok: boolean; detail?: string }>) => {
        try {
          return await f();
        } catch (e) {
          return { ok: false, detail: e instanceof Error ? e.message : "unreachable" };
        }
      };
      const [graph, appStore] = await Promise.all([
        safe(() => ctx.deps.graph.health()),
        safe(() => ctx.deps.app.health()),
      ]);
      // Unauthenticated: the detail (file paths, counts) is shown only when something is wrong.
      const show = (h: { ok: boolean; detail?: string }) =>
        h.ok ? { ok: true } : { ok: false, detail: (h.detail ?? "failed").slice(0, 300) };
      const current = appStore.ok ? await ctx.deps.app.currentAnalysis().catch(() => undefined) : undefined;
      const ok = graph.ok && appStore.ok;
      return reply.status(ok ? 200 : 503).send({
        ok,
        version: SERVER_VERSION,
        stores: { graph: { kind: ctx.deps.graphKind, ...show(graph) }, app: show(appStore) },
        data: {
          analysis: current ? { id: current.id, finishedAt: current.finishedAt ?? null } : null,
          demo: current?.demo === true,
          note: current?.demo
            ? "showing the demo estate (everything marked demo: true); the first real scan or import removes it"
            : current
              ? `analysis ${current.id} is current`
              : (ctx.deps.dataNote ?? "no analysis yet: scan or import, then analyse"),
        },
      });
    },
  );

  app.get(
    "/api/docs",
    {
      config: { access: "public" },
      schema: {
        operationId: "getOpenApi",
        tags: ["meta"],
        summary: "This API's OpenAPI 3.1 document",
        hide: true,
        response: { 200: z.record(z.string(), z.unknown()) },
      },
    },
    () => app.swagger() as unknown as Record<string, unknown>,
  );
}
