// The issue workflow over the API: DESIGN's status table (who may set what, the reasons and expiry
// a status needs, nobody sets resolved), assignment, comments, history, bulk changes, the audit log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

let f: Fixture;
let admin: As, analyst: As, dev1: As, dev2: As;
const NOW = new Date("2026-03-01T00:00:00.000Z");

beforeAll(async () => {
  f = await makeFixture({ now: () => NOW });
  admin = await signIn(f.app, f.users.admin.email);
  analyst = await signIn(f.app, f.users.analyst.email);
  dev1 = await signIn(f.app, f.users.dev1.email);
  dev2 = await signIn(f.app, f.users.dev2.email);
});
afterAll(() => f.close());

const patch = (as: As, key: string, payload: unknown) =>
  f.app.inject({
    method: "PATCH",
    url: `/api/issues/${key}`,
    headers: as.headers,
    payload: payload as object,
  });
const errorOf = (res: { json: <T>() => T }) => res.json<{ error: { code: string; field?: string } }>().error;

describe("status table", () => {
  it("a developer moves their issue open → in_progress → fixed (fixedAt set), and no further", async () => {
    let res = await patch(dev1, f.issues.mine, { status: "in_progress" });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ status: string }>().status).toBe("in_progress");
    res = await patch(dev1, f.issues.mine, { status: "fixed" });
    expect(res.json<{ status: string; fixedAt: string }>()).toMatchObject({
      status: "fixed",
      fixedAt: NOW.toISOString(),
    });
    res = await patch(dev1, f.issues.mine, { status: "open" });
    expect(res.statusCode).toBe(403);
    // Nor may a developer accept a risk or assign, even on their own issue.
    res = await patch(dev1, f.issues.mine, { assignee: { team: "payments" } });
    expect(res.statusCode).toBe(403);
  });

  it("a developer of the issue's team may change it; others' issues answer 403, unknown 404", async () => {
    expect((await patch(dev2, f.issues.team, { status: "in_progress" })).statusCode).toBe(200);
    expect((await patch(dev1, f.issues.team, { status: "in_progress" })).statusCode).toBe(403);
    expect((await patch(dev1, "ISS-9999", { status: "in_progress" })).statusCode).toBe(404);
    const res = await patch(dev2, f.issues.team, { status: "false_positive", reason: "test box" });
    expect(res.statusCode).toBe(403);
  });

  it("risk_accepted needs a reason and a future expiry; acceptedBy is the analyst", async () => {
    let res = await patch(analyst, f.issues.other, {
      status: "risk_accepted",
      expiresAt: "2026-06-01T00:00:00.000Z",
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).field).toBe("body.reason");
    res = await patch(analyst, f.issues.other, { status: "risk_accepted", reason: "compensating WAF" });
    expect(errorOf(res).field).toBe("body.expiresAt");
    res = await patch(analyst, f.issues.other, {
      status: "risk_accepted",
      reason: "compensating WAF",
      expiresAt: "2026-02-01T00:00:00.000Z",
    });
    expect(res.statusCode).toBe(400);
    res = await patch(analyst, f.issues.other, {
      status: "risk_accepted",
      reason: "compensating WAF",
      expiresAt: "2026-06-01T00:00:00.000Z",
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: "risk_accepted",
      reason: "compensating WAF",
      acceptedBy: f.users.analyst.id,
      expiresAt: "2026-06-01T00:00:00.000Z",
    });
    // Back to open: the expiry goes, the reason stays on record.
    res = await patch(analyst, f.issues.other, { status: "open" });
    expect(res.json()).toMatchObject({ status: "open", expiresAt: null, reason: "compensating WAF" });
  });

  it("false_positive needs a reason; resolved cannot be set by anyone", async () => {
    let res = await patch(admin, f.issues.other, { status: "false_positive" });
    expect(errorOf(res)).toMatchObject({ code: "invalid_input", field: "body.reason" });
    res = await patch(admin, f.issues.other, { status: "false_positive", reason: "decoy host" });
    expect(res.json()).toMatchObject({ status: "false_positive", reason: "decoy host" });
    res = await patch(admin, f.issues.other, { status: "resolved" });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).field).toMatch(/^body\.status/);
  });

  it("a resolved issue cannot be changed by hand (409)", async () => {
    const issue = (await f.stores.app.getIssue(f.issues.other))!;
    await f.stores.app.commitAnalysis(
      { id: "a2", startedAt: "2026-02-01T00:00:00.000Z", status: "running" },
      {
        issues: [{ ...issue, status: "resolved", resolvedAt: "2026-02-01T00:00:00.000Z" }],
        paths: [],
        tiers: [],
        findingPriorities: [],
        fixPlan: [],
      },
    );
    const res = await patch(analyst, f.issues.other, { status: "open" });
    expect(res.statusCode).toBe(409);
  });
});

