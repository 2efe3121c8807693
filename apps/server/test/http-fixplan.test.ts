// The fix plan and what-if over the API, on a small demo estate analysed by the engine: the plan is
// ranked by risk removed, an issue's options are those cutting its paths, and what-if names the
// issues an option would close without changing anything.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "@ctem/engine";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

let f: Fixture;
let analyst: As;

beforeAll(async () => {
  f = await makeFixture();
  await loadDemo({ graph: f.stores.graph, app: f.stores.app }, { assets: 40, seed: 1 });
  analyst = await signIn(f.app, f.users.analyst.email);
}, 60_000);
afterAll(() => f.close());

interface Item {
  id: string;
  riskRemoved: number;
  cuts: Array<{ issueKey: string }>;
}

describe("fix plan and what-if", () => {
  it("lists options most risk removed first; an issue's plan holds the options cutting it", async () => {
    const res = await f.app.inject({ url: "/api/fixplan?limit=1000", headers: analyst.headers });
    const { items, total } = res.json<{ items: Item[]; total: number }>();
    expect(total).toBe(items.length);
    expect(items.length).toBeGreaterThan(0);
    const risks = items.map((i) => i.riskRemoved);
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
    const key = items[0]!.cuts[0]!.issueKey;
    const mine = await f.app.inject({ url: `/api/issues/${key}/fixplan`, headers: analyst.headers });
    const ids = mine.json<{ items: Item[] }>().items.map((i) => i.id);
    expect(ids).toContain(items[0]!.id);
    expect(ids).toEqual(items.filter((i) => i.cuts.some((c) => c.issueKey === key)).map((i) => i.id));
  });

  it("what-if with the top option closes issues it cuts and changes nothing stored", async () => {
    const plan = (await f.app.inject({ url: "/api/fixplan", headers: analyst.headers })).json<{
      items: Item[];
    }>();
    const top = plan.items[0]!;
    const before = await f.stores.app.listIssues({}, { limit: 1000 });
    const res = await f.app.inject({
      method: "POST",
      url: "/api/whatif",
      headers: analyst.headers,
      payload: { options: [top.id] },
    });
    expect(res.statusCode).toBe(200);
    const r = res.json<{ closes: Array<{ key: string; alias: string }>; riskRemoved: number }>();
    expect(r.riskRemoved).toBeGreaterThan(0);
    const cut = new Set(top.cuts.map((c) => c.issueKey));
    for (const c of r.closes) {
      expect(cut.has(c.key)).toBe(true);
      expect(c.alias).toMatch(/^ISS-\d+$/);
    }
    expect(await f.stores.app.listIssues({}, { limit: 1000 })).toEqual(before);
    const unknown = await f.app.inject({
      method: "POST",
      url: "/api/whatif",
      headers: analyst.headers,
      payload: { options: ["no-such-option"] },
    });
    expect(unknown.statusCode).toBe(404);
  });
});
