// A GCP scope's provider config (Scope.config): exactly one of project, folder or organization,
// stored as the Cloud Asset parent it scans.
import { z } from "zod";
import { ValidationError } from "@ctem/model";

const PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const NUMERIC = /^\d{1,32}$/;

export const GcpScopeConfig = z
  .object({
    project: z
      .string()
      .regex(PROJECT, "a project id is 6–30 lower-case letters, digits and hyphens")
      .optional(),
    folder: z.string().regex(NUMERIC, "a folder id is a number").optional(),
    organization: z.string().regex(NUMERIC, "an organization id is a number").optional(),
    /** Already resolved (a stored scope read back). */
    parent: z
      .string()
      .regex(
        /^(projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]|folders\/\d+|organizations\/\d+)$/,
        "not a Cloud Asset parent",
      )
      .optional(),
    apiEndpoint: z
      .string()
      .max(512)
      .regex(/^(https?:\/\/)?[\w.-]+(:\d+)?$/, "a host or http(s)://host:port")
      .optional(),
  })
  .strict();
/** `apiEndpoint`: a custom Cloud Asset endpoint (private service connect, tests). */
export type GcpScopeConfig = { parent: string; apiEndpoint?: string };

/** `{project}` | `{folder}` | `{organization}` (exactly one) or `{parent}` → `{ parent }`. */
export function parseGcpScopeConfig(config: unknown, scopeName: string): GcpScopeConfig {
  const r = GcpScopeConfig.safeParse(config);
  if (!r.success) {
    const first = r.error.issues[0];
    const field = first?.path.length ? first.path.join(".") : "?";
    throw new ValidationError(`scope '${scopeName}': config.${field}: ${first?.message ?? "invalid"}`, {
      field: `config.${field}`,
    });
  }
  const given = [
    r.data.project ? `projects/${r.data.project}` : undefined,
    r.data.folder ? `folders/${r.data.folder}` : undefined,
    r.data.organization ? `organizations/${r.data.organization}` : undefined,
  ].filter((x): x is string => !!x);
  const extra = r.data.apiEndpoint ? { apiEndpoint: r.data.apiEndpoint } : {};
  if (r.data.parent && (given.length === 0 || given[0] === r.data.parent) && given.length <= 1)
    return { parent: r.data.parent, ...extra };
  if (given.length !== 1)
    throw new ValidationError(
      `scope '${scopeName}': give exactly one of project, folder or organization (${given.length} given)`,
      { field: "config" },
    );
  return { parent: given[0]!, ...extra };
}
