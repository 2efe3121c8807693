// Feed freshness: which threat-intel feeds the scores use (KEV, EPSS, the CVSS tables), their
// publisher dates, age, whether they are stale (the UI warns) and when they were last fetched.
import { z } from "zod";
import type { RouteContext, ZodApp } from "../app.js";
import { withErrors } from "../schemas.js";

const FeedStatusOut = z
  .object({
    feed: z.string(),
    origin: z.enum(["data", "snapshot"]),
    date: z.string().optional(),
    ageDays: z.number().int().optional(),
    stale: z.boolean(),
    fetchedAt: z.string().optional(),
    url: z.string().optional(),
    version: z.string().optional(),
    rows: z.number().int(),
    skipped: z.number().int(),
    problem: z.string().optional(),
  })
  .meta({ id: "FeedStatus" });

export function registerIntelRoutes(app: ZodApp, ctx: RouteContext): void {
  // The app's intel: loaded on first use, again when `ctem intel refresh` replaced a feed file.
  const intel = ctx.intel;

  app.get(
    "/api/intel/status",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "intelStatus",
        tags: ["intel"],
        summary: "Threat-intel feed freshness: publisher date, age, stale (older than 7 days), last fetch",
        response: withErrors({ 200: z.object({ items: z.array(FeedStatusOut) }) }),
      },
    },
    async () => {
      const index = await intel.load();
      // The file paths stay on the server: they say nothing a user needs and something an attacker might.
      return {
        items: index.status().map(({ file: _file, skipped, ...s }) => ({ ...s, skipped: skipped.count })),
      };
    },
  );
}
