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

describe("issue storage", () => {
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
    const writes: string[] = [];
    stores.handle.writer.function("note_write", (seq: number) => {
      writes.push(String(seq));
      return null;
    });
    stores.handle.writer.exec(
      "CREATE TEMP TRIGGER watch_docs AFTER UPDATE ON issue_docs BEGIN SELECT note_write(new.seq); END",
    );
    await stores.app.commitAnalysis(run("a2", later), out(next));
    expect(writes).toEqual([String(docsBefore[4]!.seq)]);
    for (const d of next) expect((await stores.app.getIssue(d.key))?.lastSeen).toBe(later);
    expect((await stores.app.getIssue(next[4]!.key))?.score).toBe(1.5);
    expect((await stores.app.issueHistory(next[4]!.key)).map((e) => e.type)).toEqual(["created"]);
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
