// Settings routes: crown-jewel rules, pins and exclusions, SLA days, owner mappings (DESIGN
// "Settings"). The stored settings are the source of truth; keys set in ctem.config.json win and
// answer 409 "set in ctem.config.json" when changed here. Analysts read, admins change.
import { z } from "zod";
import { SETTINGS_KEYS, Settings, SettingsPatch } from "@ctem/model";
import type { SettingsKey } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { withErrors } from "../schemas.js";

const SettingsOut = z
  .object({
    settings: Settings,
    /** Keys set by ctem.config.json: read-only here. */
    overlayKeys: z.array(z.enum(SETTINGS_KEYS)),
  })
  .meta({ id: "Settings" });

export function registerSettingsRoutes(app: ZodApp, ctx: RouteContext): void {
  const store = ctx.deps.app;
  const current = async () => ({ settings: await store.settings(), overlayKeys: store.overlayKeys() });

  app.get(
    "/api/settings",
    {
      config: { access: ["admin", "analyst"] },
      schema: {
        operationId: "getSettings",
        tags: ["settings"],
        summary: "Crown-jewel rules and pins, SLA days, owner mappings; which keys ctem.config.json sets",
        response: withErrors({ 200: SettingsOut }),
      },
    },
    current,
  );

  app.patch(
    "/api/settings",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "updateSettings",
        tags: ["settings"],
        summary:
          "Replace whole top-level keys (crownJewels, slaDays, owners); a key set in ctem.config.json answers 409. Takes effect at the next analysis.",
        body: SettingsPatch.strict(),
        response: withErrors({ 200: SettingsOut }, 409),
      },
    },
    async (req) => {
      const before = await store.settings();
      const keys = SETTINGS_KEYS.filter((k) => req.body[k] !== undefined);
      try {
        await store.saveSettings(req.body);
      } catch (e) {
        await ctx.audit(req, { action: "settings.update", target: keys.join(","), outcome: "failure" });
        throw e;
      }
      const after = await current();
      const pick = (s: Settings) => Object.fromEntries(keys.map((k: SettingsKey) => [k, s[k]]));
      await ctx.audit(req, {
        action: "settings.update",
        target: keys.join(","),
        before: pick(before),
        after: pick(after.settings),
      });
      return after;
    },
  );
}
