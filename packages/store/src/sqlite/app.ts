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
  FindingPriority,
  FixPlanItem,
  Issue,
  IssueEvent,
  IssueFilter,
  IssueSort,
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
import { decodeCursor, encodeCursor, likePattern } from "./paging.js";

export interface SqliteAppStoreOptions {
  /** ctem.config.json, already validated: wins key by key and cannot be changed through the store. */
  overlay?: z.infer<typeof SettingsPatch> | undefined;
  /** Whether commitAnalysis swaps the derived generation in its transaction (embedded graph store). */
  sharedGraph?: boolean;
  now?: () => Date;
}

/** Fields of an issue only people change; reconciliation never touches them. */
const HUMAN_FIELDS = ["assignee", "reason", "acceptedBy", "expiresAt"] as const;

export function createSqliteAppStore(h: SqliteHandle, opts: SqliteAppStoreOptions = {}): AppStore {
  const w = h.writer;
  const r = h.reader;
  const now = () => (opts.now ? opts.now() : new Date()).toISOString();
  const overlay = opts.overlay ? parseItem(SettingsPatch, opts.overlay, "ctem.config.json") : undefined;
  const overlayKeys = SETTINGS_KEYS.filter((k) => overlay?.[k] !== undefined);

  const readSettings = (): Settings => {
    const stored: Record<string, unknown> = {};
    for (const row of r.prepare<[], { key: string; value: string }>("SELECT key, value FROM settings").all())
      stored[row.key] = JSON.parse(row.value);
    const merged = { ...DEFAULT_SETTINGS, ...stored, ...(overlay ?? {}) };
    return parseItem(Settings, merged, "settings");
  };

  const getIssueRow = (db = r) => ({
    byKey: db.prepare<[string], { doc: string }>("SELECT doc FROM issues WHERE key = ?"),
    byAlias: db.prepare<[string], { doc: string }>("SELECT doc FROM issues WHERE alias = ? COLLATE NOCASE"),
  });
  const readIssues = getIssueRow(r);
  const writeIssues = getIssueRow(w);
  const findIssue = (keyOrAlias: string, s = readIssues): Issue | undefined => {
    const row =
      s.byKey.get(keyOrAlias) ?? (/^iss-\d+$/i.test(keyOrAlias) ? s.byAlias.get(keyOrAlias) : undefined);
    return row ? (JSON.parse(row.doc) as Issue) : undefined;
  };

  const putIssue = w.prepare(
    `INSERT INTO issues (key, alias, seq, severity, status, score, rule, entry_id, target_id, assignee_user, assignee_team, demo, first_seen, due_at, doc)
     VALUES (@key, @alias, @seq, @severity, @status, @score, @rule, @entry_id, @target_id, @assignee_user, @assignee_team, @demo, @first_seen, @due_at, @doc)
     ON CONFLICT (key) DO UPDATE SET severity = excluded.severity, status = excluded.status, score = excluded.score,
       rule = excluded.rule, entry_id = excluded.entry_id, target_id = excluded.target_id,
       assignee_user = excluded.assignee_user, assignee_team = excluded.assignee_team, demo = excluded.demo,
       first_seen = excluded.first_seen, due_at = excluded.due_at, doc = excluded.doc`,
  );
  const issueParams = (i: Issue, seq: number) => ({
    key: i.key,
    alias: i.alias,
    seq,
    severity: i.severity,
    status: i.status,
    score: i.score,
    rule: i.rule,
    entry_id: i.entry.id,
    target_id: i.target.id,
    assignee_user: i.assignee.user ?? null,
    assignee_team: i.assignee.team ?? null,
    demo: i.demo ? 1 : 0,
    first_seen: i.firstSeen,
    due_at: i.dueAt,
    doc: JSON.stringify(i),
  });
  const addEvent = w.prepare("INSERT INTO issue_events (issue_key, at, doc) VALUES (?, ?, ?)");
  const event = (key: string, e: IssueEvent) => addEvent.run(key, e.at, JSON.stringify(e));
  const seqOf = w.prepare<[string], { seq: number }>("SELECT seq FROM issues WHERE key = ?");
  const nextSeq = w.prepare<[], { n: number }>("SELECT coalesce(max(seq), 0) + 1 AS n FROM issues");

  const metaGet = (db = r) => db.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?");

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
              for (const t of ["analysis_paths", "analysis_tiers", "finding_priorities", "fix_plan"])
                w.prepare(`DELETE FROM ${t}`).run();
            }
            w.prepare("DELETE FROM analysis_runs WHERE json_extract(doc, '$.demo') = 1").run();
          }
          return { issues, analyses: demoRuns.length, kpiSnapshots };
        })(),
      );
    },

    listIssues(filter, page) {
      return Promise.resolve(listIssues(h, filter, page));
    },

    getIssue(keyOrAlias) {
      return Promise.resolve(findIssue(keyOrAlias));
    },

    updateIssue(key, changeIn, actor, at) {
      return h.lock.run(() => {
        const change = parseItem(IssueChange, changeIn, "issue change");
        const when = at ?? now();
        return w.transaction(() => {
          const issue = findIssue(key, writeIssues);
          if (!issue) throw new NotFoundError(`no issue ${key}`);
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
          putIssue.run(issueParams(next, seqOf.get(issue.key)!.seq));
          return next;
        })();
      });
    },

    issueHistory(keyOrAlias) {
      const issue = findIssue(keyOrAlias);
      if (!issue) return Promise.reject(new NotFoundError(`no issue ${keyOrAlias}`));
      const rows = r
        .prepare<[string], { doc: string }>("SELECT doc FROM issue_events WHERE issue_key = ? ORDER BY id")
        .all(issue.key);
      return Promise.resolve(rows.map((x) => JSON.parse(x.doc) as IssueEvent));
    },

    commitAnalysis(runIn, out: AnalysisOutput) {
      return h.lock.run(() => {
        const run = parseItem(AnalysisRun, runIn, "analysis run");
        const drafts = out.issues.map((d, i) => parseItem(IssueDraft, d, "issue", `#${i}`));
        const actor: Actor = { id: "analysis", kind: "system" };
        w.transaction(() => {
          let seq = nextSeq.get()!.n;
          for (const d of drafts) {
            const existing = findIssue(d.key, writeIssues);
            let issue: Issue;
            let s: number;
            if (existing) {
              issue = { ...d, alias: existing.alias };
              for (const f of HUMAN_FIELDS) (issue as Record<string, unknown>)[f] = existing[f];
              s = seqOf.get(d.key)!.seq;
              if (existing.status !== issue.status)
                event(d.key, {
                  at: run.startedAt,
                  actor,
                  type: "status",
                  from: existing.status,
                  to: issue.status,
                });
            } else {
              s = seq++;
              issue = { ...d, alias: `ISS-${s}` };
              event(d.key, { at: run.startedAt, actor, type: "created", to: issue.status });
            }
            putIssue.run(issueParams(issue, s));
          }
          w.prepare("DELETE FROM analysis_paths").run();
          const putPath = w.prepare(
            "INSERT INTO analysis_paths (issue_key, path_index, doc) VALUES (?, ?, ?)",
          );
          for (const p of out.paths) putPath.run(p.issueKey, p.pathIndex, JSON.stringify(p));
          w.prepare("DELETE FROM analysis_tiers").run();
          const putTier = w.prepare("INSERT INTO analysis_tiers (node_id, tier, reason) VALUES (?, ?, ?)");
          for (const t of out.tiers) putTier.run(t.nodeId, t.tier, t.reason);
          w.prepare("DELETE FROM finding_priorities").run();
          const putPrio = w.prepare(
            "INSERT INTO finding_priorities (finding_key, score, doc) VALUES (?, ?, ?)",
          );
          for (const p of out.findingPriorities) putPrio.run(p.findingKey, p.score, JSON.stringify(p));
          w.prepare("DELETE FROM fix_plan").run();
          const putFix = w.prepare("INSERT INTO fix_plan (rank, id, doc) VALUES (?, ?, ?)");
          out.fixPlan.forEach((f, i) => putFix.run(i, f.id, JSON.stringify(f)));
          const finished = { ...run, status: "complete" as const, finishedAt: run.finishedAt ?? now() };
          w.prepare(
            "INSERT INTO analysis_runs (id, started_at, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
          ).run(run.id, run.startedAt, JSON.stringify(finished));
          w.prepare(
            "INSERT INTO meta (key, value) VALUES ('current_analysis', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          ).run(run.id);
          // Embedded graph: the derived generation written under this run becomes visible in the
          // same transaction; with another graph store the caller promotes afterwards.
          if (opts.sharedGraph !== false && metaGet(w).get(`derived_pending:${run.id}`))
            promoteDerivedSync(w, run.id);
        })();
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
        .prepare<[], { doc: string }>("SELECT doc FROM finding_priorities ORDER BY score DESC, finding_key")
        .all();
      return Promise.resolve(rows.map((x) => JSON.parse(x.doc) as FindingPriority));
    },
    fixPlan() {
      const rows = r.prepare<[], { doc: string }>("SELECT doc FROM fix_plan ORDER BY rank").all();
      return Promise.resolve(rows.map((x) => JSON.parse(x.doc) as FixPlanItem));
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

function listIssues(
  h: SqliteHandle,
  filter: IssueFilter & { sort?: IssueSort },
  page: PageRequest,
): PageResult<Issue> {
  const where: string[] = [];
  const args: unknown[] = [];
  const inList = (col: string, v: string | string[]) => {
    const vs = Array.isArray(v) ? v : [v];
    where.push(`${col} IN (${vs.map(() => "?").join(", ")})`);
    args.push(...vs);
  };
  if (filter.severity) inList("severity", filter.severity);
  if (filter.status) inList("status", filter.status);
  if (filter.rule) inList("rule", filter.rule);
  if (filter.assigneeUser) inList("assignee_user", filter.assigneeUser);
  if (filter.assigneeTeam) inList("assignee_team", filter.assigneeTeam);
  if (filter.demo !== undefined) {
    where.push("demo = ?");
    args.push(filter.demo ? 1 : 0);
  }
  if (filter.nodeId) {
    where.push("(entry_id = ? OR target_id = ?)");
    args.push(filter.nodeId, filter.nodeId);
  }
  if (filter.assignedTo) {
    const { users, teams } = filter.assignedTo;
    const ors = ["0"];
    if (users.length) ors.push(`assignee_user IN (${users.map(() => "?").join(", ")})`);
    if (teams.length) ors.push(`assignee_team IN (${teams.map(() => "?").join(", ")})`);
    where.push(`(${ors.join(" OR ")})`);
    args.push(...users, ...teams);
  }
  if (filter.confidence) inList("json_extract(doc, '$.confidence')", filter.confidence);
  if (filter.targetId) inList("target_id", filter.targetId);
  if (filter.account) {
    // ARNs name the account between colons; Azure and GCP ids between slashes.
    const pats = [likePattern(`:${filter.account}:`), likePattern(`/${filter.account}/`)];
    where.push(
      "(entry_id LIKE ? ESCAPE '\\' OR entry_id LIKE ? ESCAPE '\\' OR target_id LIKE ? ESCAPE '\\' OR target_id LIKE ? ESCAPE '\\')",
    );
    args.push(pats[0], pats[1], pats[0], pats[1]);
  }
  if (filter.text) {
    const p = likePattern(filter.text);
    where.push(
      "(alias LIKE ? ESCAPE '\\' OR json_extract(doc, '$.title') LIKE ? ESCAPE '\\' OR entry_id LIKE ? ESCAPE '\\' OR target_id LIKE ? ESCAPE '\\')",
    );
    args.push(p, p, p, p);
  }
  // Keyset over (sort value, seq); score sorts descending (the riskiest first), the others ascending.
  const sort = filter.sort ?? "score";
  const col = { score: "score", firstSeen: "first_seen", dueAt: "coalesce(due_at, '9999')", alias: "seq" }[
    sort
  ];
  const desc = sort === "score";
  if (page.cursor) {
    const [v, seq] = decodeCursor(page.cursor);
    const value: unknown = sort === "score" || sort === "alias" ? Number(v) : v;
    const cmp = desc ? "<" : ">";
    where.push(`(${col} ${cmp} ? OR (${col} = ? AND seq > ?))`);
    args.push(value, value, Number(seq));
  }
  if (!Number.isFinite(page.limit)) throw new ValidationError("limit: must be a number");
  const limit = Math.max(1, Math.min(page.limit, 10_000));
  const rows = h.reader
    .prepare<unknown[], { doc: string; v: string | number; seq: number }>(
      `SELECT doc, ${col} AS v, seq FROM issues ${where.length ? "WHERE " + where.join(" AND ") : ""}
       ORDER BY ${col} ${desc ? "DESC" : "ASC"}, seq ASC LIMIT ?`,
    )
    .all(...args, limit + 1);
  const items = rows.slice(0, limit).map((x) => JSON.parse(x.doc) as Issue);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return last ? { items, next: encodeCursor([String(last.v), String(last.seq)]) } : { items };
}
