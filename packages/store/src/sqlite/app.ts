// The AppStore on SQLite: settings (with the read-only ctem.config.json overlay), scan and analysis
// runs, scopes, issues with their history, and the analysis commit, which stores the analysis'
// outputs and swaps the derived-edge generation in one transaction.
import {
  AnalysisRun,
  ConflictError,
  DEFAULT_SETTINGS,
  IssueChange,
  IssueDraft,
  NotFoundError,
  SETTINGS_KEYS,
  ScanRun,
  Scope,
  Settings,
  SettingsPatch,
  ValidationError,
  parseItem,
} from "@ctem/model";
import type {
  Actor,
  AnalysisOutput,
  AppStore,
  Issue,
  IssueEvent,
  PageRequest,
  PageResult,
  SettingsKey,
  TierAssignment,
} from "@ctem/model";
import type { z } from "zod";
import type { SqliteHandle } from "./db.js";
import { createSqliteAccountStore } from "./accounts.js";
import { createSqliteOpsStore } from "./ops.js";
import { promoteDerivedSync } from "./graph.js";
import { decodeCursor, encodeCursor } from "./paging.js";
import { InlineSink, ThreadSink } from "./write-sink.js";
import type { WriteSink } from "./write-sink.js";
import {
  Compactor,
  INSERT_ISSUE_SQL,
  PUT_ISSUE_SQL,
  PartReader,
  draftProblem,
  expandFixPlanItem,
  expandIssue,
  expandPriority,
  forgetFactorNames,
  issueColumns,
  listIssuePage,
  readIssueStates,
} from "./issues.js";

/** What commitAnalysis reads of every stored issue. */
interface StoredIssueRow {
  seq: number;
  key: string;
  alias: string;
  status: Issue["status"];
  content_hash: string | null;
  last_seen: string;
  assignee_user: string | null;
  assignee_team: string | null;
  reason: string | null;
  accepted_by: string | null;
  expires_at: string | null;
}

const PUT_DOC_SQL =
  "INSERT INTO issue_docs (seq, doc) VALUES (?, ?) ON CONFLICT (seq) DO UPDATE SET doc = excluded.doc";
const ADD_EVENT_SQL = "INSERT INTO issue_events (issue_key, at, doc) VALUES (?, ?, ?)";
/**
 * Up to this many rows (issues, finding priorities and fix-plan items) an analysis is committed on
 * the writer connection; past it a writer thread writes while this thread makes the rows. Starting
 * the thread costs about 100 ms; the commit of 50k issues takes seconds.
 */
const COMMIT_INLINE_MAX = 5_000;
/** Issues written between two inserts of their new parts (writeAnalysis). */
const PARTS_BATCH = 4_096;

export interface SqliteAppStoreOptions {
  /** ctem.config.json, already validated: wins key by key and cannot be changed through the store. */
  overlay?: z.infer<typeof SettingsPatch> | undefined;
  /** Whether commitAnalysis swaps the derived generation in its transaction (embedded graph store). */
  sharedGraph?: boolean;
  now?: () => Date;
  /**
   * Where commitAnalysis writes: "inline" on the writer connection, "worker" from a writer thread
   * (sql-writer.mjs), "auto" (default) the thread past COMMIT_INLINE_MAX rows. For tests of both.
   */
  analysisWrite?: "auto" | "inline" | "worker";
}

