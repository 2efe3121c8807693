// Every Cypher statement the Neo4j adapter can send is linted by Neo4j's own language support (no
// server needed): the test fails on any diagnostic but "parameter not declared" (parameters are
// supplied at run time), and fails when a Cypher-looking string in src/neo4j is not one of them.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ATTACK_EDGE_KINDS, EDGE_KIND_VALUES } from "@ctem/model";
import { CYPHER, SCHEMA_STATEMENTS } from "../src/neo4j/cypher.js";
import { HIDDEN_LABEL, KIND_LABELS } from "../src/neo4j/mapping.js";

interface Diagnostic {
  severity?: number;
  message: string;
}
// The package's ESM build uses extensionless imports Node cannot resolve; its CommonJS build works.
const { lintCypherQuery } = createRequire(import.meta.url)("@neo4j-cypher/language-support") as {
  lintCypherQuery: (query: string, schema: Record<string, unknown>) => Diagnostic[];
};

/** The labels and types docs/neo4j.md documents; the linter warns on any other. */
const SCHEMA = {
  labels: [
    "Asset",
    "Finding",
    "CtemClaim",
    "CtemLookup",
    "CtemMeta",
    "CtemStagedBatch",
    HIDDEN_LABEL,
    ...KIND_LABELS,
  ],
  relationshipTypes: [...EDGE_KIND_VALUES, "AFFECTS"],
  defaultLanguage: "CYPHER 5",
};

const UNDECLARED_PARAMETER = /^Parameter \$\w+ is not defined\.$/;

function lint(q: string): string[] {
  return lintCypherQuery(q, SCHEMA)
    .filter((d) => !UNDECLARED_PARAMETER.test(d.message))
    .map((d) => d.message);
}

const SRC = path.join(import.meta.dirname, "../src/neo4j");
const CYPHER_WORDS = /\b(MATCH|MERGE|CREATE|UNWIND|RETURN|DELETE|DETACH|SET|REMOVE|CALL|WITH)\b/;

/** Every string literal and template text in src/neo4j that reads like Cypher. */
function cypherLikeStrings(): { file: string; text: string; dynamic: boolean }[] {
  const out: { file: string; text: string; dynamic: boolean }[] = [];
  for (const name of readdirSync(SRC).filter((f) => f.endsWith(".ts"))) {
    const file = path.join(SRC, name);
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    const visit = (n: ts.Node) => {
      if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) {
        if (CYPHER_WORDS.test(n.text)) out.push({ file: name, text: n.text, dynamic: false });
      } else if (ts.isTemplateExpression(n)) {
        const text = [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join("${}");
        if (CYPHER_WORDS.test(text)) out.push({ file: name, text, dynamic: true });
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}

describe("Cypher lint (@neo4j-cypher/language-support)", () => {
  const statements = Object.entries(CYPHER);

  it("has the adapter's statements to lint", () => {
    expect(statements.length).toBe(new Set(Object.values(CYPHER)).size);
    expect(statements.length).toBeGreaterThanOrEqual(50);
    for (const s of SCHEMA_STATEMENTS) expect(Object.values(CYPHER)).toContain(s);
  });

  it.each(statements)("%s has no diagnostics", (_name, statement) => {
    expect(lint(statement)).toEqual([]);
  });

  it("catches what it should: a misspelt label, an undefined variable, a syntax error", () => {
    expect(lint("MATCH (n:Assett {id: $id}) RETURN n")).toHaveLength(1);
    expect(lint("MATCH (n:Asset {id: $id}) RETURN m").join()).toMatch(/Variable `m` not defined/);
    expect(lint("MATCH (n:Asset {id: $id}) RETRUN n").length).toBeGreaterThan(0);
  });

  it("no Cypher string in src/neo4j escapes the lint, and none is built from pieces", () => {
    const linted = new Set<string>(Object.values(CYPHER));
    const found = cypherLikeStrings();
    // Only cypher.ts holds Cypher; nothing interpolates into it.
    expect(found.filter((s) => s.dynamic)).toEqual([]);
    expect(found.filter((s) => !linted.has(s.text))).toEqual([]);
    expect(new Set(found.map((s) => s.file))).toEqual(new Set(["cypher.ts"]));
    // Each exported statement appears as exactly one literal.
    expect(found.map((s) => s.text).sort()).toEqual([...linted].sort());
  });

  it("the example Cypher in docs/neo4j.md lints clean against the same schema", () => {
    const doc = readFileSync(path.join(import.meta.dirname, "../../../docs/neo4j.md"), "utf8");
    const blocks = [...doc.matchAll(/```cypher\n([\s\S]*?)```/g)].flatMap((m) =>
      m[1]!.split(/;\s*\n/).filter((q) => q.trim()),
    );
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const q of blocks) expect([q, lint(q)]).toEqual([q, []]);
  });

  it("the lint covers the relationship types the adapter writes", () => {
    // Derived edges are written with their kind as type: every attack kind must be a declared type.
    for (const k of ATTACK_EDGE_KINDS) expect(SCHEMA.relationshipTypes).toContain(k);
  });
});
