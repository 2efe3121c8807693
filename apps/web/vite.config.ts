// Vite for the web app. `build` writes dist/, which `ctem serve` serves (apps/server/src/http/static.ts);
// `dev` proxies /api to a running `ctem serve` on :8080.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
});
