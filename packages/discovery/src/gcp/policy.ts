// What to grant ctem's identity on the scanned project, folder or organization, and the module
// table of docs/gcp.md, generated from the module declarations (CONVENTIONS 2) by
// scripts/gen-gcp-roles.ts. A test fails when the committed files differ from these.
import type { GcpModule } from "./module.js";
import { GCP_MODULES } from "./modules.js";

export function gcpScannerPermissions(modules: readonly GcpModule[] = GCP_MODULES): string[] {
  return [...new Set(modules.flatMap((m) => m.permissions))].sort();
}

export function gcpScannerRoles(modules: readonly GcpModule[] = GCP_MODULES): string[] {
  return [...new Set(modules.flatMap((m) => m.roles))].sort();
}

/** infra/gcp/roles.json: the predefined roles to grant, or the permissions of a custom role. */
export function gcpRolesDocument(modules: readonly GcpModule[] = GCP_MODULES) {
  return {
    description:
      "ctem scanner: read-only Cloud Asset Inventory access (generated from the GCP module declarations; do not edit)",
    grant: gcpScannerRoles(modules),
    customRole: {
      title: "ctem scanner",
      description: "Lists Cloud Asset Inventory resources and IAM policies (read-only)",
      stage: "GA",
      includedPermissions: gcpScannerPermissions(modules),
    },
    apis: ["cloudasset.googleapis.com"],
  };
}

/** infra/gcp/ctem-scanner-role.yaml, for `gcloud iam roles create ctemScanner --file=…`. */
export function gcpCustomRoleYaml(modules: readonly GcpModule[] = GCP_MODULES): string {
  const d = gcpRolesDocument(modules).customRole;
  return [
    "# generated from the GCP module declarations (scripts/gen-gcp-roles.ts); do not edit",
    `title: ${d.title}`,
    `description: ${d.description}`,
    `stage: ${d.stage}`,
    "includedPermissions:",
    ...d.includedPermissions.map((p) => `  - ${p}`),
    "",
  ].join("\n");
}

export const GCP_DOCS_BEGIN = "<!-- BEGIN generated: gcp modules (scripts/gen-gcp-roles.ts) -->";
export const GCP_DOCS_END = "<!-- END generated: gcp modules -->";

export function gcpModulesMarkdown(modules: readonly GcpModule[] = GCP_MODULES): string {
  const rows = modules.map((m) => {
    const produces = [
      ...m.produces.nodes.map((n) => `\`${n}\``),
      ...m.produces.edges.map((e) => `\`${e}\``),
    ].join(", ");
    return `| \`${m.id}\` | \`${m.contentType}\` | ${m.description} | ${produces} | ${m.permissions.map((p) => `\`${p}\``).join(", ")} | ${m.roles.map((r) => `\`${r}\``).join(", ")} |`;
  });
  return [
    GCP_DOCS_BEGIN,
    "| module | content | what | produces | permissions | role |",
    "|---|---|---|---|---|---|",
    ...rows,
    GCP_DOCS_END,
  ].join("\n");
}

export function withGcpModulesTable(page: string, modules: readonly GcpModule[] = GCP_MODULES): string {
  const a = page.indexOf(GCP_DOCS_BEGIN);
  const b = page.indexOf(GCP_DOCS_END);
  if (a < 0 || b < a) throw new Error("docs/gcp.md: the generated-table markers are missing");
  return page.slice(0, a) + gcpModulesMarkdown(modules) + page.slice(b + GCP_DOCS_END.length);
}
