// Only for running apps/web's tests alone (pnpm --filter @ctem/web test); the root vitest config's
// "web" project runs the same files in `pnpm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 },
});
