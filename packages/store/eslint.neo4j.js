// Lint for the Neo4j adapter: Cypher is never built from strings. Statements live as fixed
// constants in src/neo4j/cypher.ts (linted by test/neo4j-cypher-lint.test.ts); values travel as
// parameters. Add to the root eslint.config.js after the package blocks:
//   import { neo4jConfig } from "./packages/store/eslint.neo4j.js";   …   ...neo4jConfig,
// A later `no-restricted-syntax` replaces an earlier one for the same files, so these blocks repeat
// the package-wide selectors of the root config (named exports only, no process.env).

const PACKAGE_SELECTORS = [
  { selector: "ExportDefaultDeclaration", message: "Packages use named exports only (CONVENTIONS 12)." },
  {
    selector: "MemberExpression[object.name='process'][property.name='env']",
    message: "Only apps/server's config loader reads process.env (CONVENTIONS 5).",
  },
];

const BUILT =
  "Cypher is never built from strings: use a constant from src/neo4j/cypher.ts and pass values as parameters.";

// Calls that send a statement: tx.run, session.run, runner.autoCommit, driver.executeQuery.
const SENDS = "CallExpression[callee.property.name=/^(run|autoCommit|executeQuery)$/]";

export const neo4jConfig = [
  {
    files: ["packages/store/src/neo4j/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...PACKAGE_SELECTORS,
        { selector: `${SENDS} > TemplateLiteral.arguments`, message: BUILT },
        { selector: `${SENDS} > BinaryExpression.arguments`, message: BUILT },
        { selector: `${SENDS} > CallExpression.arguments`, message: BUILT },
        {
          selector: `${SENDS} > Literal.arguments`,
          message: `Inline Cypher escapes the lint test. ${BUILT}`,
        },
      ],
    },
  },
  {
    files: ["packages/store/src/neo4j/cypher.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...PACKAGE_SELECTORS,
        { selector: "TemplateLiteral[expressions.length>0]", message: BUILT },
        { selector: "BinaryExpression[operator='+']", message: BUILT },
        {
          selector:
            "CallExpression[callee.property.name=/^(concat|join|replace|replaceAll|repeat|padEnd|padStart)$/]",
          message: BUILT,
        },
      ],
    },
  },
];
