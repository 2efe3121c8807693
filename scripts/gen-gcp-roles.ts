// Regenerates what to grant ctem on GCP (infra/gcp/roles.json, infra/gcp/ctem-scanner-role.yaml)
// and the module table of docs/gcp.md from the GCP module declarations, formatted as the
// repository's prettier does. packages/discovery/test/gcp/roles.test.ts fails when they are stale.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import {
  gcpCustomRoleYaml,
  gcpRolesDocument,
  withGcpModulesTable,
} from "../packages/discovery/src/gcp/policy.js";

const root = fileURLToPath(new URL("..", import.meta.url));

async function write(rel: string, text: string): Promise<void> {
  const file = `${root}${rel}`;
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(text, { ...options, filepath: file }));
}

await write("infra/gcp/roles.json", JSON.stringify(gcpRolesDocument()));
await write("infra/gcp/ctem-scanner-role.yaml", gcpCustomRoleYaml());
await write("docs/gcp.md", withGcpModulesTable(readFileSync(`${root}docs/gcp.md`, "utf8")));
console.error("wrote infra/gcp/roles.json, infra/gcp/ctem-scanner-role.yaml, docs/gcp.md (module table)");
