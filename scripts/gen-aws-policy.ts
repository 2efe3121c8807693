// Regenerates the AWS scanner policy, its CloudFormation template and the module table of
// docs/aws.md from the AWS module declarations, formatted as the repository's prettier does.
// packages/discovery/test/aws-policy.test.ts fails when the committed copies are stale.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import {
  scannerPolicy,
  scannerRoleTemplate,
  withModulesTable,
} from "../packages/discovery/src/aws/policy.js";

const root = fileURLToPath(new URL("..", import.meta.url));

async function write(rel: string, text: string): Promise<void> {
  const file = `${root}${rel}`;
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(file, await format(text, { ...options, filepath: file }));
}

await write("infra/aws/scanner-policy.json", JSON.stringify(scannerPolicy()));
await write("infra/aws/scanner-role.json", JSON.stringify(scannerRoleTemplate()));
await write("docs/aws.md", withModulesTable(readFileSync(`${root}docs/aws.md`, "utf8")));
console.error("wrote infra/aws/scanner-policy.json, infra/aws/scanner-role.json, docs/aws.md (module table)");
