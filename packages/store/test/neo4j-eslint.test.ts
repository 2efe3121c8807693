// The lint rule that forbids string-built Cypher (eslint.neo4j.js) flags what it should, and the
// adapter's own sources pass it.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { Linter } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { neo4jConfig } from "../eslint.neo4j.js";

const root = path.resolve(import.meta.dirname, "../../..");
const linter = new Linter({ configType: "flat", cwd: root });
const config = [
  { files: ["**/*.ts"], languageOptions: { parser: tseslint.parser as Linter.Parser } },
  ...neo4jConfig,
];
const lint = (code: string, file: string) =>
  linter
    .verify(code, config, { filename: path.join(root, "packages/store/src/neo4j", file) })
    .map((m) => `${m.line}: ${m.message}`);

describe("eslint.neo4j.js", () => {
  it("refuses Cypher built from strings where it is sent", () => {
    const code = [
      "declare const tx: { run(q: string, p?: object): void };",
      "declare const label: string;",
      "tx.run(`MATCH (n:${label}) RETURN n`);",
      "tx.run('MATCH (n:' + label + ') RETURN n');",
      "tx.run(['MATCH (n)', 'RETURN n'].join(' '));",
      "tx.run('MATCH (n) RETURN n');",
      "tx.run(C.NODE_GET, { id: 'x' });",
    ].join("\n");
    const found = lint(code, "graph.ts");
    expect(found.map((m) => m.split(":")[0])).toEqual(["3", "4", "5", "6"]);
    expect(found[0]).toMatch(/never built from strings/);
  });

  it("refuses interpolation and concatenation in cypher.ts", () => {
    const code = [
      "const kind = 'Compute';",
      "export const A = `MATCH (n:${kind}) RETURN n`;",
      "export const B = 'MATCH (n) ' + 'RETURN n';",
      "export const C = ['MATCH (n)', 'RETURN n'].join(' ');",
      "export const D = `MATCH (n) RETURN n`;",
    ].join("\n");
    expect(lint(code, "cypher.ts").map((m) => m.split(":")[0])).toEqual(["2", "3", "4"]);
  });

  it("keeps the package-wide rules for these files", () => {
    expect(lint("export default 1;\nconst e = process.env.X;", "mapping.ts")).toHaveLength(2);
  });

  it("passes on the adapter's sources", () => {
    const dir = path.join(root, "packages/store/src/neo4j");
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".ts")))
      expect([f, lint(readFileSync(path.join(dir, f), "utf8"), f)]).toEqual([f, []]);
  });
});
