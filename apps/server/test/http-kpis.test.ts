// KPIs and the daily job over the API, on the fixture's three issues with a clock the test moves:
// an expired acceptance reopens, the snapshot is kept, and MTTR, SLA, exposure reduction and new vs
// resolved per analysis follow from what happened.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFixture, signIn } from "./http-fixture.js";
import type { As, Fixture } from "./http-fixture.js";

let f: Fixture;
let admin: As;
let clock = new Date("2026-03-01T00:00:00.000Z");

beforeAll(async () => {
  f = await makeFixture({ now: () => clock });
  admin = await signIn(f.app, f.users.admin.email);
});
afterAll(() => f.close());

describe("daily job and KPIs", () => {
  it("the daily job reopens an expired acceptance and takes today's snapshot", async () => {
    const accept = await f.app.inject({
      method: "PATCH",
      url: `/api/issues/${f.issues.other}`,
      headers: admin.headers,
      payload: { status: "risk_accepted", reason: "pilot only", expiresAt: "2026-03-05T00:00:00.000Z" },
    });
    expect(accept.statusCode).toBe(200);
    clock = new Date("2026-03-10T00:00:00.000Z");
    admin = await signIn(f.app, f.users.admin.email); // the old session idled out
    const res = await f.app.inject({ method: "POST", url: "/api/jobs/daily", headers: admin.headers });
    const other = (await f.stores.app.getIssue(f.issues.other))!;
    expect(res.json()).toEqual({
      reopened: [other.alias],
      snapshot: {
        day: "2026-03-10",
        at: "2026-03-10T00:00:00.000Z",
        open: { critical: 1, high: 1, medium: 1, low: 0 },
        overdue: 3,
        exposure: 21.9,
      },
    });
    // The engine's expireAcceptances reopens it; the lapsed expiry stays on record with the reason.
    expect(other).toMatchObject({
      status: "open",
      expiresAt: "2026-03-05T00:00:00.000Z",
      reason: "pilot only",
    });
    const history = await f.stores.app.issueHistory(f.issues.other);
    expect(history.at(-1)).toMatchObject({
      type: "status",
      from: "risk_accepted",
      to: "open",
      actor: { kind: "system", id: "system" },
    });
    // Run again the same day: nothing left to reopen.
    const again = await f.app.inject({ method: "POST", url: "/api/jobs/daily", headers: admin.headers });
    expect(again.json<{ reopened: string[] }>().reopened).toEqual([]);
  });

  it("MTTR, SLA, exposure reduction and new vs resolved per analysis", async () => {
    const team = (await f.stores.app.getIssue(f.issues.team))!;
    await f.stores.app.commitAnalysis(
      { id: "a2", startedAt: "2026-03-11T00:00:00.000Z", status: "running" },
      {
        issues: [{ ...team, status: "resolved", resolvedAt: "2026-03-11T00:00:00.000Z" }],
        paths: [],
        tiers: [],
        findingPriorities: [],
        fixPlan: [],
      },
    );
    clock = new Date("2026-03-12T00:00:00.000Z");
    admin = await signIn(f.app, f.users.admin.email);
    const res = await f.app.inject({ url: "/api/kpis?days=90", headers: admin.headers });
    expect(res.statusCode).toBe(200);
    const k = res.json<{
      openBySeverity: Array<{ day: string; open: Record<string, number> }>;
      mttrHours: Record<string, { mean: number | null; count: number }>;
      sla: unknown;
      exposure: unknown;
      perAnalysis: Array<{ analysisId: string; new: number; resolved: number }>;
    }>();
    expect(k.openBySeverity.map((s) => [s.day, s.open.high])).toEqual([
      ["2026-03-10", 1],
      ["2026-03-12", 0],
    ]);
    expect(k.mttrHours.high).toEqual({ mean: 69 * 24, count: 1 });
    expect(k.mttrHours.critical).toEqual({ mean: null, count: 0 });
    expect(k.sla).toEqual({ resolvedOnTime: 0, resolvedLate: 1, compliance: 0, openOverdue: 2 });
    expect(k.exposure).toEqual({ now: 14.4, periodStart: 21.9, reduction: 0.342 });
    expect(k.perAnalysis.map((a) => [a.analysisId, a.new, a.resolved])).toEqual([
      ["a1", 3, 0],
      ["a2", 0, 1],
    ]);
  });
});
