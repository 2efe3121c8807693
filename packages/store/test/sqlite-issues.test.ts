// Issues at scale in the SQLite AppStore (migration 4): compact documents whose hops and fix
// texts are stored once, commits that rewrite only changed issues, index-driven keyset pages that
// agree with a plain sort, and the upgrade of a data file written before.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { issueKey } from "@ctem/model";
import type { AnalysisOutput, Hop, Issue, IssueDraft, IssueFilter, IssueSort, Severity } from "@ctem/model";
import { openSqliteStores } from "../src/index.js";
import type { SqliteStores } from "../src/index.js";
import { MIGRATIONS } from "../src/sqlite/migrations.js";
import { issueDraft } from "../src/contract/fixtures.js";
import { DRAFT_ORDERS, docOf, draftOrder } from "../src/sqlite/issues.js";

let dir: string;
let stores: SqliteStores;
const file = () => path.join(dir, "ctem.db");

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-issues-"));
  stores = openSqliteStores(file());
});
afterEach(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const out = (issues: IssueDraft[], paths: AnalysisOutput["paths"] = []): AnalysisOutput => ({
  issues,
  paths,
  tiers: [],
  findingPriorities: [],
  fixPlan: [],
});
const run = (id: string, at = "2026-01-01T00:00:00.000Z") => ({
  id,
  startedAt: at,
  status: "running" as const,
});

/** Where commitAnalysis writes: both ways are tested (a large analysis uses the worker). */
const MODES = ["inline", "worker"] as const;
/** Reopens the store with commitAnalysis writing `mode`'s way. */
const reopenWith = (mode: (typeof MODES)[number]) =>
  beforeEach(async () => {
    await stores.close();
    stores = openSqliteStores(file(), { analysisWrite: mode });
  });

/**
 * Records writes to `table` in a table of the file (triggers of the file, not of one connection:
 * the commit may be written by a writer thread's own connection). Returns what was recorded since.
 */
function watchWrites(table: string, col: string, ops: Array<"insert" | "update" | "delete">): () => string[] {
  const w = stores.handle.writer;
  w.exec("CREATE TABLE IF NOT EXISTS test_writes (id INTEGER PRIMARY KEY, w TEXT NOT NULL)");
  for (const op of ops)
    w.exec(
      `CREATE TRIGGER ${table}_${op} AFTER ${op.toUpperCase()} ON ${table} BEGIN INSERT INTO test_writes (w) VALUES ('${table}:${op}:' || ${op === "delete" ? "old" : "new"}.${col}); END`,
    );
  return () => {
    const rows = w.prepare("SELECT w FROM test_writes ORDER BY id").pluck().all() as string[];
    w.exec("DELETE FROM test_writes");
    return rows;
  };
}

const SEVERITIES: Severity[] = ["critical", "high", "medium", "low"];
const STATUSES = ["open", "in_progress", "fixed", "risk_accepted", "false_positive", "resolved"] as const;

/** A shared hop with a heavy evidence list, as the engine shares one per derived edge. */
const sharedHop: Hop = {
  from: "internet",
  to: "arn:aws:ec2:us-east-1:111122223333:instance/i-shared",
  edge: "EXPOSES",
  evidence: Array.from({ length: 20 }, (_, i) => ({
    source: "aws-ec2-security-groups",
    ref: `sg-1#ingress[${i}]`,
    detail: { port: 443 + i, cidr: "0.0.0.0/0" },
  })),
  assumptions: [],
};

/** n issues with varied filter and sort fields (deterministic). */
function many(n: number): IssueDraft[] {
  return Array.from({ length: n }, (_, i) => {
    const entryId = `arn:aws:ec2:us-east-1:${i % 3 === 0 ? "111122223333" : "444455556666"}:instance/i-${i}`;
    const targetId = `arn:aws:s3:::bucket-${i % 5}`;
    const severity = SEVERITIES[(i * 7) % 4]!;
    const firstSeen = new Date(Date.UTC(2026, 0, 1 + (i % 17))).toISOString();
    return issueDraft({
      key: issueKey(entryId, targetId),
      title: `i-${i} can read bucket-${i % 5}`,
      rule: i % 2 ? "exposed-compute-to-sensitive-data" : "key-to-admin",
      severity,
      score: ((i * 37) % 101) / 10,
      confidence: i % 5 === 0 ? "theoretical" : "config_confirmed",
      status: STATUSES[(i * 5) % 6]!,
      entry: { id: entryId, kind: "compute", type: "aws.ec2.instance", name: `i-${i}` },
      target: { id: targetId, kind: "data_store", type: "aws.s3.bucket", name: `bucket-${i % 5}`, tier: 1 },
      paths: [{ likelihood: 0.5, confidence: "config_confirmed", hops: [sharedHop] }],
      remediation: [
        {
          pathIndex: 0,
          hopIndex: 0,
          title: "Revoke the open ingress rule",
          cli: "aws ec2 revoke-security-group-ingress --group-id sg-1 --protocol tcp --port 443 --cidr 0.0.0.0/0",
          terraform: null,
          riskRemoved: 3,
        },
      ],
      firstSeen,
      lastSeen: firstSeen,
      dueAt:
        i % 11 === 0 ? null : new Date(Date.parse(firstSeen) + ((i * 13) % 90) * 86_400_000).toISOString(),
      assignee: i % 3 === 0 ? { team: "payments" } : i % 3 === 1 ? { user: "u1" } : {},
    });
  });
}

async function allPages(filter: IssueFilter & { sort?: IssueSort }, limit: number): Promise<Issue[]> {
  const items: Issue[] = [];
  let cursor: string | undefined;
  do {
    const p = await stores.app.listIssues(filter, { limit, ...(cursor ? { cursor } : {}) });
    items.push(...p.items);
    cursor = p.next;
  } while (cursor);
  return items;
}

/** The reference order: a plain sort of every issue, then the filter. */
function reference(all: Issue[], filter: IssueFilter & { sort?: IssueSort }, seqOf: Map<string, number>) {
  const sort = filter.sort ?? "score";
  const list = (v: string | string[] | undefined) =>
    v === undefined ? undefined : Array.isArray(v) ? v : [v];
  const sev = list(filter.severity);
  const st = list(filter.status);
  const conf = list(filter.confidence);
  const val = (i: Issue): string | number =>
    sort === "score"
      ? -i.score
      : sort === "firstSeen"
        ? i.firstSeen
        : sort === "dueAt"
          ? (i.dueAt ?? "9999")
          : 0;
  return all
    .filter(
      (i) =>
        (!sev || sev.includes(i.severity)) &&
        (!st || st.includes(i.status)) &&
        (!conf || conf.includes(i.confidence)) &&
        (!filter.rule || i.rule === filter.rule) &&
        (!filter.assigneeTeam || i.assignee.team === filter.assigneeTeam) &&
        (!filter.account ||
          i.entry.id.includes(`:${filter.account}:`) ||
          i.target.id.includes(`:${filter.account}:`)) &&
        (!filter.text || i.title.toLowerCase().includes(filter.text.toLowerCase())),
    )
    .sort((a, b) => {
      const va = val(a);
      const vb = val(b);
      return va < vb ? -1 : va > vb ? 1 : seqOf.get(a.key)! - seqOf.get(b.key)!;
    })
    .map((i) => i.key);
}

describe.each(MODES)("issue storage (commit: %s)", (mode) => {
  reopenWith(mode);
  it("stores a hop's evidence and a fix text once however many issues share them, and reads every issue back whole", async () => {
    const drafts = many(60);
    await stores.app.commitAnalysis(run("a1"), out(drafts));
    const parts = stores.handle.reader.prepare("SELECT count(*) AS n FROM issue_parts").get() as {
      n: number;
    };
    expect(parts.n).toBe(2);
    for (const d of drafts) {
      const got = await stores.app.getIssue(d.key);
      const { alias, ...rest } = got!;
      expect(alias).toMatch(/^ISS-\d+$/);
      expect(rest).toEqual(d);
    }
    expect(await stores.app.fixPlan()).toEqual([]);
    const plan = [
      {
        id: "revoke-ingress:sg-1",
        title: "Revoke the open ingress rule",
        cli: "aws ec2 revoke-security-group-ingress --group-id sg-1 --protocol tcp --port 443 --cidr 0.0.0.0/0",
        terraform: null,
        riskRemoved: 12.5,
        cuts: drafts.slice(0, 3).map((d, i) => ({ issueKey: d.key, pathIndex: 0, hopIndex: i })),
      },
    ];
    await stores.app.commitAnalysis(run("a2"), { ...out(drafts), fixPlan: plan });
    expect(await stores.app.fixPlan()).toEqual(plan);
    const again = stores.handle.reader.prepare("SELECT count(*) AS n FROM issue_parts").get() as {
      n: number;
    };
    expect(again.n).toBe(2);
    const doc = stores.handle.reader.prepare("SELECT max(length(doc)) AS n FROM issue_docs").get() as {
      n: number;
    };
    expect(doc.n).toBeLessThan(JSON.stringify(sharedHop.evidence).length);
  });

  it("rewrites only issues whose content changed; lastSeen moves for all, history records real changes", async () => {
    const drafts = many(30);
    await stores.app.commitAnalysis(run("a1"), out(drafts));
    const docsBefore = stores.handle.reader
      .prepare("SELECT seq, doc FROM issue_docs ORDER BY seq")
      .all() as Array<{ seq: number; doc: string }>;
    const later = "2026-02-01T00:00:00.000Z";
    const next = drafts.map((d, i) => ({
      ...d,
      lastSeen: later,
      ...(i === 4 ? { score: 1.5, severity: "low" as const } : {}),
    }));
    const writes = watchWrites("issue_docs", "seq", ["update"]);
    await stores.app.commitAnalysis(run("a2", later), out(next));
    expect(writes()).toEqual([`issue_docs:update:${docsBefore[4]!.seq}`]);
    for (const d of next) expect((await stores.app.getIssue(d.key))?.lastSeen).toBe(later);
    expect((await stores.app.getIssue(next[4]!.key))?.score).toBe(1.5);
    expect((await stores.app.issueHistory(next[4]!.key)).map((e) => e.type)).toEqual(["created"]);
  });

  it("a key given twice in one analysis is an error that names it, and nothing is written", async () => {
    const drafts = many(3);
    await stores.app.commitAnalysis(run("a1"), out(drafts));
    const prio = { findingKey: "f-1", score: 2, severity: "low" as const, onPath: false, factors: [] };
    const tier = { nodeId: "arn:aws:s3:::crown", tier: 1, reason: "tag" };
    await expect(
      stores.app.commitAnalysis(run("a2"), { ...out(drafts), findingPriorities: [prio, prio] }),
    ).rejects.toThrow("finding priority 'f-1' is given twice");
    await expect(
      stores.app.commitAnalysis(run("a3"), { ...out(drafts), tiers: [tier, tier] }),
    ).rejects.toThrow("tier of node 'arn:aws:s3:::crown' is given twice");
    await expect(stores.app.commitAnalysis(run("a4"), out([...drafts, drafts[0]!]))).rejects.toThrow(
      `issue '${drafts[0]!.key}' is given twice`,
    );
    expect((await stores.app.currentAnalysis())?.id).toBe("a1");
    expect(await stores.app.findingPriorities()).toEqual([]);
    expect(await stores.app.tiers()).toEqual([]);
  });

  it("unresolvedIssuePairs are the entry and target of every issue not resolved", async () => {
    const drafts = many(12);
    await stores.app.commitAnalysis(run("a1"), out(drafts));
    const states = await stores.app.issueStates();
    const unresolved = states.filter((s) => s.status !== "resolved");
    // Some of each, so that the filter is seen to work.
    expect(unresolved.length).toBeGreaterThan(0);
    expect(unresolved.length).toBeLessThan(states.length);
    expect(await stores.app.unresolvedIssuePairs()).toEqual(
      unresolved.map((s) => ({ entryId: s.entry.id, targetId: s.target.id })),
    );
  });

  it("issueStates are the issues without paths, factors and remediation", async () => {
    const drafts = many(5);
    await stores.app.commitAnalysis(run("a1"), out(drafts));
    const states = await stores.app.issueStates();
    expect(states).toHaveLength(5);
    for (const s of states) {
      const full = (await stores.app.getIssue(s.key))!;
      const { paths, factors, remediation, ...rest } = full;
      expect(paths.length + factors.length + remediation.length).toBeGreaterThan(0);
      expect(s).toEqual(rest);
    }
  });
});

describe.each(MODES)("compact forms (migration 5; commit: %s)", (mode) => {
  reopenWith(mode);
  const factors = [
    { name: "entry", value: "internet", source: "engine" },
    { name: "likelihood", value: 0.95, source: "entry likelihood × Π hop probabilities" },
    { name: "kev", value: true, source: "cisa-kev" },
    { name: "kev", value: false, source: "another source" },
  ];
  const prio = (key: string, score: number, f = factors) => ({
    findingKey: key,
    score,
    severity: "high" as const,
    onPath: score > 5,
    factors: f,
  });
  const count = (table: string) =>
    (stores.handle.reader.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  it("stores each factor name and source once and reads factors, priorities and the plan back the same", async () => {
    const drafts = many(20).map((d, i) => ({
      ...d,
      factors: i % 2 ? factors : [...factors, { name: `CVE-2024-${i}:cvss`, value: 9.8, source: "report" }],
    }));
    // A factor whose keys are in another order is kept as it is (it must read back the same).
    const odd = { source: "engine", name: "odd", value: 1 } as (typeof factors)[number];
    drafts[3]!.factors = [factors[0]!, odd];
    const prios = [prio("f1", 8.2), prio("f2", 1.5, []), { ...prio("f3", 3), factors: [odd] }];
    const plan = [
      {
        id: "revoke-ingress:sg-1",
        title: "Revoke the open ingress rule",
        cli: "aws ec2 revoke-security-group-ingress --group-id sg-1",
        terraform: null,
        riskRemoved: 12.5,
        cuts: [
          { issueKey: drafts[0]!.key, pathIndex: 0, hopIndex: 0 },
          { issueKey: drafts[0]!.key, pathIndex: 1, hopIndex: 2 },
          { issueKey: drafts[1]!.key, pathIndex: 0, hopIndex: 1 },
          { issueKey: drafts[0]!.key, pathIndex: 2, hopIndex: 0 },
        ],
      },
    ];
    await stores.app.commitAnalysis(run("a1"), { ...out(drafts), findingPriorities: prios, fixPlan: plan });
    expect(count("factor_names")).toBe(factors.length + 10);
    for (const d of drafts) {
      const got = await stores.app.getIssue(d.key);
      expect(JSON.stringify(got!.factors)).toBe(JSON.stringify(d.factors));
      const { alias: _alias, ...rest } = got!;
      expect(rest).toEqual(d);
    }
    const byKey = (a: { findingKey: string }, b: { findingKey: string }) =>
      a.findingKey < b.findingKey ? -1 : 1;
    expect(JSON.stringify((await stores.app.findingPriorities()).sort(byKey))).toBe(JSON.stringify(prios));
    expect(await stores.app.fixPlan()).toEqual(plan);
    const doc = stores.handle.reader
      .prepare("SELECT doc FROM finding_priorities WHERE finding_key = 'f1'")
      .get() as { doc: string };
    expect(doc.doc.length).toBeLessThan(JSON.stringify(prios[0]).length / 3);
    // Another connection (a new process) reads the names too.
    await stores.close();
    stores = openSqliteStores(file());
    expect((await stores.app.getIssue(drafts[0]!.key))!.factors).toEqual(drafts[0]!.factors);
    expect((await stores.app.findingPriorities()).find((p) => p.findingKey === "f1")).toEqual(prios[0]);
  });

  it("writes finding priorities, tiers and fix-plan items as differences from what is stored", async () => {
    const drafts = many(3);
    const item = (id: string, riskRemoved: number) => ({
      id,
      title: `Fix ${id}`,
      cli: `fix ${id}`,
      terraform: null,
      riskRemoved,
      cuts: [{ issueKey: drafts[0]!.key, pathIndex: 0, hopIndex: 0 }],
    });
    const first: AnalysisOutput = {
      ...out(drafts),
      tiers: [
        { nodeId: "n1", tier: 1, reason: "pin" },
        { nodeId: "n2", tier: 2, reason: "rule-a" },
      ],
      findingPriorities: [prio("f1", 8), prio("f2", 6), prio("f3", 2)],
      fixPlan: [item("o1", 9), item("o2", 5), item("o3", 1)],
    };
    await stores.app.commitAnalysis(run("a1"), first);
    const watched = [
      ["finding_priorities", "finding_key"],
      ["analysis_tiers", "node_id"],
      ["fix_plan", "rank"],
    ].map(([t, col]) => watchWrites(t!, col!, ["insert", "update", "delete"]));
    const written = () => watched.flatMap((f) => f());
    const second: AnalysisOutput = {
      ...out(drafts),
      tiers: [
        { nodeId: "n1", tier: 1, reason: "pin" },
        { nodeId: "n3", tier: 1, reason: "rule-b" },
      ],
      findingPriorities: [prio("f1", 8), prio("f2", 7), prio("f4", 1)],
      fixPlan: [item("o1", 9), item("o3", 4)],
    };
    await stores.app.commitAnalysis(run("a2"), second);
    expect(written().sort()).toEqual(
      [
        "analysis_tiers:delete:n2",
        "analysis_tiers:insert:n3",
        "finding_priorities:delete:f3",
        "finding_priorities:insert:f4",
        "finding_priorities:update:f2",
        "fix_plan:delete:2",
        "fix_plan:update:1",
      ].sort(),
    );
    expect(await stores.app.tiers()).toEqual(second.tiers);
    expect(await stores.app.findingPriorities()).toEqual(second.findingPriorities);
    expect(await stores.app.fixPlan()).toEqual(second.fixPlan);
    await stores.app.commitAnalysis(run("a3"), second);
    expect(written()).toEqual([]);
  });

  it("a commit that fails leaves no factor name behind, and later ids read back right", async () => {
    const drafts = many(2);
    await stores.app.commitAnalysis(run("a1"), out(drafts));
    const before = count("factor_names");
    stores.handle.writer.exec(
      "CREATE TRIGGER fail_plan BEFORE INSERT ON fix_plan BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    const failing = drafts.map((d) => ({
      ...d,
      factors: [{ name: "lost", value: 1, source: "never stored" }],
    }));
    const plan = [{ id: "o", title: "t", cli: null, terraform: null, riskRemoved: 1, cuts: [] }];
    await expect(stores.app.commitAnalysis(run("a2"), { ...out(failing), fixPlan: plan })).rejects.toThrow(
      /disk full/,
    );
    expect(count("factor_names")).toBe(before);
    stores.handle.writer.exec("DROP TRIGGER fail_plan");
    // The ids the failed commit used are given to other names now.
    const next = drafts.map((d) => ({ ...d, factors: [{ name: "kept", value: 2, source: "stored" }] }));
    await stores.app.commitAnalysis(run("a3"), { ...out(next), fixPlan: plan });
    for (const d of next) expect((await stores.app.getIssue(d.key))!.factors).toEqual(d.factors);
    expect(count("factor_names")).toBe(before + 1);
    await stores.app.commitAnalysis(run("a4"), out(failing));
    for (const d of failing) expect((await stores.app.getIssue(d.key))!.factors).toEqual(d.factors);
    expect(count("factor_names")).toBe(before + 2);
  });

  it("reads issues, finding priorities and fix-plan items stored in the earlier forms, and the next commit rewrites them", async () => {
    const drafts = many(2).map((d) => ({ ...d, factors }));
    await stores.app.commitAnalysis(run("a1"), out(drafts));
    const w = stores.handle.writer;
    // The forms written before migration 5: factors as objects, remediation as objects with a fix
    // part, finding priorities whole, fix-plan items with their id, a fix part and cut tuples (or
    // whole, before that).
    const fixRef = (
      w.prepare("SELECT hash FROM issue_parts WHERE doc LIKE '{\"title\"%'").get() as { hash: string }
    ).hash;
    const rows = w.prepare("SELECT seq, doc FROM issue_docs ORDER BY seq").all() as Array<{
      seq: number;
      doc: string;
    }>;
    for (const r of rows) {
      const d = JSON.parse(r.doc) as Record<string, unknown>;
      const rem = d.remediation as Array<number | string>;
      d.factors = factors;
      d.remediation = [{ pathIndex: rem[0], hopIndex: rem[1], riskRemoved: rem[2], fix: rem[3] }];
      w.prepare("UPDATE issue_docs SET doc = ? WHERE seq = ?").run(JSON.stringify(d), r.seq);
      // (the hash of that document, as the store then wrote it)
      w.prepare("UPDATE issues SET content_hash = 'v4' WHERE seq = ?").run(r.seq);
    }
    const oldPrio = prio("f1", 7.5);
    w.prepare("INSERT INTO finding_priorities (finding_key, score, doc) VALUES (?, ?, ?)").run(
      "f1",
      7.5,
      JSON.stringify(oldPrio),
    );
    const whole = {
      id: "o1",
      title: "Revoke the open ingress rule",
      cli: "aws ec2 revoke-security-group-ingress --group-id sg-1 --protocol tcp --port 443 --cidr 0.0.0.0/0",
      terraform: null,
      riskRemoved: 4,
      cuts: [{ issueKey: drafts[0]!.key, pathIndex: 0, hopIndex: 0 }],
    };
    const withPart = { ...whole, id: "o2", riskRemoved: 3 };
    w.prepare("INSERT INTO fix_plan (rank, id, doc) VALUES (0, 'o1', ?), (1, 'o2', ?)").run(
      JSON.stringify(whole),
      JSON.stringify({
        id: "o2",
        fix: fixRef,
        riskRemoved: 3,
        cuts: withPart.cuts.map((c) => [c.issueKey, c.pathIndex, c.hopIndex]),
      }),
    );
    for (const d of drafts) {
      const { alias: _alias, ...rest } = (await stores.app.getIssue(d.key))!;
      expect(rest).toEqual(d);
    }
    expect(await allPages({ sort: "alias" }, 1)).toHaveLength(2);
    expect(await stores.app.issueStates()).toHaveLength(2);
    expect(await stores.app.findingPriorities()).toEqual([oldPrio]);
    expect(await stores.app.fixPlan()).toEqual([whole, withPart]);
    // The next commit of the same content writes the current forms; everything reads the same.
    await stores.app.commitAnalysis(run("a2"), {
      ...out(drafts),
      findingPriorities: [oldPrio],
      fixPlan: [whole, withPart],
    });
    const docs = w.prepare("SELECT doc FROM issue_docs").all() as Array<{ doc: string }>;
    for (const r of docs)
      expect((JSON.parse(r.doc) as { factors: unknown[] }).factors[0]).toBeTypeOf("number");
    for (const t of ["finding_priorities", "fix_plan"])
      for (const r of w.prepare(`SELECT doc FROM ${t}`).all() as Array<{ doc: string }>)
        expect(r.doc.startsWith("[")).toBe(true);
    for (const d of drafts) {
      const { alias: _alias, ...rest } = (await stores.app.getIssue(d.key))!;
      expect(rest).toEqual(d);
    }
    expect(await stores.app.findingPriorities()).toEqual([oldPrio]);
    expect(await stores.app.fixPlan()).toEqual([whole, withPart]);
  });
});

