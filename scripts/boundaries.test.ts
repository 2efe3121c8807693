// DESIGN's package table, held by tools: package.json dependencies agree with it, and the lint rule
// really refuses an import across it.
import { readFileSync } from "node:fs";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { BOUNDARIES, TEST_ONLY_IMPORTS } from "./boundaries.js";

const root = new URL("..", import.meta.url);

describe("import boundaries", () => {
  it("every package's runtime @ctem dependencies are allowed by DESIGN's table", () => {
    for (const [dir, allowedDeps] of Object.entries(BOUNDARIES)) {
      const pkg = JSON.parse(readFileSync(new URL(`${dir}/package.json`, root), "utf8")) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const runtime = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith("@ctem/"));
      for (const d of runtime) expect(allowedDeps, `${dir} depends on ${d}`).toContain(d);
      const dev = Object.keys(pkg.devDependencies ?? {}).filter((d) => d.startsWith("@ctem/"));
      for (const d of dev)
        expect([...allowedDeps, ...TEST_ONLY_IMPORTS], `${dir} dev-depends on ${d}`).toContain(d);
    }
  });

  it("the lint rule refuses a forbidden import and a relative path into another package", async () => {
    const eslint = new ESLint({ cwd: new URL(".", root).pathname });
    const file = new URL("packages/model/src/kinds.ts", root).pathname;
    const [res] = await eslint.lintText(
      'import { openSqlite } from "@ctem/store";\nexport const x = openSqlite;\n',
      { filePath: file },
    );
    expect(res?.messages.map((m) => m.ruleId)).toContain("no-restricted-imports");
    const [rel] = await eslint.lintText('export * from "../../store/src/index.js";\n', { filePath: file });
    expect(rel?.messages.map((m) => m.ruleId)).toContain("ctem/no-cross-package-relative");
    const engine = new URL("packages/engine/src/index.ts", root).pathname;
    const [ok] = await eslint.lintText('export * from "@ctem/intel";\n', { filePath: engine });
    expect(ok?.messages.filter((m) => m.ruleId === "no-restricted-imports")).toEqual([]);
    const [bad] = await eslint.lintText('export * from "@ctem/discovery";\n', { filePath: engine });
    expect(bad?.messages.map((m) => m.message).join()).toMatch(
      /packages\/engine may not depend on @ctem\/discovery/,
    );
  }, 60_000);
});