export function createSqliteAppStore(h: SqliteHandle, opts: SqliteAppStoreOptions = {}): AppStore {
  const w = h.writer;
  const r = h.reader;
  const now = () => (opts.now ? opts.now() : new Date()).toISOString();
  const overlay = opts.overlay ? parseItem(SettingsPatch, opts.overlay, "ctem.config.json") : undefined;
  const overlayKeys = SETTINGS_KEYS.filter((k) => overlay?.[k] !== undefined);
  const commitMode = opts.analysisWrite ?? "auto";

  const readSettings = (): Settings => {
    const stored: Record<string, unknown> = {};
    for (const row of r.prepare<[], { key: string; value: string }>("SELECT key, value FROM settings").all())
      stored[row.key] = JSON.parse(row.value);
    const merged = { ...DEFAULT_SETTINGS, ...stored, ...(overlay ?? {}) };
    return parseItem(Settings, merged, "settings");
  };

  const issueRow = (db = r) => ({
    byKey: db.prepare<[string], { seq: number; doc: string; last_seen: string }>(
      "SELECT i.seq, d.doc, i.last_seen FROM issues i JOIN issue_docs d ON d.seq = i.seq WHERE i.key = ?",
    ),
    byAlias: db.prepare<[string], { seq: number; doc: string; last_seen: string }>(
      "SELECT i.seq, d.doc, i.last_seen FROM issues i JOIN issue_docs d ON d.seq = i.seq WHERE i.alias = ? COLLATE NOCASE",
    ),
  });
  const readIssues = issueRow(r);
  const writeIssues = issueRow(w);
  const findIssueRow = (keyOrAlias: string, s = readIssues) =>
    s.byKey.get(keyOrAlias) ?? (/^iss-\d+$/i.test(keyOrAlias) ? s.byAlias.get(keyOrAlias) : undefined);
  const findIssue = (
    keyOrAlias: string,
    s = readIssues,
    db = r,
  ): { seq: number; issue: Issue } | undefined => {
    const row = findIssueRow(keyOrAlias, s);
    return row ? { seq: row.seq, issue: expandIssue(row.doc, row.last_seen, new PartReader(db)) } : undefined;
  };

  const putIssue = w.prepare(PUT_ISSUE_SQL);
  const putDoc = w.prepare<[number, string]>(PUT_DOC_SQL);
  /** Writes one issue (row, compact document and new parts). */
  const writeIssue = (c: Compactor, i: Issue, seq: number) => {
    const { json, hash } = c.issue(i);
    putIssue.run(...issueColumns(i, seq, hash));
    putDoc.run(seq, json);
    c.flush();
  };
  const addEvent = w.prepare(ADD_EVENT_SQL);
  const event = (key: string, e: IssueEvent) => addEvent.run(key, e.at, JSON.stringify(e));
  const nextSeq = w.prepare<[], { n: number }>("SELECT coalesce(max(seq), 0) + 1 AS n FROM issues");

  /** Runs `fn` in a write transaction; when it fails, the factor names it added are forgotten. */
  const writing = <T>(fn: () => T): T => {
    try {
      return w.transaction(fn)();
    } catch (e) {
      forgetFactorNames(w);
      throw e;
    }
  };

  const metaGet = (db = r) => db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?");

  /**
   * The analysis commit's reads (on the writer connection, holding the write transaction) and rows
   * (to `sink`): issues (only those whose content changed; lastSeen of the others), their history,
   * tiers, finding priorities and the fix plan as differences from what is stored, the run, and the
   * embedded graph's derived generation made current. The paths are the issues' own (stored in
   * their documents). Returns the compactor, whose parts count as stored once committed.
   */
  const writeAnalysis = (run: AnalysisRun, out: AnalysisOutput, sink: WriteSink): Compactor => {
    const actor: Actor = { id: "analysis", kind: "system" };
    // What is stored, by key: enough to keep aliases and human fields, and to skip issues whose
    // content did not change.
    const existing = new Map<string, StoredIssueRow>();
    for (const x of w
      .prepare<[], StoredIssueRow>(
        "SELECT seq, key, alias, status, content_hash, last_seen, assignee_user, assignee_team, reason, accepted_by, expires_at FROM issues",
      )
      .iterate())
      existing.set(x.key, x);
    const c = new Compactor(w, sink);
    const insertIssue = sink.stmt(INSERT_ISSUE_SQL);
    const putIssueRow = sink.stmt(PUT_ISSUE_SQL);
    const putDocRow = sink.stmt(PUT_DOC_SQL);
    const addEventRow = sink.stmt(ADD_EVENT_SQL);
    // Tiers, finding priorities and the fix plan first: only what differs from what is stored.
    // Their rows are quick to make and slower to insert, the issues' the other way round, so a
    // writer thread keeps up with the issues and has little left when the last one is made.
    const tiers = new Map<string, { tier: number; reason: string }>();
    for (const t of w
      .prepare<[], { node_id: string; tier: number; reason: string }>(
        "SELECT node_id, tier, reason FROM analysis_tiers",
      )
      .iterate())
      tiers.set(t.node_id, t);
    const putTier = sink.stmt(
      "INSERT INTO analysis_tiers (node_id, tier, reason) VALUES (?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET tier = excluded.tier, reason = excluded.reason",
    );
    for (const t of out.tiers) {
      const was = tiers.get(t.nodeId);
      if (was) {
        tiers.delete(t.nodeId);
        if (was.tier === t.tier && was.reason === t.reason) continue;
      }
      sink.run(putTier, [t.nodeId, t.tier, t.reason]);
    }
    const dropTier = sink.stmt("DELETE FROM analysis_tiers WHERE node_id = ?");
    for (const id of tiers.keys()) sink.run(dropTier, [id]);
    const prios = new Map<string, { score: number; doc: string }>();
    for (const p of w
      .prepare<[], { finding_key: string; score: number; doc: string }>(
        "SELECT finding_key, score, doc FROM finding_priorities",
      )
      .iterate())
      prios.set(p.finding_key, p);
    const putPrio = sink.stmt(
      "INSERT INTO finding_priorities (finding_key, score, doc) VALUES (?, ?, ?) ON CONFLICT (finding_key) DO UPDATE SET score = excluded.score, doc = excluded.doc",
    );
    const newPrios: Array<{ key: string; score: number; doc: string }> = [];
    for (const p of out.findingPriorities) {
      const doc = c.priority(p);
      const was = prios.get(p.findingKey);
      if (was) {
        prios.delete(p.findingKey);
        if (was.score === p.score && was.doc === doc) continue;
      }
      newPrios.push({ key: p.findingKey, score: p.score, doc });
    }
    newPrios.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const p of newPrios) sink.run(putPrio, [p.key, p.score, p.doc]);
    const dropPrio = sink.stmt("DELETE FROM finding_priorities WHERE finding_key = ?");
    for (const key of prios.keys()) sink.run(dropPrio, [key]);
    const plan: Array<{ id: string; doc: string } | undefined> = [];
    for (const f of w
      .prepare<[], { rank: number; id: string; doc: string }>("SELECT rank, id, doc FROM fix_plan")
      .iterate())
      plan[f.rank] = f;
    const putFix = sink.stmt(
      "INSERT INTO fix_plan (rank, id, doc) VALUES (?, ?, ?) ON CONFLICT (rank) DO UPDATE SET id = excluded.id, doc = excluded.doc",
    );
    out.fixPlan.forEach((f, i) => {
      const doc = c.fixPlanItem(f);
      const was = plan[i];
      if (was?.id !== f.id || was.doc !== doc) sink.run(putFix, [i, f.id, doc]);
    });
    sink.run(sink.stmt("DELETE FROM fix_plan WHERE rank >= ?"), [out.fixPlan.length]);
    // Made once: under tsx (esbuild keepNames) each closure made names itself with
    // Object.defineProperty, and one per issue was 52k at 100k assets.
    const ev = (key: string, e: IssueEvent) => sink.run(addEventRow, [key, e.at, JSON.stringify(e)]);
    const touched = new Map<string, number[]>();
    let seq = nextSeq.get()!.n;
    let made = 0;
    for (const d of out.issues) {
      const prev = existing.get(d.key);
      let over: Partial<Issue>;
      let s: number;
      if (prev) {
        s = prev.seq;
        // Fields only people change (assignee, reason, acceptedBy, expiresAt) stay as stored.
        over = {
          alias: prev.alias,
          assignee: {
            ...(prev.assignee_user !== null ? { user: prev.assignee_user } : {}),
            ...(prev.assignee_team !== null ? { team: prev.assignee_team } : {}),
          },
          reason: prev.reason,
          acceptedBy: prev.accepted_by,
          expiresAt: prev.expires_at,
        };
      } else {
        s = seq++;
        over = { alias: `ISS-${s}` };
      }
      const { json, hash } = c.issue(d, over);
      if (prev && prev.content_hash === hash) {
        // Unchanged: only lastSeen moves (below, in one statement per value).
        if (prev.last_seen !== d.lastSeen) {
          const list = touched.get(d.lastSeen);
          if (list) list.push(s);
          else touched.set(d.lastSeen, [s]);
        }
        continue;
      }
      // The row from the draft with `over`'s fields over it (over holds no status).
      if (!prev) {
        ev(d.key, { at: run.startedAt, actor, type: "created", to: d.status });
        sink.run(insertIssue, issueColumns(d, s, hash, over));
      } else {
        if (prev.status !== d.status)
          ev(d.key, { at: run.startedAt, actor, type: "status", from: prev.status, to: d.status });
        sink.run(putIssueRow, issueColumns(d, s, hash, over));
      }
      sink.run(putDocRow, [s, json]);
      // New parts in batches (each in key order), so that a writer thread inserts them as they come.
      if (++made % PARTS_BATCH === 0) c.flush();
    }
    const touch = sink.stmt("UPDATE issues SET last_seen = ? WHERE seq IN (SELECT value FROM json_each(?))");
    for (const [at, seqs] of touched) sink.run(touch, [at, JSON.stringify(seqs)]);
    c.flush();
    const finished = { ...run, status: "complete" as const, finishedAt: run.finishedAt ?? now() };
    sink.run(
      sink.stmt(
        "INSERT INTO analysis_runs (id, started_at, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
      ),
      [run.id, run.startedAt, JSON.stringify(finished)],
    );
    sink.run(
      sink.stmt(
        "INSERT INTO meta (key, value) VALUES ('current_analysis', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
      [run.id],
    );
    // Embedded graph: the derived generation written under this run becomes visible in the same
    // transaction; with another graph store the caller promotes afterwards.
    if (opts.sharedGraph !== false && metaGet(w).get(`derived_pending:${run.id}`))
      promoteDerivedSync(w, run.id, sink);
    return c;
  };

  const store: AppStore = {
    settings: () => Promise.resolve(readSettings()),
    overlayKeys: () => [...overlayKeys],
    saveSettings(patchIn) {
      return h.lock.run(() => {
        const patch = parseItem(SettingsPatch, patchIn, "settings");
        const keys = Object.keys(patch).filter(
          (k) => (patch as Record<string, unknown>)[k] !== undefined,
        ) as SettingsKey[];
        const locked = keys.find((k) => overlayKeys.includes(k));
        if (locked) throw new ConflictError(`${locked}: set in ctem.config.json`, { field: locked });
        // Validate the whole result before writing anything.
        parseItem(Settings, { ...readSettings(), ...patch }, "settings");
        const put = w.prepare(
          "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        );
        w.transaction(() => {
          for (const k of keys) put.run(k, JSON.stringify((patch as Record<string, unknown>)[k]));
        })();
      });
    },

    scanRuns: {
      start(run) {
        return h.lock.run(() => {
          const v = parseItem(ScanRun, run, "scan run");
          const exists = w.prepare("SELECT 1 FROM scan_runs WHERE id = ?").get(v.id);
          if (exists) throw new ConflictError(`scan run ${v.id} already exists`);
          w.prepare("INSERT INTO scan_runs (id, started_at, doc) VALUES (?, ?, ?)").run(
            v.id,
            v.startedAt,
            JSON.stringify(v),
          );
        });
      },
      finish(run) {
        return h.lock.run(() => {
          const v = parseItem(ScanRun, run, "scan run");
          const res = w.prepare("UPDATE scan_runs SET doc = ? WHERE id = ?").run(JSON.stringify(v), v.id);
          if (res.changes === 0) throw new NotFoundError(`scan run ${v.id} was never started`);
        });
      },
      get(id) {
        const row = r.prepare<[string], { doc: string }>("SELECT doc FROM scan_runs WHERE id = ?").get(id);
        return Promise.resolve(row ? (JSON.parse(row.doc) as ScanRun) : undefined);
      },
      list(page) {
        return Promise.resolve(pageByTime<ScanRun>(h, "scan_runs", page));
      },
    },

    scopes: {
      list() {
        const rows = r.prepare<[], { doc: string }>("SELECT doc FROM scopes ORDER BY name").all();
        return Promise.resolve(rows.map((x) => JSON.parse(x.doc) as Scope));
      },
      get(idOrName) {
        const row = r
          .prepare<[string, string], { doc: string }>("SELECT doc FROM scopes WHERE id = ? OR name = ?")
          .get(idOrName, idOrName);
        return Promise.resolve(row ? (JSON.parse(row.doc) as Scope) : undefined);
      },
      save(scope) {
        return h.lock.run(() => {
          const v = parseItem(Scope, scope, "scope");
          const clash = w
            .prepare<[string, string], { id: string }>("SELECT id FROM scopes WHERE name = ? AND id <> ?")
            .get(v.name, v.id);
          if (clash) throw new ConflictError(`a scope named '${v.name}' already exists`, { field: "name" });
          w.prepare(
            "INSERT INTO scopes (id, name, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc",
          ).run(v.id, v.name, JSON.stringify(v));
        });
      },
      remove(idOrName) {
        return h.lock.run(
          () => w.prepare("DELETE FROM scopes WHERE id = ? OR name = ?").run(idOrName, idOrName).changes > 0,
        );
      },
    },

    currentAnalysis() {
      const id = metaGet().get("current_analysis")?.value;
      if (!id) return Promise.resolve(undefined);
      const row = r.prepare<[string], { doc: string }>("SELECT doc FROM analysis_runs WHERE id = ?").get(id);
      return Promise.resolve(row ? (JSON.parse(row.doc) as AnalysisRun) : undefined);
    },

    listAnalyses(page) {
      return Promise.resolve(pageByTime<AnalysisRun>(h, "analysis_runs", page));
    },

    removeDemoData() {
      return h.lock.run(() =>
        w.transaction(() => {
          const demoRuns = w
            .prepare<[], { id: string; started_at: string }>(
              "SELECT id, started_at FROM analysis_runs WHERE json_extract(doc, '$.demo') = 1 ORDER BY started_at",
            )
            .all();
          w.prepare(
            "DELETE FROM issue_events WHERE issue_key IN (SELECT key FROM issues WHERE demo = 1)",
          ).run();
          w.prepare("DELETE FROM issue_docs WHERE seq IN (SELECT seq FROM issues WHERE demo = 1)").run();
          const issues = w.prepare("DELETE FROM issues WHERE demo = 1").run().changes;
          let kpiSnapshots = 0;
          if (demoRuns.length > 0) {
            // The demo is only shown while there is no other data, so every snapshot since the first
            // demo analysis counted demo issues.
            kpiSnapshots = w
              .prepare("DELETE FROM kpi_snapshots WHERE json_extract(doc, '$.at') >= ?")
              .run(demoRuns[0]!.started_at).changes;
            const current = metaGet(w).get("current_analysis")?.value;
            if (current && demoRuns.some((r) => r.id === current)) {
              w.prepare("DELETE FROM meta WHERE key = 'current_analysis'").run();
              for (const t of ["analysis_tiers", "finding_priorities", "fix_plan"])
                w.prepare(`DELETE FROM ${t}`).run();
            }
            w.prepare("DELETE FROM analysis_runs WHERE json_extract(doc, '$.demo') = 1").run();
          }
          return { issues, analyses: demoRuns.length, kpiSnapshots };
        })(),
      );
    },

    listIssues(filter, page) {
      return Promise.resolve(listIssuePage(r, filter, page));
    },

    issueStates() {
      return Promise.resolve(readIssueStates(r));
    },

    unresolvedIssuePairs() {
      // The narrow rows alone: at 52,642 issues 36-61 ms, where issueStates() takes 450-470 ms.
      return Promise.resolve(
        r
          .prepare<[], { entryId: string; targetId: string }>(
            "SELECT entry_id AS entryId, target_id AS targetId FROM issues WHERE status != 'resolved' ORDER BY seq",
          )
          .all(),
      );
    },

    getIssue(keyOrAlias) {
      return Promise.resolve(findIssue(keyOrAlias)?.issue);
    },

    updateIssue(key, changeIn, actor, at) {
      return h.lock.run(() => {
        const change = parseItem(IssueChange, changeIn, "issue change");
        const when = at ?? now();
        let c: Compactor | undefined;
        const next = writing(() => {
          const found = findIssue(key, writeIssues, w);
          if (!found) throw new NotFoundError(`no issue ${key}`);
          const issue = found.issue;
          const next: Issue = { ...issue, assignee: { ...issue.assignee } };
          if (change.status && change.status !== issue.status) {
            if (issue.status === "resolved")
              throw new ConflictError(
                `${issue.alias} is resolved: the path is gone; it reopens by itself if it returns`,
              );
            next.status = change.status;
            if (change.status === "fixed") next.fixedAt = when;
            if (change.status === "risk_accepted") next.acceptedBy = actor.id;
            event(issue.key, { at: when, actor, type: "status", from: issue.status, to: change.status });
          }
          if (change.reason !== undefined && change.reason !== issue.reason) {
            next.reason = change.reason;
            event(issue.key, { at: when, actor, type: "reason", from: issue.reason, to: change.reason });
          }
          if (change.expiresAt !== undefined) next.expiresAt = change.expiresAt;
          if (change.assignee) {
            next.assignee = change.assignee;
            event(issue.key, {
              at: when,
              actor,
              type: "assignee",
              from: issue.assignee,
              to: change.assignee,
            });
          }
          if (change.comment) event(issue.key, { at: when, actor, type: "comment", text: change.comment });
          writeIssue((c = new Compactor(w)), next, found.seq);
          return next;
        });
        c?.committed();
        return next;
      });
    },

    issueHistory(keyOrAlias) {
      const issue = findIssue(keyOrAlias)?.issue;
      if (!issue) return Promise.reject(new NotFoundError(`no issue ${keyOrAlias}`));
      const rows = r
        .prepare<[string], { doc: string }>("SELECT doc FROM issue_events WHERE issue_key = ? ORDER BY id")
        .all(issue.key);
      return Promise.resolve(rows.map((x) => JSON.parse(x.doc) as IssueEvent));
    },

    commitAnalysis(runIn, out: AnalysisOutput) {
      return h.lock.run(async () => {
        const run = parseItem(AnalysisRun, runIn, "analysis run");
        /** Checks what commitAnalysis is given before anything is written. */
        const validate = () => {
          out.issues.forEach((d, i) => {
            const field = draftProblem(d);
            if (field === undefined) return;
            parseItem(IssueDraft, d, "issue", `#${i}`);
            throw new ValidationError(`issue '${d.key}': field ${field}: invalid`, { item: d.key, field });
          });
          // The rows below are written as differences keyed by these: a key given twice is an error,
          // never a silent "last one wins".
          const once = (what: string, keys: Iterable<string>) => {
            const seen = new Set<string>();
            for (const k of keys) {
              if (seen.has(k)) throw new ValidationError(`${what} '${k}' is given twice`, { item: k });
              seen.add(k);
            }
          };
          once(
            "issue",
            out.issues.map((d) => d.key),
          );
          once(
            "tier of node",
            out.tiers.map((t) => t.nodeId),
          );
          once(
            "finding priority",
            out.findingPriorities.map((p) => p.findingKey),
          );
        };
        // A large analysis is written by a worker thread while this one makes the rows (JSON,
        // hashes); a small one on the writer connection. Either way in one transaction.
        const rows = out.issues.length + out.findingPriorities.length + out.fixPlan.length;
        if (!(commitMode === "worker" || (commitMode === "auto" && rows > COMMIT_INLINE_MAX))) {
          validate();
          const c = writing(() => writeAnalysis(run, out, new InlineSink(w)));
          c.committed();
          return;
        }
        // The thread starts (an isolate, a connection, BEGIN IMMEDIATE) while this one checks.
        const thread = new ThreadSink(h.file, `analysis ${run.id}`);
        h.background(thread.exited);
        let c: Compactor;
        try {
          validate();
          await thread.began;
          c = writeAnalysis(run, out, thread);
        } catch (e) {
          await thread.abort();
          forgetFactorNames(w);
          throw e;
        }
        try {
          await thread.finish();
        } catch (e) {
          forgetFactorNames(w);
          throw e;
        }
        c.committed();
      });
    },

    tiers() {
      const rows = r
        .prepare<[], { node_id: string; tier: number; reason: string }>(
          "SELECT node_id, tier, reason FROM analysis_tiers ORDER BY node_id",
        )
        .all();
      return Promise.resolve(
        rows.map((x): TierAssignment => ({ nodeId: x.node_id, tier: x.tier, reason: x.reason })),
      );
    },
    findingPriorities() {
      const rows = r
        .prepare<[], { finding_key: string; score: number; doc: string }>(
          "SELECT finding_key, score, doc FROM finding_priorities ORDER BY score DESC, finding_key",
        )
        .all();
      const parts = new PartReader(r);
      return Promise.resolve(rows.map((x) => expandPriority(x.finding_key, x.score, x.doc, parts)));
    },
    fixPlan() {
      const rows = r
        .prepare<[], { id: string; doc: string }>("SELECT id, doc FROM fix_plan ORDER BY rank")
        .all();
      const parts = new PartReader(r);
      return Promise.resolve(rows.map((x) => expandFixPlanItem(x.id, x.doc, parts)));
    },
    health() {
      try {
        const n = r.prepare<[], { n: number }>("SELECT count(*) AS n FROM issues").get()!.n;
        return Promise.resolve({ ok: true, detail: `sqlite ${h.file}: ${n} issues` });
      } catch (e) {
        return Promise.resolve({ ok: false, detail: (e as Error).message });
      }
    },
    accounts: createSqliteAccountStore(h, now),
    ops: createSqliteOpsStore(h),
  };
  return store;
}

function pageByTime<T>(
  h: SqliteHandle,
  table: "scan_runs" | "analysis_runs",
  page: PageRequest,
): PageResult<T> {
  const limit = Math.max(1, Math.min(page.limit, 1000));
  const args: unknown[] = [];
  let where = "";
  if (page.cursor) {
    const [t, id] = decodeCursor(page.cursor);
    where = "WHERE (started_at < ? OR (started_at = ? AND id < ?))";
    args.push(t, t, id);
  }
  const rows = h.reader
    .prepare<unknown[], { id: string; started_at: string; doc: string }>(
      `SELECT id, started_at, doc FROM ${table} ${where} ORDER BY started_at DESC, id DESC LIMIT ?`,
    )
    .all(...args, limit + 1);
  const items = rows.slice(0, limit).map((x) => JSON.parse(x.doc) as T);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return last ? { items, next: encodeCursor([last.started_at, last.id]) } : { items };
}
