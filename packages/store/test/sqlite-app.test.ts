// The SQLite AppStore: settings with the overlay rule, runs, scopes, issues with aliases and
// history, and the analysis commit that swaps the derived generation in the same transaction.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, issueKey } from "@ctem/model";
import type { AnalysisOutput, AnalysisRun, IssueDraft } from "@ctem/model";
import { openSqliteStores } from "../src/index.js";
import type { SqliteStores } from "../src/index.js";
import { nodeFact, key, scanRun } from "../src/contract/graph-store.contract.js";
import { FIXTURE_ENTRY, FIXTURE_TARGET, issueDraft } from "../src/contract/fixtures.js";

let dir: string;
let stores: SqliteStores;
const open = (opts: Parameters<typeof openSqliteStores>[1] = {}) =>
  openSqliteStores(path.join(dir, "ctem.db"), opts);

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-app-"));
  stores = open();
});
afterEach(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const entry = FIXTURE_ENTRY;
const target = FIXTURE_TARGET;
const draft = issueDraft;

const emptyOut = (issues: IssueDraft[] = []): AnalysisOutput => ({
  issues,
  paths: [],
  tiers: [],
  findingPriorities: [],
  fixPlan: [],
});
const analysis = (id: string, at = "2026-01-01T00:00:00.000Z"): AnalysisRun => ({
  id,
  startedAt: at,
  status: "running",
});

describe("settings", () => {
  it("defaults to DESIGN's crown-jewel rules and SLA days, and saves a patch", async () => {
    expect(await stores.app.settings()).toEqual(DEFAULT_SETTINGS);
    await stores.app.saveSettings({ slaDays: { critical: 3, high: 14, medium: 60, low: 120 } });
    expect((await stores.app.settings()).slaDays).toEqual({ critical: 3, high: 14, medium: 60, low: 120 });
    expect((await stores.app.settings()).crownJewels).toEqual(DEFAULT_SETTINGS.crownJewels);
  });

  it("the overlay wins key by key, and saving an overlaid key is refused", async () => {
    await stores.app.saveSettings({
      slaDays: { critical: 3, high: 14, medium: 60, low: 120 },
      owners: { mappings: [{ tag: "team", value: "pay", team: "payments" }] },
    });
    await stores.close();
    stores = open({ overlay: { slaDays: { critical: 1, high: 2, medium: 3, low: 4 } } });
    const s = await stores.app.settings();
    expect(s.slaDays).toEqual({ critical: 1, high: 2, medium: 3, low: 4 });
    expect(s.owners.mappings).toEqual([{ tag: "team", value: "pay", team: "payments" }]);
    expect(stores.app.overlayKeys()).toEqual(["slaDays"]);
    await expect(
      stores.app.saveSettings({ slaDays: { critical: 5, high: 5, medium: 5, low: 5 } }),
    ).rejects.toThrow("slaDays: set in ctem.config.json");
    await stores.app.saveSettings({ owners: { mappings: [] } });
    expect((await stores.app.settings()).owners.mappings).toEqual([]);
  });

  it("an invalid patch names the field and changes nothing", async () => {
    await expect(
      stores.app.saveSettings({ slaDays: { critical: -1, high: 1, medium: 1, low: 1 } }),
    ).rejects.toThrow(/field slaDays\.critical/);
    expect(await stores.app.settings()).toEqual(DEFAULT_SETTINGS);
  });
});

describe("scan runs and scopes", () => {
  it("records runs newest first with cursor paging", async () => {
    const runs = [1, 2, 3].map((i) => ({
      ...scanRun([key("aws:1", "us-east-1", "aws-ec2-instances")], { at: `2026-01-0${i}T00:00:00.000Z` }),
    }));
    for (const r of runs) await stores.app.scanRuns.start({ ...r, status: "running" });
    await stores.app.scanRuns.finish({
      ...runs[0]!,
      status: "complete",
      finishedAt: "2026-01-01T00:01:00.000Z",
    });
    const p1 = await stores.app.scanRuns.list({ limit: 2 });
    expect(p1.items.map((r) => r.id)).toEqual([runs[2]!.id, runs[1]!.id]);
    const p2 = await stores.app.scanRuns.list({ limit: 2, cursor: p1.next! });
    expect(p2.items.map((r) => r.id)).toEqual([runs[0]!.id]);
    expect(p2.items[0]?.status).toBe("complete");
    expect(p2.next).toBeUndefined();
    await expect(stores.app.scanRuns.start(runs[0]!)).rejects.toThrow(/already exists/);
  });

  it("saves scopes by unique name and removes them", async () => {
    const scope = {
      id: "s1",
      name: "prod",
      provider: "aws" as const,
      config: { accountId: "111122223333" },
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    await stores.app.scopes.save(scope);
    expect((await stores.app.scopes.get("prod"))?.id).toBe("s1");
    await expect(stores.app.scopes.save({ ...scope, id: "s2" })).rejects.toThrow(/already exists/);
    await expect(stores.app.scopes.save({ ...scope, id: "s3", name: "bad name!" })).rejects.toThrow(
      /field name/,
    );
    expect(await stores.app.scopes.remove("prod")).toBe(true);
    expect(await stores.app.scopes.list()).toEqual([]);
  });
});

describe("issues and the analysis commit", () => {
  it("assigns ISS-<n> once, finds issues by key or alias, and keeps human fields across analyses", async () => {
    const other = draft({
      key: issueKey("x", "y"),
      entry: { ...entry, id: "x" },
      target: { ...target, id: "y" },
      score: 5,
      severity: "medium",
    });
    await stores.app.commitAnalysis(analysis("a1"), emptyOut([draft(), other]));
    const first = await stores.app.getIssue(draft().key);
    expect(first?.alias).toBe("ISS-1");
    expect((await stores.app.getIssue("iss-2"))?.key).toBe(other.key);
    await stores.app.updateIssue(
      first!.key,
      { assignee: { team: "payments" }, status: "in_progress", comment: "on it" },
      { id: "u1", kind: "user" },
    );
    await stores.app.updateIssue(
      first!.key,
      { status: "risk_accepted", reason: "compensating WAF", expiresAt: "2026-06-01T00:00:00.000Z" },
      { id: "u2", kind: "user" },
    );
    // The next analysis hands the issue back with engine fields only.
    await stores.app.commitAnalysis(
      analysis("a2", "2026-01-02T00:00:00.000Z"),
      emptyOut([draft({ score: 9.9, status: "risk_accepted" })]),
    );
    const again = await stores.app.getIssue("ISS-1");
    expect(again).toMatchObject({
      alias: "ISS-1",
      score: 9.9,
      assignee: { team: "payments" },
      reason: "compensating WAF",
      acceptedBy: "u2",
      expiresAt: "2026-06-01T00:00:00.000Z",
    });
    // The row's columns too (lists filter on them), not only the document.
    const byTeam = await stores.app.listIssues({ assigneeTeam: ["payments"] }, { limit: 10 });
    expect(byTeam.items.map((i) => i.alias)).toEqual(["ISS-1"]);
    const history = await stores.app.issueHistory("ISS-1");
    expect(history.map((e) => e.type)).toEqual([
      "created",
      "status",
      "assignee",
      "comment",
      "status",
      "reason",
    ]);
    expect(history.find((e) => e.type === "comment")?.text).toBe("on it");
    // A new issue after two analyses still gets the next number, never a reused one.
    await stores.app.commitAnalysis(
      analysis("a3", "2026-01-03T00:00:00.000Z"),
      emptyOut([
        draft({ key: issueKey("p", "q"), entry: { ...entry, id: "p" }, target: { ...target, id: "q" } }),
      ]),
    );
    expect((await stores.app.getIssue(issueKey("p", "q")))?.alias).toBe("ISS-3");
  });

  it("nobody sets resolved by hand, and a resolved issue cannot be changed", async () => {
    await stores.app.commitAnalysis(analysis("a1"), emptyOut([draft()]));
    await expect(
      stores.app.updateIssue("ISS-1", { status: "resolved" } as never, { id: "u1", kind: "user" }),
    ).rejects.toThrow(/field status/);
    await stores.app.commitAnalysis(
      analysis("a2", "2026-01-02T00:00:00.000Z"),
      emptyOut([
        draft({ status: "resolved", resolvedAt: "2026-01-02T00:00:00.000Z", statusBeforeResolution: "open" }),
      ]),
    );
    await expect(
      stores.app.updateIssue("ISS-1", { status: "open" }, { id: "u1", kind: "user" }),
    ).rejects.toThrow(/resolved/);
  });

  it("lists issues by score with filters and stable paging", async () => {
    const drafts = Array.from({ length: 12 }, (_, i) =>
      draft({
        key: issueKey(`e${i}`, "t"),
        entry: { ...entry, id: `e${i}` },
        score: i % 4,
        severity: i % 2 ? "high" : "low",
      }),
    );
    await stores.app.commitAnalysis(analysis("a1"), emptyOut(drafts));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await stores.app.listIssues({}, cursor ? { limit: 5, cursor } : { limit: 5 });
      seen.push(...p.items.map((i) => `${i.score}:${i.alias}`));
      cursor = p.next;
    } while (cursor);
    expect(seen).toHaveLength(12);
    expect(seen.slice(0, 3)).toEqual(["3:ISS-4", "3:ISS-8", "3:ISS-12"]);
    expect((await stores.app.listIssues({ severity: "high" }, { limit: 100 })).items).toHaveLength(6);
    expect((await stores.app.listIssues({ nodeId: "e3" }, { limit: 100 })).items.map((i) => i.alias)).toEqual(
      ["ISS-4"],
    );
  });

  it("commitAnalysis makes the run current and its derived generation visible in one transaction", async () => {
    const ec2 = key("aws:111122223333", "us-east-1", "aws-ec2-instances");
    await stores.graph.applyScan(scanRun([ec2]), [{ nodes: [nodeFact(entry.id, ec2)] }]);
    await stores.graph.replaceDerived("a1", [
      { from: "internet", kind: "EXPOSES", to: entry.id, evidence: [{ source: "t", ref: "r" }] },
    ]);
    expect(await stores.graph.neighbours(entry.id, { direction: "in" })).toEqual([]);
    expect(await stores.app.currentAnalysis()).toBeUndefined();
    await stores.app.commitAnalysis(analysis("a1"), {
      ...emptyOut([draft()]),
      tiers: [{ nodeId: target.id, tier: 1, reason: "tag-data-classification" }],
      fixPlan: [
        {
          id: "fix-1",
          title: "Close port 22",
          cli: "aws ec2 revoke-security-group-ingress …",
          terraform: null,
          riskRemoved: 9.4,
          cuts: [],
        },
      ],
    });
    expect((await stores.app.currentAnalysis())?.id).toBe("a1");
    expect(await stores.graph.neighbours(entry.id, { direction: "in" })).toHaveLength(1);
    expect(await stores.app.tiers()).toEqual([
      { nodeId: target.id, tier: 1, reason: "tag-data-classification" },
    ]);
    expect((await stores.app.fixPlan()).map((f) => f.id)).toEqual(["fix-1"]);
    // promoteDerived afterwards (what the server does on start) is a no-op.
    await stores.graph.promoteDerived("a1");
  });

  it("a failing commit leaves the previous analysis current and its generation visible", async () => {
    const ec2 = key("aws:111122223333", "us-east-1", "aws-ec2-instances");
    await stores.graph.applyScan(scanRun([ec2]), [{ nodes: [nodeFact(entry.id, ec2)] }]);
    await stores.graph.replaceDerived("a1", [
      { from: "internet", kind: "EXPOSES", to: entry.id, evidence: [{ source: "t", ref: "a1" }] },
    ]);
    await stores.app.commitAnalysis(analysis("a1"), emptyOut([draft()]));
    await stores.graph.replaceDerived("a2", []);
    const bad = { ...draft(), score: 42 };
    await expect(
      stores.app.commitAnalysis(analysis("a2", "2026-01-02T00:00:00.000Z"), emptyOut([bad])),
    ).rejects.toThrow(/issue '.*': field score|field score/);
    expect((await stores.app.currentAnalysis())?.id).toBe("a1");
    expect(
      (await stores.graph.neighbours(entry.id, { direction: "in" })).map((e) => e.evidence[0]?.ref),
    ).toEqual(["a1"]);
    expect((await stores.app.getIssue("ISS-1"))?.score).toBe(9.4);
  });
});

describe.each(["inline", "worker"] as const)("the analysis commit, written %s", (mode) => {
  beforeEach(async () => {
    await stores.close();
    stores = open({ analysisWrite: mode });
  });

  it("a failure at its last write leaves the previous analysis current with its generation and issues; a retry commits", async () => {
    const ec2 = key("aws:111122223333", "us-east-1", "aws-ec2-instances");
    await stores.graph.applyScan(scanRun([ec2]), [{ nodes: [nodeFact(entry.id, ec2)] }]);
    const edge = (ref: string) => [
      { from: "internet", kind: "EXPOSES" as const, to: entry.id, evidence: [{ source: "t", ref }] },
    ];
    const refs = async () =>
      (await stores.graph.neighbours(entry.id, { direction: "in" })).map((e) => e.evidence[0]?.ref);
    await stores.graph.replaceDerived("a1", edge("a1"));
    await stores.app.commitAnalysis(analysis("a1"), {
      ...emptyOut([draft()]),
      tiers: [{ nodeId: target.id, tier: 1, reason: "pin" }],
    });
    expect((await stores.app.currentAnalysis())?.id).toBe("a1");
    expect(await refs()).toEqual(["a1"]);

    await stores.graph.replaceDerived("a2", edge("a2"));
    const other = draft({ key: issueKey("internet", "arn:aws:s3:::other"), title: "another" });
    const second = { ...emptyOut([draft({ score: 5.5 }), other]), tiers: [] };
    // A trigger of the file (the writer thread has its own connection) fails the run's last row.
    stores.handle.writer.exec(`
      CREATE TRIGGER fail_current_i BEFORE INSERT ON meta WHEN new.key = 'current_analysis' BEGIN SELECT RAISE(ABORT, 'disk full'); END;
      CREATE TRIGGER fail_current_u BEFORE UPDATE ON meta WHEN new.key = 'current_analysis' BEGIN SELECT RAISE(ABORT, 'disk full'); END;`);
    await expect(
      stores.app.commitAnalysis(analysis("a2", "2026-01-02T00:00:00.000Z"), second),
    ).rejects.toThrow(/disk full/);
    expect((await stores.app.currentAnalysis())?.id).toBe("a1");
    expect(await refs()).toEqual(["a1"]);
    expect((await stores.app.getIssue("ISS-1"))?.score).toBe(9.4);
    expect(await stores.app.getIssue(other.key)).toBeUndefined();
    expect(await stores.app.tiers()).toEqual([{ nodeId: target.id, tier: 1, reason: "pin" }]);

    stores.handle.writer.exec("DROP TRIGGER fail_current_i; DROP TRIGGER fail_current_u;");
    await stores.app.commitAnalysis(analysis("a2", "2026-01-02T00:00:00.000Z"), second);
    expect((await stores.app.currentAnalysis())?.id).toBe("a2");
    expect(await refs()).toEqual(["a2"]);
    expect((await stores.app.getIssue("ISS-1"))?.score).toBe(5.5);
    expect((await stores.app.getIssue(other.key))?.alias).toBe("ISS-2");
    expect(await stores.app.tiers()).toEqual([]);
  });
});

describe("demo removal", () => {
  it("removes demo issues, their history, demo analyses and the current one's outputs; keeps real issues", async () => {
    const demoIssue = draft({ key: issueKey("d", "t"), entry: { ...entry, id: "d" }, demo: true });
    await stores.app.commitAnalysis(
      { ...analysis("demo-1"), demo: true },
      {
        ...emptyOut([demoIssue]),
        tiers: [{ nodeId: "t", tier: 1, reason: "pin" }],
      },
    );
    expect((await stores.app.currentAnalysis())?.id).toBe("demo-1");
    expect(await stores.app.removeDemoData()).toEqual({ issues: 1, analyses: 1, kpiSnapshots: 0 });
    expect(await stores.app.getIssue(demoIssue.key)).toBeUndefined();
    expect(await stores.app.currentAnalysis()).toBeUndefined();
    expect(await stores.app.tiers()).toEqual([]);
    expect((await stores.app.listAnalyses({ limit: 10 })).items).toEqual([]);
    // Real data stays, and a second call finds nothing.
    await stores.app.commitAnalysis(analysis("real-1", "2026-01-02T00:00:00.000Z"), emptyOut([draft()]));
    expect(await stores.app.removeDemoData()).toEqual({ issues: 0, analyses: 0, kpiSnapshots: 0 });
    expect((await stores.app.getIssue(draft().key))?.demo).toBe(false);
    expect((await stores.app.currentAnalysis())?.id).toBe("real-1");
  });
});

describe("the one file", () => {
  it("reopens with everything in place and refuses a file from a newer ctem", async () => {
    await stores.app.commitAnalysis(analysis("a1"), emptyOut([draft()]));
    await stores.close();
    stores = open();
    expect((await stores.app.getIssue("ISS-1"))?.key).toBe(draft().key);
    stores.handle.writer.pragma("user_version = 99");
    await stores.close();
    expect(() => open()).toThrow(/newer ctem/);
    stores = { close: () => Promise.resolve() } as unknown as SqliteStores;
  });
});
