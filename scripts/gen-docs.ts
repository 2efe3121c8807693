// Regenerates the generated docs. Each has a test that fails when the committed copy is stale.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderGraphSchemaMarkdown } from "../packages/model/src/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));

writeFileSync(`${root}docs/graph-schema.md`, renderGraphSchemaMarkdown());
console.error("wrote docs/graph-schema.md");
