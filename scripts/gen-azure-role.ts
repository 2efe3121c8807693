// Regenerates the Azure scanner's read-only custom role (infra/azure/scanner-role.json) and the
// module table of docs/azure.md from the Azure module declarations, formatted as the repository's
// prettier does. packages/discovery/test/azure-policy.test.ts fails when the committed copies are stale.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { azureScannerRole, withAzureModulesTable } from "../packages/discovery/src/azure/policy.js";

const root = fileURLToPath(new URL("..", import.meta.url));

async function write(rel: string, text: string): Promise<void> {
  const file = `${root}${rel}`;
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(text, { ...options, filepath: file }));
}

await write("infra/azure/scanner-role.json", JSON.stringify(azureScannerRole()));
await write("docs/azure.md", withAzureModulesTable(readFileSync(`${root}docs/azure.md`, "utf8")));
console.error("wrote infra/azure/scanner-role.json, docs/azure.md (module table)");
