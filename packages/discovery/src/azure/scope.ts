// An Azure scope's provider config (Scope.config): the tenant, the subscriptions, an optional
// application (client) id and the cloud. A client secret, when used, is a stored secret the server
// seals; it is never part of the config.
import { z } from "zod";
import { ValidationError, formatIssuePath } from "@ctem/model";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const AZURE_GUID_PATTERN = GUID;

export const AzureScopeConfig = z.object({
  tenantId: z
    .string()
    .max(253)
    .regex(/^([0-9a-f-]{36}|[a-z0-9][a-z0-9.-]*\.[a-z]{2,})$/i, "a tenant id (GUID) or domain"),
  subscriptions: z
    .array(z.string().regex(GUID, "a subscription id is a GUID"))
    .min(1, "name at least one subscription"),
  clientId: z.string().regex(GUID, "an application (client) id is a GUID").optional(),
  cloud: z.enum(["public", "usgov", "china"]).default("public"),
  armEndpoint: z
    .string()
    .max(2048)
    .regex(/^https:\/\/[^\s]+$/, "an https URL")
    .optional(),
});
export type AzureScopeConfig = z.infer<typeof AzureScopeConfig>;

export function parseAzureScopeConfig(config: unknown, scopeName: string): AzureScopeConfig {
  const r = AzureScopeConfig.safeParse(config);
  if (!r.success) {
    const first = r.error.issues[0];
    const field = first ? formatIssuePath(first.path) : "?";
    throw new ValidationError(`scope '${scopeName}': config.${field}: ${first?.message ?? "invalid"}`, {
      field: `config.${field}`,
    });
  }
  return { ...r.data, subscriptions: [...new Set(r.data.subscriptions.map((s) => s.toLowerCase()))] };
}
