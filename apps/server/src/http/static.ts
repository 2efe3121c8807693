// The web app (apps/web/dist) for every non-API GET: a file when one exists, else index.html so the
// browser router can answer deep links (/issues/ISS-12). Static assets are unauthenticated (DESIGN
// "Server and UI"); the app itself asks the API who is signed in. Without a build the server still
// runs (tests of other packages do) and answers a 503 page that says how to build it.
// Done in an onRequest hook rather than as routes: every route must declare its access and appear
// in the role matrix, and these are not API routes.
import { existsSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ctem: web app not built</title></head>
<body><h1>web app not built</h1><p>run <code>pnpm --filter @ctem/web build</code>, then reload. The API is at <a href="/api/docs">/api/docs</a>.</p></body></html>`;

export const DEFAULT_WEB_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

export function registerWebApp(app: FastifyInstance, distDir: string = DEFAULT_WEB_DIST): void {
  const root = normalize(distDir + sep);
  app.addHook("onRequest", async (req, reply) => {
    if (req.method !== "GET" && req.method !== "HEAD") return;
    let path: string;
    try {
      path = decodeURIComponent(req.url.split("?")[0] ?? "/");
    } catch {
      return reply.status(400).type("text/plain; charset=utf-8").send("malformed path");
    }
    if (path === "/api" || path.startsWith("/api/")) return;
    const index = join(root, "index.html");
    if (!existsSync(index))
      return reply
        .status(503)
        .type("text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .send(NOT_BUILT);
    const file = normalize(join(root, path));
    const inside = file.startsWith(root);
    if (inside && extname(file) !== "" && existsSync(file) && statSync(file).isFile()) {
      // Vite names built assets by content hash: they never change under the same name.
      const immutable = path.startsWith("/assets/");
      return reply
        .type(TYPES[extname(file)] ?? "application/octet-stream")
        .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
        .send(await readFile(file));
    }
    if (extname(path) !== "" && !path.endsWith(".html"))
      return reply.status(404).type("text/plain; charset=utf-8").send("not found");
    return reply.type(TYPES[".html"]!).header("cache-control", "no-cache").send(readFileSync(index));
  });
}
