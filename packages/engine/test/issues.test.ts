// DESIGN's issue status table, row by row, over successive scans and analyses on the real SQLite
// stores: the path is opened and closed by scanning the web estate with and without its internet
// rule; people's changes go through AppStore.updateIssue; time is given explicitly.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueKey } from "@ctem/model";
import type { Actor, Issue, ScanRun, SourceKey } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import type { SqliteStores } from "@ctem/store";
import { analyze } from "../src/analyze.js";
import { loadActionCatalog } from "../src/iam/catalog.js";
import type { ActionCatalog } from "../src/iam/catalog.js";
import { dueAt, reconcile } from "../src/issues/reconcile.js";
import { expireAcceptances } from "../src/issues/expire.js";
import { analyzeEstate } from "../src/analyze.js";
import { MAX_TARGETS_PER_ENTRY, searchPairs } from "../src/pipeline/core.js";
import { Builder, allow, doc } from "./build.js";
import { arn, settings, webEstate } from "./analysis-fixtures.js";

const analyst: Actor = { id: "ana@example.com", kind: "user" };
const T = (h: number) => new Date(Date.UTC(2026, 2, 1, 0, 0, 0) + h * 3_600_000).toISOString();
const WEB = arn.instance("i-web1");
const BUCKET = arn.bucket("customer-data");

let dir: string;
let catalog: ActionCatalog;
let seq = 0;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-issues-"));
  catalog = await loadActionCatalog();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A scenario: its own database; `scan(open, at)` stores the estate; `analyze(at)` runs the engine. */
function scenario() {
  const stores: SqliteStores = openSqliteStores(path.join(dir, `s${++seq}.db`));
  const scan = async (open: boolean, at: string) => {
    const facts = webEstate({ closed: !open }).facts();
    const keys = new Map<string, SourceKey>();
    for (const x of [...(facts.nodes ?? []), ...(facts.edges ?? [])])
      for (const k of x.sources) keys.set(`${k.source}|${k.region}|${k.collector}`, k);
    const run: ScanRun = {
      id: `scan-${seq}-${at}`,
      trigger: { kind: "adhoc" },
      status: "running",
      startedAt: at,
      collectors: [...keys.values()].map((k) => ({ ...k, status: "ok" as const, counts: {} })),
    };
    await stores.app.scanRuns.start(run);
    await stores.graph.applyScan(run, [facts]);
    await stores.app.scanRuns.finish({ ...run, status: "complete", finishedAt: at });
  };
  const run = async (at: string): Promise<Issue> => {
    await analyze(stores, { now: () => new Date(at), catalog });
    const page = await stores.app.listIssues({}, { limit: 100 });
    const issue = page.items.find((i) => i.entry.id === WEB && i.target.id === BUCKET);
    if (!issue) throw new Error("the web → customer-data issue was never created");
    return issue;
  };
  const change = (key: string, c: Parameters<SqliteStores["app"]["updateIssue"]>[1], at: string) =>
    stores.app.updateIssue(key, c, analyst, at);
  return { stores, scan, run, change };
}