describe("issue pages", () => {
  const filters: Array<IssueFilter & { sort?: IssueSort }> = [
    {},
    { sort: "dueAt" },
    { sort: "firstSeen" },
    { sort: "alias" },
    { status: "open" },
    { status: "open", severity: ["critical", "high"], sort: "dueAt" },
    { status: ["open", "in_progress"], sort: "firstSeen" },
    { severity: "medium", confidence: "theoretical" },
    { rule: "key-to-admin", sort: "dueAt" },
    { assigneeTeam: "payments", sort: "score" },
    { account: "111122223333", sort: "firstSeen" },
    { text: "BUCKET-3", sort: "dueAt" },
    { status: "fixed", sort: "alias" },
  ];

  it("keyset pages in every sort agree with a plain sort of every match, with and without filters", async () => {
    const drafts = many(240);
    await stores.app.commitAnalysis(run("a1"), out(drafts));
    const all = await allPages({ sort: "alias" }, 1000);
    const seqOf = new Map(all.map((i) => [i.key, Number(i.alias.slice(4))]));
    expect(all).toHaveLength(240);
    for (const f of filters) {
      const expected = reference(all, f, seqOf);
      expect(expected.length, JSON.stringify(f)).toBeGreaterThan(0);
      for (const limit of [1, 7, 100]) expect((await allPages(f, limit)).map((i) => i.key)).toEqual(expected);
    }
  });

  it("the common pages walk an index in sort order (no sort of every match)", async () => {
    await stores.app.commitAnalysis(run("a1"), out(many(50)));
    const plans: string[] = [];
    const db = stores.handle.reader;
    const prepare = db.prepare.bind(db);
    db.prepare = (sql: string) => {
      if (/FROM issues /.test(sql) && /ORDER BY/.test(sql)) {
        const args: string[] = Array.from({ length: sql.split("?").length - 1 }, () => "x");
        const rows = prepare<string[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(...args);
        plans.push(rows.map((r) => r.detail).join("; "));
      }
      return prepare(sql);
    };
    try {
      for (const f of [
        {},
        { sort: "dueAt" as const },
        { status: "open" as const, severity: ["critical" as const, "high" as const], sort: "dueAt" as const },
        { status: "open" as const, sort: "firstSeen" as const },
        { status: ["open" as const, "in_progress" as const], confidence: "theoretical" as const },
        { rule: "key-to-admin", text: "bucket" },
      ]) {
        const first = await stores.app.listIssues(f, { limit: 3 });
        if (first.next) await stores.app.listIssues(f, { limit: 3, cursor: first.next });
      }
    } finally {
      db.prepare = prepare;
    }
    expect(plans.length).toBeGreaterThan(6);
    for (const p of plans) {
      expect(p).not.toMatch(/TEMP B-TREE/);
      expect(p).toMatch(/USING (COVERING )?INDEX issues_(by|status)_|SCAN issues/);
    }
  });
});

describe("upgrading a data file written before migration 4", () => {
  it("moves issues, their aliases, human fields and history; pages, filters and the next analysis work", async () => {
    await stores.close();
    rmSync(file());
    // The schema as it was, and an issue as the old store wrote it (whole document, no columns for
    // confidence, title, lastSeen).
    const old = new Database(file());
    const before = MIGRATIONS.findIndex((m) => m.includes("CREATE TABLE issues_v4"));
    expect(before).toBeGreaterThan(0);
    for (const m of MIGRATIONS.slice(0, before)) old.exec(m);
    old.pragma(`user_version = ${before}`);
    const drafts = many(3);
    const put = old.prepare(
      `INSERT INTO issues (key, alias, seq, severity, status, score, rule, entry_id, target_id, assignee_user, assignee_team, demo, first_seen, due_at, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const stored: Issue[] = drafts.map((d, i) => ({
      ...d,
      alias: `ISS-${i + 1}`,
      reason: i === 0 ? "accepted for the migration" : null,
      lastSeen: "2026-01-20T00:00:00.000Z",
    }));
    stored.forEach((i, n) =>
      put.run(
        i.key,
        i.alias,
        n + 1,
        i.severity,
        i.status,
        i.score,
        i.rule,
        i.entry.id,
        i.target.id,
        i.assignee.user ?? null,
        i.assignee.team ?? null,
        0,
        i.firstSeen,
        i.dueAt,
        JSON.stringify(i),
      ),
    );
    old.prepare("INSERT INTO issue_events (issue_key, at, doc) VALUES (?, ?, ?)").run(
      stored[0]!.key,
      "2026-01-01T00:00:00.000Z",
      JSON.stringify({
        at: "2026-01-01T00:00:00.000Z",
        actor: { id: "analysis", kind: "system" },
        type: "created",
        to: "open",
      }),
    );
    old.close();

    stores = openSqliteStores(file());
    for (const i of stored) expect(await stores.app.getIssue(i.alias)).toEqual(i);
    expect(
      (await stores.app.listIssues({ confidence: stored[0]!.confidence }, { limit: 10 })).items.map(
        (i) => i.key,
      ),
    ).toContain(stored[0]!.key);
    expect(
      (await stores.app.listIssues({ text: "i-1 can" }, { limit: 10 })).items.map((i) => i.alias),
    ).toEqual(["ISS-2"]);
    expect(await allPages({ sort: "dueAt" }, 1)).toHaveLength(3);
    // The next analysis: aliases and human fields stay, new issues continue the numbering.
    const added = many(4)[3]!;
    await stores.app.commitAnalysis(run("a1", "2026-02-01T00:00:00.000Z"), out([...drafts, added]));
    expect((await stores.app.getIssue(stored[0]!.key))?.reason).toBe("accepted for the migration");
    expect((await stores.app.getIssue(added.key))?.alias).toBe("ISS-4");
    expect((await stores.app.issueHistory("ISS-1")).map((e) => e.type)).toEqual(["created"]);
  });
});

describe("compact documents", () => {
  /** What a document copied key by key holds: the draft's fields in its order, the stored ones over them. */
  const reference = (i: object, over?: object) => {
    const d: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(i)) d[k] = v;
    if (over) for (const [k, v] of Object.entries(over)) d[k] = v;
    return d;
  };
  const inOrder = (d: IssueDraft, order: readonly string[], alias?: string): IssueDraft => {
    const o: Record<string, unknown> = {};
    for (const k of order) o[k] = (d as unknown as Record<string, unknown>)[k];
    if (alias !== undefined) o.alias = alias;
    return o as unknown as IssueDraft;
  };

  it("hold the draft's fields in the draft's own order with the stored ones over them, whatever its shape", () => {
    const base = issueDraft({ reason: "accepted for now", assignee: { team: "web" }, acceptedBy: "ana" });
    const engine = DRAFT_ORDERS.flatMap((order) => [inOrder(base, order), inOrder(base, order, "ISS-3")]);
    // The engine's orders take the literal; these are copied key by key.
    expect(engine.map((d) => draftOrder(d, { alias: "ISS-1" }))).toEqual([0, 0, 1, 1]);
    const others = [
      base,
      inOrder(base, [...DRAFT_ORDERS[0]!].reverse()),
      { ...inOrder(base, DRAFT_ORDERS[0]!), extra: 1 } as unknown as IssueDraft,
      inOrder(base, DRAFT_ORDERS[1]!.slice(0, -1)),
      { ...inOrder(base, DRAFT_ORDERS[0]!, "ISS-3"), demo: true },
    ];
    expect(others.map((d) => draftOrder(d, undefined))).toEqual([-1, -1, -1, -1, 0]);
    const overs: Array<Partial<Issue> | undefined> = [
      undefined,
      { alias: "ISS-7" },
      { alias: undefined },
      {
        alias: "ISS-7",
        assignee: { user: "u-1" },
        reason: null,
        acceptedBy: null,
        expiresAt: "2027-01-01T00:00:00.000Z",
      },
      { status: "fixed" },
    ];
    expect(draftOrder(engine[0]!, { status: "fixed" })).toBe(-1);
    for (const d of [...engine, ...others])
      for (const o of overs) expect(JSON.stringify(docOf(d, o))).toBe(JSON.stringify(reference(d, o)));
  });
});
