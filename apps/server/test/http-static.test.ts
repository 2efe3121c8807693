// The web app's static files: files from dist, the SPA fallback for deep links, API paths left to
// the API, no escape from dist, and a 503 page that says how to build when there is no build.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { registerWebApp } from "../src/http/static.js";

async function appWith(dist: string) {
  const app = Fastify();
  registerWebApp(app, dist);
  app.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: "api 404" }));
  await app.ready();
  return app;
}

describe("web app static files", () => {
  const dist = mkdtempSync(join(tmpdir(), "ctem-web-"));
  mkdirSync(join(dist, "assets"));
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>ctem</title>");
  writeFileSync(join(dist, "assets", "index-abc.js"), "console.log(1)");
  writeFileSync(join(tmpdir(), "ctem-secret.txt"), "outside");

  it("serves files, the index for deep links, and leaves /api alone", async () => {
    const app = await appWith(dist);
    const js = await app.inject("/assets/index-abc.js");
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js.headers["cache-control"]).toContain("immutable");
    const deep = await app.inject("/issues/ISS-12?x=1");
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toBe("<!doctype html><title>ctem</title>");
    expect((await app.inject("/api/nothing")).json()).toEqual({ error: "api 404" });
    expect((await app.inject("/assets/missing.js")).statusCode).toBe(404);
    const escape = await app.inject("/..%2fctem-secret.txt");
    expect(escape.body).not.toContain("outside");
    expect((await app.inject({ method: "POST", url: "/issues" })).statusCode).toBe(404);
    await app.close();
  });

  it("answers 503 with the build command when there is no build", async () => {
    const app = await appWith(join(dist, "nope"));
    const r = await app.inject("/");
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain("pnpm --filter @ctem/web build");
    expect((await app.inject("/api/x")).statusCode).toBe(404);
    await app.close();
  });
});