describe("issue lifecycle (DESIGN status table) on SQLite", () => {
  it("opens with an alias and an SLA due date; a person's status and assignee survive analyses", async () => {
    const s = scenario();
    await s.scan(true, T(0));
    const first = await s.run(T(1));
    expect(first.status).toBe("open");
    expect(first.alias).toMatch(/^ISS-\d+$/);
    expect(first.firstSeen).toBe(T(1));
    expect(first.dueAt).toBe(dueAt(T(1), first.severity, settings().slaDays));
    await s.change(first.key, { status: "in_progress", assignee: { user: "dev@example.com" } }, T(2));
    const again = await s.run(T(3));
    expect(again.status).toBe("in_progress");
    expect(again.assignee).toEqual({ user: "dev@example.com" });
    expect(again.alias).toBe(first.alias);
    expect(again.firstSeen).toBe(T(1));
    expect(again.lastSeen).toBe(T(3));
    await s.stores.close();
  });

  it("path gone: any → resolved with resolvedAt and the previous status kept; nobody resolves by hand; path back: → open with reopenedAt", async () => {
    const s = scenario();
    await s.scan(true, T(0));
    const i = await s.run(T(1));
    await s.change(i.key, { status: "in_progress" }, T(2));
    await s.scan(false, T(3));
    const gone = await s.run(T(4));
    expect(gone.status).toBe("resolved");
    expect(gone.resolvedAt).toBe(T(4));
    expect(gone.statusBeforeResolution).toBe("in_progress");
    await expect(s.change(i.key, { status: "open" }, T(5))).rejects.toThrow(/resolved/);
    await expect(
      s.change(i.key, { status: "resolved" } as unknown as Parameters<typeof s.change>[1], T(5)),
    ).rejects.toThrow();
    const history = await s.stores.app.issueHistory(i.key);
    expect(history.some((e) => e.type === "status" && e.from === "in_progress" && e.to === "resolved")).toBe(
      true,
    );
    await s.scan(true, T(6));
    const back = await s.run(T(7));
    expect(back.status).toBe("open");
    expect(back.reopenedAt).toBe(T(7));
    expect(back.alias).toBe(i.alias);
    await s.stores.close();
  });

  it("path back: false_positive is restored, its reason untouched", async () => {
    const s = scenario();
    await s.scan(true, T(0));
    const i = await s.run(T(1));
    await s.change(i.key, { status: "false_positive", reason: "WAF blocks this" }, T(2));
    await s.scan(false, T(3));
    expect((await s.run(T(4))).status).toBe("resolved");
    await s.scan(true, T(5));
    const back = await s.run(T(6));
    expect(back.status).toBe("false_positive");
    expect(back.reason).toBe("WAF blocks this");
    expect(back.reopenedAt).toBeNull();
    await s.stores.close();
  });

  it("path back: an unexpired risk_accepted is restored; an expired one reopens", async () => {
    const s = scenario();
    await s.scan(true, T(0));
    const i = await s.run(T(1));
    await s.change(i.key, { status: "risk_accepted", reason: "accepted", expiresAt: T(10) }, T(2));
    await s.scan(false, T(3));
    expect((await s.run(T(4))).status).toBe("resolved");
    await s.scan(true, T(5));
    const restored = await s.run(T(6));
    expect(restored.status).toBe("risk_accepted");
    expect(restored.acceptedBy).toBe(analyst.id);
    expect(restored.expiresAt).toBe(T(10));
    // Gone again, and back only after the acceptance expired: open, not risk_accepted.
    await s.scan(false, T(7));
    expect((await s.run(T(8))).status).toBe("resolved");
    await s.scan(true, T(11));
    const reopened = await s.run(T(12));
    expect(reopened.status).toBe("open");
    expect(reopened.reopenedAt).toBe(T(12));
    expect(reopened.reason).toBe("accepted");
    await s.stores.close();
  });

  it("acceptance expired while the path is present: risk_accepted → open", async () => {
    const s = scenario();
    await s.scan(true, T(0));
    const i = await s.run(T(1));
    await s.change(i.key, { status: "risk_accepted", reason: "until the migration", expiresAt: T(5) }, T(2));
    expect((await s.run(T(4))).status).toBe("risk_accepted");
    const expired = await s.run(T(6));
    expect(expired.status).toBe("open");
    expect(expired.reason).toBe("until the migration");
    await s.stores.close();
  });

  it("the daily job reopens an expired acceptance without an analysis, as the system", async () => {
    const s = scenario();
    await s.scan(true, T(0));
    const i = await s.run(T(1));
    await s.change(i.key, { status: "risk_accepted", reason: "later", expiresAt: T(5) }, T(2));
    expect(await expireAcceptances(s.stores.app, new Date(T(4)))).toEqual([]);
    expect(await expireAcceptances(s.stores.app, new Date(T(5)))).toEqual([i.key]);
    const after = (await s.stores.app.getIssue(i.key))!;
    expect(after.status).toBe("open");
    expect(after.reason).toBe("later");
    const last = (await s.stores.app.issueHistory(i.key)).pop()!;
    expect(last).toMatchObject({
      type: "status",
      from: "risk_accepted",
      to: "open",
      actor: { kind: "system" },
    });
    await s.stores.close();
  });

  it("fixed: kept until a scan finishes after fixedAt; path still there → open with verificationFailedAt; path gone → resolved", async () => {
    const s = scenario();
    await s.scan(true, T(0));
    const i = await s.run(T(1));
    const fixed = await s.change(i.key, { status: "fixed" }, T(2));
    expect(fixed.fixedAt).toBe(T(2));
    // No scan since the fix: the analysis cannot verify it yet.
    expect((await s.run(T(3))).status).toBe("fixed");
    // A scan of other data (another source) does not verify it either.
    const other: ScanRun = {
      id: `other-${seq}`,
      trigger: { kind: "import" },
      status: "running",
      startedAt: T(3),
      collectors: [
        {
          source: "import:trivy:other",
          region: "global",
          collector: "import-trivy",
          status: "ok",
          counts: {},
        },
      ],
    };
    await s.stores.app.scanRuns.start(other);
    await s.stores.graph.applyScan(other, [{}]);
    await s.stores.app.scanRuns.finish({ ...other, status: "complete", finishedAt: T(3) });
    expect((await s.run(T(3))).status).toBe("fixed");
    await s.scan(true, T(4));
    const failed = await s.run(T(5));
    expect(failed.status).toBe("open");
    expect(failed.verificationFailedAt).toBe(T(5));
    await s.change(i.key, { status: "fixed" }, T(6));
    await s.scan(false, T(7));
    const verified = await s.run(T(8));
    expect(verified.status).toBe("resolved");
    expect(verified.statusBeforeResolution).toBe("fixed");
    await s.stores.close();
  });

  it("the per-entry cap keeps an entry's best targets, ties broken by issue key, in that order", async () => {
    const n = 3 * MAX_TARGETS_PER_ENTRY;
    const b = new Builder().user("reader").accessKey("reader", "AKIAREADER000000001", "Active");
    for (let i = 0; i < n; i++) b.bucket(`t${String(i).padStart(2, "0")}`);
    for (const node of b.nodes)
      if (node.type === "aws.s3.bucket") node.tags = { "data-classification": "pii" };
    b.inline(arn.user("reader"), "data", doc(allow(["s3:GetObject"], ["arn:aws:s3:::t*"])));
    // Three buckets rank above the others (tier 1; the others are pinned to tier 3).
    const base = settings();
    const pins = Array.from({ length: n - 3 }, (_, i) => ({
      nodeId: arn.bucket(`t${String(i + 3).padStart(2, "0")}`),
      tier: 3 as const,
    }));
    const a = await analyzeEstate({
      estate: b.estate(),
      findings: [],
      settings: { ...base, crownJewels: { ...base.crownJewels, pins } },
    });
    const reader = arn.user("reader");
    const key = (i: number) => issueKey(reader, arn.bucket(`t${String(i).padStart(2, "0")}`));
    const top = [0, 1, 2].map(key).sort();
    const rest = Array.from({ length: n - 3 }, (_, i) => key(i + 3)).sort();
    expect(new Set([...a.pairs.values()].map((p) => p.paths[0]!.score.score)).size).toBe(2);
    expect([...a.pairs.keys()]).toEqual([...top, ...rest.slice(0, MAX_TARGETS_PER_ENTRY - 3)]);
    expect([...a.pairs.values()].every((p) => p.entryTargets === n)).toBe(true);
  });

  it("keepPairs (entry → targets) keeps the same pairs over the cap, in the same order, as keep (keys)", async () => {
    const n = MAX_TARGETS_PER_ENTRY + 3;
    const b = new Builder().user("reader").accessKey("reader", "AKIAREADER000000001", "Active");
    for (let i = 0; i < n; i++) b.bucket(`k${String(i).padStart(2, "0")}`);
    for (const node of b.nodes)
      if (node.type === "aws.s3.bucket") node.tags = { "data-classification": "pii" };
    b.inline(arn.user("reader"), "data", doc(allow(["s3:GetObject"], ["arn:aws:s3:::k*"])));
    const a = await analyzeEstate({ estate: b.estate(), findings: [], settings: settings() });
    expect(a.pairs.size).toBe(MAX_TARGETS_PER_ENTRY);
    const reader = arn.user("reader");
    const over = Array.from({ length: n }, (_, i) => arn.bucket(`k${String(i).padStart(2, "0")}`)).filter(
      (t) => !a.pairs.has(issueKey(reader, t)),
    );
    expect(over).toHaveLength(3);
    const kept = [over[0]!, over[2]!];
    const byKeys = searchPairs(a.state, { keep: new Set(kept.map((t) => issueKey(reader, t))) });
    const byPairs = searchPairs(a.state, { keepPairs: new Map([[reader, new Set(kept)]]) });
    expect(byKeys.size).toBe(MAX_TARGETS_PER_ENTRY + 2);
    // The entry's top targets as without a keep set, then the kept ones past the cap in the same
    // order (every bucket ties on its bound here: by issue key).
    expect([...byKeys.keys()]).toEqual([
      ...a.pairs.keys(),
      ...kept.map((t) => issueKey(reader, t)).sort((x, y) => (x < y ? -1 : 1)),
    ]);
    expect([...byPairs.keys()]).toEqual([...byKeys.keys()]);
    expect([...byPairs.values()].map((p) => p.paths.map((x) => x.score))).toEqual(
      [...byKeys.values()].map((p) => p.paths.map((x) => x.score)),
    );
  });

  it("an open issue pushed out of an entry's top targets stays open (the cap never resolves)", async () => {
    const stores = openSqliteStores(path.join(dir, `cap-${++seq}.db`));
    const n = MAX_TARGETS_PER_ENTRY + 2;
    const buckets = Array.from({ length: n }, (_, i) => `b${String(i).padStart(2, "0")}`);
    const estate = (writeTo: string[]) => {
      const b = new Builder().user("reader").accessKey("reader", "AKIAREADER000000001", "Active");
      for (const x of buckets) b.bucket(x);
      for (const node of b.nodes)
        if (node.type === "aws.s3.bucket") node.tags = { "data-classification": "pii" };
      b.inline(
        arn.user("reader"),
        "data",
        doc(
          allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::b*"]),
          ...(writeTo.length
            ? [
                allow(
                  "s3:PutObject",
                  writeTo.map((x) => `${arn.bucket(x)}/*`),
                ),
              ]
            : []),
        ),
      );
      return b.facts();
    };
    const scan = async (facts: ReturnType<typeof estate>, at: string) => {
      const keys = new Map<string, ScanRun["collectors"][number]>();
      for (const x of [...(facts.nodes ?? []), ...(facts.edges ?? [])])
        for (const k of x.sources)
          keys.set(`${k.source}|${k.region}|${k.collector}`, { ...k, status: "ok", counts: {} });
      await stores.graph.applyScan(
        {
          id: `cap-${at}`,
          trigger: { kind: "adhoc" },
          status: "complete",
          startedAt: at,
          collectors: [...keys.values()],
        },
        [facts],
      );
      await analyze(stores, { now: () => new Date(at), catalog });
      return (await stores.app.listIssues({}, { limit: 100 })).items;
    };
    const first = await scan(estate([]), T(0));
    expect(first).toHaveLength(MAX_TARGETS_PER_ENTRY);
    // Write access to the two left out makes them the most severe: they enter, nothing resolves.
    const left = buckets.filter((b) => !first.some((i) => i.target.name === b));
    expect(left).toHaveLength(2);
    const second = await scan(estate(left), T(1));
    expect(second).toHaveLength(n);
    expect(second.filter((i) => i.status === "resolved")).toEqual([]);
    await stores.close();
  });

  it("a new issue goes to the team an owner mapping names; a person's assignee is kept afterwards", async () => {
    const b = webEstate();
    b.nodes.find((x) => x.id === WEB)!.tags = { owner: "payments" };
    const a = await analyzeEstate({
      estate: b.estate(),
      findings: [],
      settings: settings({
        owners: { mappings: [{ tag: "owner", value: "payments", team: "team-payments" }] },
      }),
    });
    const [draft] = reconcile({
      previous: [],
      observed: a.observed,
      now: T(0),
      slaDays: settings().slaDays,
      demo: false,
    });
    expect(draft!.assignee).toEqual({ team: "team-payments" });
    const stored = { ...draft!, alias: "ISS-1", assignee: { user: "dev@example.com" } } as Issue;
    const [again] = reconcile({
      previous: [stored],
      observed: a.observed,
      now: T(1),
      slaDays: settings().slaDays,
      demo: false,
    });
    expect(again!.assignee).toEqual({ user: "dev@example.com" });
  });

  it("an admin-equivalent user with an active key is a key-to-admin issue of its own (one HAS_KEY hop)", async () => {
    const b = new Builder()
      .user("root-ish")
      .accessKey("root-ish", "AKIAADMIN0000000001", "Active")
      .managed("everything", doc(allow("*", "*")))
      .attach(arn.user("root-ish"), arn.policy("everything"));
    const a = await analyzeEstate({ estate: b.estate(), findings: [], settings: settings() });
    const issue = a.observed.find(
      (o) => o.entry.id === arn.user("root-ish") && o.target.id === arn.user("root-ish"),
    );
    expect(issue?.rule).toBe("key-to-admin");
    expect(issue?.title).toBe("root-ish is admin-equivalent and has an active access key");
    expect(issue?.paths[0]!.hops.map((h) => [h.edge, h.evidence[0]!.detail?.accessKeyId])).toEqual([
      ["HAS_KEY", "AKIAADMIN0000000001"],
    ]);
    expect(issue?.remediation.map((r) => r.cli)).toContain(
      "aws iam update-access-key --user-name root-ish --access-key-id AKIAADMIN0000000001 --status Inactive",
    );
    expect(a.derived.edges.some((e) => e.kind === "HAS_KEY")).toBe(false);
  });

  it("reconcile sends only what changes for issues whose path is gone (already resolved ones are left alone)", () => {
    const prev = (status: Issue["status"], key: string): Issue => ({
      key,
      alias: `ISS-${key}`,
      title: "t",
      rule: "key-to-admin",
      severity: "high",
      score: 7,
      confidence: "config_confirmed",
      status,
      entry: { id: "a", kind: "identity", type: "aws.iam.user", name: "a" },
      target: { id: "b", kind: "identity", type: "aws.iam.role", name: "b", tier: 1 },
      paths: [],
      factors: [],
      remediation: [],
      firstSeen: T(0),
      lastSeen: T(0),
      dueAt: null,
      fixedAt: null,
      resolvedAt: status === "resolved" ? T(0) : null,
      reopenedAt: null,
      verificationFailedAt: null,
      reason: null,
      acceptedBy: null,
      expiresAt: null,
      assignee: {},
      statusBeforeResolution: status === "resolved" ? "open" : null,
      demo: false,
    });
    const out = reconcile({
      previous: [prev("resolved", "1"), prev("open", "2")],
      observed: [],
      now: T(1),
      slaDays: settings().slaDays,
      demo: false,
    });
    expect(out.map((d) => [d.key, d.status, d.resolvedAt])).toEqual([["2", "resolved", T(1)]]);
    // The stored JSON keeps its key order: the resolved issue's paths, factors, remediation and
    // alias go last, as `{ ...rest, paths, factors, remediation, alias, … }` put them.
    const keys = Object.keys(prev("open", "2")).filter(
      (k) => !["alias", "paths", "factors", "remediation"].includes(k),
    );
    expect(Object.keys(out[0]!)).toEqual([...keys, "paths", "factors", "remediation", "alias"]);
  });

  it("a draft has the observed fields first, in their order, then the status fields (the stored JSON's order)", async () => {
    const a = await analyzeEstate({ estate: webEstate().estate(), findings: [], settings: settings() });
    const o = a.observed[0]!;
    const tail = ["status", "firstSeen", "lastSeen", "dueAt", "fixedAt", "resolvedAt", "reopenedAt"];
    const rest = ["verificationFailedAt", "reason", "acceptedBy", "expiresAt"];
    const [draft] = reconcile({
      previous: [],
      observed: [o],
      now: T(0),
      slaDays: settings().slaDays,
      demo: false,
    });
    expect(Object.keys(draft!)).toEqual([
      ...Object.keys(o),
      ...tail,
      ...rest,
      ...("assignee" in o ? [] : ["assignee"]),
      "statusBeforeResolution",
      "demo",
    ]);
    const [again] = reconcile({
      previous: [{ ...draft!, alias: "ISS-1" }],
      observed: [{ ...o, assignee: { team: "t" } }],
      now: T(1),
      slaDays: settings().slaDays,
      demo: false,
    });
    expect(Object.keys(again!)).toEqual([
      ...Object.keys(o),
      ...("assignee" in o ? [] : ["assignee"]),
      ...tail,
      ...rest,
      "statusBeforeResolution",
      "demo",
      "alias",
    ]);
    expect(again).toMatchObject({ status: "open", firstSeen: T(0), lastSeen: T(1), alias: "ISS-1" });
  });
});
