// Renders docs/graph-schema.md from the kind tables, so the docs never drift from the code.
import { EDGE_KINDS, EDGE_KIND_VALUES, NODE_KINDS, NODE_KIND_VALUES } from "./kinds.js";

const esc = (s: string) => s.replaceAll("|", "\\|");

export function renderGraphSchemaMarkdown(): string {
  const lines: string[] = [
    "<!-- Generated from packages/model/src/kinds.ts by `pnpm docs:gen`. Do not edit by hand. -->",
    "",
    "# Graph schema",
    "",
    "Ids are the provider's canonical ids (AWS ARNs, lower-cased Azure resource ids, GCP full resource names);",
    "the internet node's id is `internet` and a CVE's is `cve:CVE-…`.",
    "",
    "## Node kinds",
    "",
    "| kind | description |",
    "| --- | --- |",
    ...NODE_KIND_VALUES.map((k) => `| \`${k}\` | ${esc(NODE_KINDS[k])} |`),
    "",
    "## Edge kinds",
    "",
    "Inventory edges are written by connectors; attack edges are derived by the engine, each with",
    "evidence and assumptions. Path search walks only traversable edges.",
    "",
    "| kind | category | traversable | from → to | description |",
    "| --- | --- | --- | --- | --- |",
    ...EDGE_KIND_VALUES.map((k) => {
      const e = EDGE_KINDS[k];
      return `| \`${k}\` | ${e.category} | ${e.traversable ? "yes" : "no"} | ${esc(e.endpoints)} | ${esc(e.description)} |`;
    }),
    "",
  ];
  return lines.join("\n");
}
