// Provider configuration of a scope, as the API and the scheduler see it. The connectors own the
// meaning (discovery's parseAwsScopeConfig / parseAzureScopeConfig / parseGcpScopeConfig); this
// module adds what the server keeps apart from the config: the stored secret (an Azure client
// secret, a GCP service-account key file), sealed with the server's secret box under a name tied
// to the scope, and never returned.
import { z } from "zod";
import { parseAwsScopeConfig, parseAzureScopeConfig, parseGcpScopeConfig } from "@ctem/discovery";
import { ValidationError } from "@ctem/model";
import type { Scope } from "@ctem/model";

export const scopeSecretName = (scopeId: string) => `scope:${scopeId}:credential`;

/** The API's input for an Azure scope's config (the connector validates the rest). */
export const AzureConfigIn = z
  .object({
    tenantId: z.string().trim().min(1).max(256),
    subscriptions: z.array(z.string().trim().min(1).max(256)).min(1).max(1000),
    clientId: z.string().trim().min(1).max(256).optional(),
    cloud: z.enum(["public", "usgov", "china"]).optional(),
    armEndpoint: z.string().max(2048).optional(),
  })
  .strict();

/** The API's input for a GCP scope's config: exactly one of project, folder, organization; a custom Cloud Asset endpoint. */
export const GcpConfigIn = z
  .object({
    project: z.string().trim().min(1).max(256).optional(),
    folder: z.string().trim().min(1).max(256).optional(),
    organization: z.string().trim().min(1).max(256).optional(),
    apiEndpoint: z.string().max(2048).optional(),
  })
  .strict();

/** A client secret as Azure issues it. */
export const ClientSecret = z.string().min(1).max(1024);
/** A service-account key file's contents (JSON). */
export const KeyFile = z.string().min(2).max(65_536);

/** The connector's validated config, as stored (never a secret). */
export function parseScopeConfig(
  provider: Scope["provider"],
  config: unknown,
  scopeName: string,
): Record<string, unknown> {
  if (provider === "aws") return { ...parseAwsScopeConfig(config, scopeName) };
  if (provider === "azure") return { ...parseAzureScopeConfig(config, scopeName) };
  return { ...parseGcpScopeConfig(config, scopeName) };
}

const GCP_PARENT_FIELDS = ["project", "folder", "organization"];

/**
 * A GCP scope's config after a patch: a new project, folder or organization replaces the parent
 * (never two at once); other fields (apiEndpoint) merge.
 */
export function patchedGcpInput(
  stored: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const { parent, ...rest } = stored;
  const newParent = GCP_PARENT_FIELDS.some((k) => k in patch);
  return { ...rest, ...(newParent ? {} : { parent }), ...patch };
}

/**
 * Checks a secret for the scope's provider before it is sealed. Messages never quote the secret.
 * A key file must be a JSON object naming its type (service_account, external_account…).
 */
export function checkSecret(
  provider: Scope["provider"],
  secret: string,
  config: Record<string, unknown>,
  field: string,
): void {
  if (provider === "aws")
    throw new ValidationError(`${field}: an AWS scope keeps no secret (it uses a role and an external id)`, {
      field,
    });
  if (provider === "azure") {
    if (typeof config.clientId !== "string")
      throw new ValidationError(`${field}: a client secret needs config.clientId (the app registration)`, {
        field,
      });
    return;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(secret);
  } catch {
    throw new ValidationError(`${field}: not JSON (give the service-account key file's contents)`, { field });
  }
  if (!doc || typeof doc !== "object" || typeof (doc as { type?: unknown }).type !== "string")
    throw new ValidationError(`${field}: a key file is a JSON object with a "type" (e.g. service_account)`, {
      field,
    });
}
