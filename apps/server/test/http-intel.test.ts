// Feed freshness over the API: the feeds behind the scores, from the repository's snapshot when
// nothing was downloaded, with their dates and staleness, and no server paths.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

let f: Fixture;
let analyst: As;

beforeAll(async () => {
  f = await makeFixture();
  analyst = await signIn(f.app, f.users.analyst.email);
});
afterAll(() => f.close());

describe("intel status", () => {
  it("lists KEV and EPSS from the snapshot, dated, with staleness and no file paths", async () => {
    const res = await f.app.inject({ url: "/api/intel/status", headers: analyst.headers });
    expect(res.statusCode).toBe(200);
    const items = res.json<{
      items: Array<{ feed: string; origin: string; date?: string; stale: boolean; rows: number }>;
    }>().items;
    const kev = items.find((i) => i.feed === "kev")!;
    expect(kev.origin).toBe("snapshot");
    expect(kev.date).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(kev.rows).toBeGreaterThan(1000);
    expect(items.map((i) => i.feed)).toContain("epss");
    expect(res.body).not.toContain(f.dir);
    expect(res.body).not.toContain("/packages/intel");
  });
});
