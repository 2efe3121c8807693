// One vitest run over every package; each package is a project so failures name their package.
import { defineConfig } from "vitest/config";

const pkg = (name: string, root: string, extra: Record<string, unknown> = {}) => ({
  test: { name, root, include: ["test/**/*.test.ts", "src/**/*.test.ts"], ...extra },
});

export default defineConfig({
  test: {
    projects: [
      pkg("model", "packages/model"),
      pkg("store", "packages/store", { testTimeout: 120_000, hookTimeout: 60_000 }),
      pkg("intel", "packages/intel"),
      pkg("discovery", "packages/discovery"),
      pkg("engine", "packages/engine"),
      pkg("testkit", "packages/testkit"),
      pkg("bench", "packages/bench"),
      pkg("server", "apps/server", { testTimeout: 60_000 }),
      // Builds apps/web when its sources are newer than dist, then drives it in Chromium.
      pkg("web", "apps/web", { testTimeout: 60_000, hookTimeout: 120_000 }),
      { test: { name: "repo", root: ".", include: ["scripts/**/*.test.ts"] } },
    ],
  },
});