describe("assignment, comments, history, bulk, audit", () => {
  it("assigns by e-mail or id to an existing user or team; unknown ones are refused", async () => {
    let res = await patch(analyst, f.issues.team, { assignee: { user: f.users.dev1.id, team: "payments" } });
    expect(res.json<{ assignee: unknown }>().assignee).toEqual({
      user: f.users.dev1.email,
      team: "payments",
    });
    res = await patch(analyst, f.issues.team, { assignee: { user: "nobody@example.com" } });
    expect(errorOf(res).field).toBe("body.assignee.user");
    res = await patch(analyst, f.issues.team, { assignee: { team: "no-such-team" } });
    expect(errorOf(res).field).toBe("body.assignee.team");
    // Team names match case-insensitively; the issue keeps the team's spelling, so its members see it.
    res = await patch(analyst, f.issues.team, { assignee: { team: "PAYMENTS" } });
    expect(res.json<{ assignee: unknown }>().assignee).toEqual({ team: "payments" });
    const seen = await f.app.inject({ url: `/api/issues/${f.issues.team}`, headers: dev2.headers });
    expect(seen.statusCode).toBe(200);
  });

  it("comments and changes appear in the history; a developer reads only visible histories", async () => {
    const c = await f.app.inject({
      method: "POST",
      url: `/api/issues/${f.issues.mine}/comments`,
      headers: dev1.headers,
      payload: { text: "patched in build 42" },
    });
    expect(c.statusCode).toBe(201);
    const h = await f.app.inject({ url: `/api/issues/${f.issues.mine}/history`, headers: dev1.headers });
    const items = h.json<{
      items: Array<{ type: string; to?: unknown; text?: string; actor: { id: string } }>;
    }>().items;
    expect(items.map((e) => e.type)).toEqual(["created", "status", "status", "comment"]);
    expect(items.at(-1)).toMatchObject({ text: "patched in build 42", actor: { id: f.users.dev1.id } });
    const hidden = await f.app.inject({
      url: `/api/issues/${f.issues.other}/history`,
      headers: dev1.headers,
    });
    expect(hidden.statusCode).toBe(403);
  });

  it("bulk applies the change issue by issue and reports what failed", async () => {
    const mine = (await f.stores.app.getIssue(f.issues.mine))!;
    const res = await f.app.inject({
      method: "POST",
      url: "/api/issues/bulk",
      headers: analyst.headers,
      payload: { keys: [mine.alias, f.issues.other, "ISS-9999"], change: { assignee: { team: "payments" } } },
    });
    const body = res.json<{ updated: string[]; failed: Array<{ key: string; code: string }> }>();
    // The resolved one still takes an assignee (reconciliation and people own different fields).
    expect(body.updated).toHaveLength(2);
    expect(body.failed).toEqual([expect.objectContaining({ key: "ISS-9999", code: "not_found" })]);
    const st = await f.app.inject({
      method: "POST",
      url: "/api/issues/bulk",
      headers: analyst.headers,
      payload: { keys: [mine.alias, f.issues.other], change: { status: "in_progress" } },
    });
    const b2 = st.json<{ updated: string[]; failed: Array<{ code: string }> }>();
    expect(b2.updated).toEqual([mine.alias]);
    expect(b2.failed.map((x) => x.code)).toEqual(["conflict"]);
  });

  it("every change is in the audit log with before and after", async () => {
    const res = await f.app.inject({ url: "/api/audit?limit=1000", headers: admin.headers });
    const events = res.json<{
      items: Array<{
        action: string;
        target: string;
        before?: { status: string };
        after?: { status: string };
      }>;
    }>().items;
    const accept = events.find((e) => e.action === "issue.update" && e.after?.status === "risk_accepted");
    expect(accept).toMatchObject({ target: f.issues.other, before: { status: "open" } });
    expect(events.filter((e) => e.action === "issue.comment").map((e) => e.target)).toContain(f.issues.mine);
  });
});

describe("list filters", () => {
  const keys = async (query: string) => {
    const res = await f.app.inject({ url: `/api/issues?${query}`, headers: analyst.headers });
    expect(res.statusCode).toBe(200);
    return res
      .json<{ items: Array<{ key: string }> }>()
      .items.map((i) => i.key)
      .sort();
  };

  it("by free text, account, target, confidence, and sorted by age", async () => {
    expect(await keys("q=i-0000000000000002")).toEqual([f.issues.team]);
    expect(await keys("q=ISS-1")).toEqual([f.issues.mine]);
    expect(await keys("q=%25")).toEqual([]);
    expect(await keys("account=111122223333")).toHaveLength(3);
    expect(await keys("account=999999999999")).toEqual([]);
    expect(await keys(`target=${encodeURIComponent("arn:aws:s3:::customer-data")}`)).toHaveLength(3);
    expect(await keys("confidence=config_confirmed")).toHaveLength(3);
    expect(await keys("confidence=theoretical")).toEqual([]);
    const bad = await f.app.inject({ url: "/api/issues?confidence=sure", headers: analyst.headers });
    expect(bad.statusCode).toBe(400);
    const aged = await f.app.inject({ url: "/api/issues?sort=firstSeen", headers: analyst.headers });
    expect(aged.statusCode).toBe(200);
  });
});
