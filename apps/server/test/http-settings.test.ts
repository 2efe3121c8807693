// Settings over the API: admins change whole keys, the result is validated, ctem.config.json's keys
// answer 409 and stay as the file says, and every change is audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "@ctem/model";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

let f: Fixture;
let admin: As;
const OVERLAY_SLA = { critical: 3, high: 14, medium: 60, low: 120 };

beforeAll(async () => {
  f = await makeFixture({ overlay: { slaDays: OVERLAY_SLA } });
  admin = await signIn(f.app, f.users.admin.email);
});
afterAll(() => f.close());

const patch = (payload: unknown) =>
  f.app.inject({ method: "PATCH", url: "/api/settings", headers: admin.headers, payload: payload as object });

describe("settings API", () => {
  it("answers the settings with the overlay applied and names the overlaid keys", async () => {
    const res = await f.app.inject({ url: "/api/settings", headers: admin.headers });
    expect(res.json()).toEqual({
      settings: { ...DEFAULT_SETTINGS, slaDays: OVERLAY_SLA },
      overlayKeys: ["slaDays"],
    });
  });

  it("a key set in ctem.config.json answers 409 and is not changed", async () => {
    const res = await patch({ slaDays: { critical: 1, high: 2, medium: 3, low: 4 } });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ error: { message: string } }>().error.message).toBe("slaDays: set in ctem.config.json");
    expect((await f.stores.app.settings()).slaDays).toEqual(OVERLAY_SLA);
  });

  it("an admin pins a crown jewel and maps owners; invalid settings answer 400", async () => {
    const crownJewels = {
      ...DEFAULT_SETTINGS.crownJewels,
      pins: [{ nodeId: "arn:aws:s3:::ledger", tier: 1 }],
    };
    const owners = { mappings: [{ tag: "team", value: "payments", team: "payments" }] };
    const res = await patch({ crownJewels, owners });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ settings: { crownJewels, owners } });
    expect((await f.stores.app.settings()).crownJewels.pins).toEqual(crownJewels.pins);
    const bad = await patch({ crownJewels: { ...crownJewels, pins: [{ nodeId: "x", tier: 9 }] } });
    expect(bad.statusCode).toBe(400);
    expect((await patch({ unknownKey: 1 })).statusCode).toBe(400);
  });

  it("changes are audited with before and after", async () => {
    const res = await f.app.inject({ url: "/api/audit?action=settings.update", headers: admin.headers });
    const items = res.json<{ items: Array<{ outcome: string; target: string; after?: unknown }> }>().items;
    expect(items.map((e) => [e.outcome, e.target])).toEqual([
      ["success", "crownJewels,owners"],
      ["failure", "slaDays"],
    ]);
  });
});
