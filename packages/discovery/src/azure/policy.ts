// The scanner's read-only custom role (infra/azure/) and the module table of docs/azure.md,
// generated from the module declarations (CONVENTIONS 2) by scripts/gen-azure-role.ts. A test
// fails when the committed files differ from what these functions produce.
import type { AzureModule } from "./module.js";
import { AZURE_MODULES } from "./modules/index.js";

export function azureScannerActions(modules: readonly AzureModule[] = AZURE_MODULES): string[] {
  return [...new Set(modules.flatMap((m) => m.permissions))].sort();
}

/** A custom role definition (`az role definition create --role-definition @file`); scopes are filled in. */
export function azureScannerRole(modules: readonly AzureModule[] = AZURE_MODULES) {
  return {
    Name: "ctem scanner (read-only)",
    IsCustom: true,
    Description:
      "ctem scanner: read-only, least privilege (generated from the Azure module declarations; do not edit)",
    Actions: azureScannerActions(modules),
    NotActions: [],
    DataActions: [],
    NotDataActions: [],
    AssignableScopes: ["/subscriptions/00000000-0000-0000-0000-000000000000"],
  };
}

export const AZURE_DOCS_BEGIN = "<!-- BEGIN generated: azure modules (scripts/gen-azure-role.ts) -->";
export const AZURE_DOCS_END = "<!-- END generated: azure modules -->";

export function azureModulesMarkdown(modules: readonly AzureModule[] = AZURE_MODULES): string {
  const rows = modules.map((m) => {
    const produces = [
      ...m.produces.nodes.map((n) => `\`${n}\``),
      ...m.produces.edges.map((e) => `\`${e}\``),
    ].join(", ");
    const graph = (m.graphPermissions ?? []).map((p) => `Microsoft Graph \`${p}\` (application permission)`);
    const opt = m.optIn ? ` Opt-in: \`--${m.optIn}\`.` : "";
    return `| \`${m.id}\` | ${m.description}${opt} | ${produces} | ${[...m.permissions.map((p) => `\`${p}\``), ...graph].join(", ")} |`;
  });
  return [
    AZURE_DOCS_BEGIN,
    "| module | what | produces | Azure RBAC actions |",
    "|---|---|---|---|",
    ...rows,
    AZURE_DOCS_END,
  ].join("\n");
}

export function withAzureModulesTable(page: string, modules: readonly AzureModule[] = AZURE_MODULES): string {
  const a = page.indexOf(AZURE_DOCS_BEGIN);
  const b = page.indexOf(AZURE_DOCS_END);
  if (a < 0 || b < a) throw new Error("docs/azure.md: the generated-table markers are missing");
  return page.slice(0, a) + azureModulesMarkdown(modules) + page.slice(b + AZURE_DOCS_END.length);
}
