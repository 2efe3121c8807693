// The source of GCP data: `gcp:<project|folder|org id>` (DESIGN "The seams"), named by the scan's
// parent or, for an export, by the root of the hierarchy the export covers.

export const GCP_PARENT_PATTERN =
  /^(projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]|folders\/\d+|organizations\/\d+)$/;

/** `projects/p` | `folders/1` | `organizations/2` | a bare id → `gcp:<id>`. */
export function gcpSource(parentId: string): string {
  return `gcp:${parentId.replace(/^(projects|folders|organizations)\//, "")}`;
}

/** Collector ids (persisted). */
export const GCP_COLLECTORS = {
  resource: "gcp-cai-resource",
  iamPolicy: "gcp-cai-iam-policy",
  orgPolicy: "gcp-cai-org-policy",
  accessPolicy: "gcp-cai-access-policy",
} as const;
