// Lint for the web app alone (the root config ignores apps/web): typescript-eslint, type-aware,
// with the browser's globals, and its import boundary: from the other packages it may take only
// types from @ctem/model. Type-only, not zod schemas too: @ctem/model's modules import node:crypto,
// which a browser bundle cannot carry.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  { ignores: ["dist/**", "test-artifacts/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@ctem/model",
              message: "apps/web takes only types from @ctem/model.",
              allowTypeImports: true,
            },
          ],
          patterns: [
            {
              group: ["@ctem/*", "!@ctem/model"],
              message: "apps/web talks to the server over HTTP; it may not import other packages.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts", "vite.config.ts", "vitest.config.ts", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ["eslint.config.js"], ...tseslint.configs.disableTypeChecked },
);
