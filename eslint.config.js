// Lint: typescript-eslint (type-aware), and the import boundaries of DESIGN.md's package table.
import path from "node:path";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";
import { BOUNDARIES, TEST_ONLY_IMPORTS } from "./scripts/boundaries.js";
import { neo4jConfig } from "./packages/store/eslint.neo4j.js";

const root = import.meta.dirname;

/** Relative imports must stay inside their own package: cross-package use goes through `@ctem/*`. */
const noCrossPackageRelative = {
  meta: {
    type: "problem",
    schema: [],
    messages: { cross: "'{{src}}' leaves package {{pkg}}; import it as @ctem/<package>." },
  },
  create(context) {
    const file = context.filename;
    const rel = path.relative(root, file).split(path.sep);
    if (rel.length < 3 || (rel[0] !== "apps" && rel[0] !== "packages")) return {};
    const pkgDir = path.join(root, rel[0], rel[1]);
    const check = (node) => {
      const src = node.source && node.source.value;
      if (typeof src !== "string" || !src.startsWith(".")) return;
      const target = path.resolve(path.dirname(file), src);
      if (!target.startsWith(pkgDir + path.sep))
        context.report({ node, messageId: "cross", data: { src, pkg: `${rel[0]}/${rel[1]}` } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

const boundaryBlocks = Object.entries(BOUNDARIES).flatMap(([dir, allowed]) => {
  const forbidden = Object.keys(BOUNDARIES)
    .map((d) => `@ctem/${d.split("/")[1]}`)
    .filter((name) => !allowed.includes(name) && name !== `@ctem/${dir.split("/")[1]}`);
  const testForbidden = forbidden.filter((n) => !TEST_ONLY_IMPORTS.includes(n));
  const rule = (names) => [
    "error",
    {
      paths: names.map((name) => ({ name, message: `DESIGN.md: ${dir} may not depend on ${name}.` })),
      patterns: [
        { group: names.map((n) => `${n}/*`), message: `DESIGN.md: ${dir} may not reach into that package.` },
      ],
    },
  ];
  return [
    {
      files: [`${dir}/src/**/*.ts`, `${dir}/src/**/*.tsx`],
      ignores: ["**/*.test.ts"],
      rules: { "no-restricted-imports": rule(forbidden) },
    },
    {
      files: [`${dir}/test/**/*.ts`, `${dir}/src/**/*.test.ts`],
      rules: { "no-restricted-imports": rule(testForbidden) },
    },
  ];
});

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "data/**", "**/fixtures/**", "apps/web/**", ".bench/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "scripts/*.js"] },
        tsconfigRootDir: root,
      },
    },
    plugins: { ctem: { rules: { "no-cross-package-relative": noCrossPackageRelative } } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "ctem/no-cross-package-relative": "error",
      "no-console": "off",
    },
  },
  {
    files: ["packages/*/src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "ExportDefaultDeclaration",
          message: "Packages use named exports only (CONVENTIONS 12).",
        },
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: "Only apps/server's config loader reads process.env (CONVENTIONS 5).",
        },
      ],
    },
  },
  ...boundaryBlocks,
  // No Cypher built from strings in the Neo4j adapter (issue 6).
  ...neo4jConfig,
  { files: ["**/*.js", "**/*.mjs", "**/*.cjs"], ...tseslint.configs.disableTypeChecked },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
