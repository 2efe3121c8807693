// Fuzzing every route's inputs (path parameters, query, body, raw bodies) as an admin with an API
// token, as a signed-in developer and as nobody: whatever arrives, the answer is never a 5xx and always the
// error shape with the request id.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { makeFixture, signIn } from "./http-fixture.js";
import type { Fixture } from "./http-fixture.js";

let f: Fixture;
let adminToken: string;
let devHeaders: Record<string, string>;

beforeAll(async () => {
  f = await makeFixture({ logLevel: "warn" });
  const admin = await signIn(f.app, f.users.admin.email);
  adminToken = (
    await f.app.inject({
      method: "POST",
      url: "/api/tokens",
      headers: admin.headers,
      payload: { name: "fuzz" },
    })
  ).json<{ token: string }>().token;
  devHeaders = (await signIn(f.app, f.users.dev1.email)).headers;
});
afterAll(() => f.close());

function keysOf(schema: unknown): string[] {
  const shape = (schema as z.ZodObject | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

const RUNS = 100;

describe("fuzz: no 5xx", () => {
  it("covers routes (the loop below is not empty)", () => {
    expect(f.app.ctemRoutes.length).toBeGreaterThan(20);
  });

  it("every route, random path parameters, query and body", async () => {
    const bad: string[] = [];
    for (const r of f.app.ctemRoutes) {
      if (r.url === "/api/auth/logout") continue;
      const schema = r.schema as { querystring?: unknown; body?: unknown } | undefined;
      const qKeys = keysOf(schema?.querystring);
      const bKeys = keysOf(schema?.body);
      const value = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          "",
          "0",
          "-1",
          "1e309",
          "true",
          "null",
          "ISS-1",
          "a,b,,c",
          "%00",
          "../../etc/passwd",
          "x".repeat(5000),
        ),
      );
      const query = fc.dictionary(
        fc.oneof(fc.constantFrom(...(qKeys.length ? qKeys : ["limit"])), fc.string({ maxLength: 8 })),
        value,
        {
          maxKeys: 4,
        },
      );
      const jsonish = fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.dictionary(fc.constantFrom(...(bKeys.length ? bKeys : ["name"])), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 6,
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.string({ minLength: 1, maxLength: 300 }),
          query,
          jsonish,
          fc.constantFrom("admin-token", "developer-session", "nobody"),
          fc.boolean(),
          async (param, q, body, who, raw) => {
            const url = r.url.replace(/:(\w+)/g, () => encodeURIComponent(param));
            const headers: Record<string, string> =
              who === "developer-session"
                ? { ...devHeaders }
                : who === "admin-token"
                  ? { authorization: `Bearer ${adminToken}` }
                  : {};
            const hasBody = r.method !== "GET" && r.method !== "DELETE";
            const res = await f.app.inject({
              method: r.method as "GET",
              url,
              query: q,
              headers: raw && hasBody ? { ...headers, "content-type": "application/json" } : headers,
              ...(hasBody ? { payload: raw ? JSON.stringify(body).slice(0, -1) : (body as object) } : {}),
            });
            if (res.statusCode >= 500)
              bad.push(`${r.method} ${url} ${JSON.stringify(q)} → ${res.statusCode} ${res.body}`);
            if (res.statusCode >= 400) {
              const e = res.json<{ error?: { requestId?: string; code?: string } }>().error;
              if (e?.requestId !== res.headers["x-request-id"])
                bad.push(`${r.method} ${url}: error without request id`);
            }
          },
        ),
        { numRuns: RUNS, seed: 4 },
      );
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
