// How the SQLite AppStore keeps issues at scale (migration 4):
// - `issues`: one narrow row per issue (rowid = seq) whose columns carry every filter and sort
//   field, with composite indexes so a page is an index range scan that stops at the limit — never
//   a sort of every match (keyset cursors on (sort value, seq)).
// - `issue_docs`: the issue JSON, compact: each hop of a path and each fix text is a reference into
//   `issue_parts` (content-addressed: a hop's evidence is stored once however many issues and paths
//   cross it), and `lastSeen` lives in its column so an unchanged issue is not rewritten.
// - `content_hash`: a hash of the compact document; commitAnalysis writes only issues whose content
//   changed (and moves lastSeen of the others in one statement).
// Documents written before migration 4 (full hops inline) are read as they are.
import { createHash } from "node:crypto";
import { Confidence, ISSUE_STATUSES, SEVERITIES, ValidationError } from "@ctem/model";
import type {
  AttackPath,
  FixPlanItem,
  Hop,
  Issue,
  IssueDraft,
  IssueFilter,
  IssueSort,
  IssueState,
  PageRequest,
  PageResult,
  Remediation,
} from "@ctem/model";
import type { Sqlite } from "./db.js";
import { decodeCursor, encodeCursor, likePattern } from "./paging.js";

/** A compact document's path: hops are part references (or, in documents written before, hops). */
interface CompactPath {
  likelihood: number;
  confidence: AttackPath["confidence"];
  hops: Array<string | Hop>;
}
interface CompactRemediation {
  pathIndex: number;
  hopIndex: number;
  riskRemoved: number;
  /** Part reference to { title, cli, terraform }. */
  fix: string;
}
type StoredDoc = Omit<Issue, "paths" | "remediation"> & {
  paths: CompactPath[];
  remediation: Array<CompactRemediation | Remediation>;
};

const RULE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SEVERITY_SET = new Set<string>(SEVERITIES);
const STATUS_SET = new Set<string>(ISSUE_STATUSES);
const CONFIDENCE_SET = new Set<string>(Confidence.options);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const isTime = (v: unknown) => typeof v === "string" && ISO.test(v);
const isTimeOrNull = (v: unknown) => v === null || isTime(v);
const isStrOrNull = (v: unknown, max: number) => v === null || (typeof v === "string" && v.length <= max);
const isRef = (v: unknown) => {
  const r = v as { id?: unknown; name?: unknown } | null;
  return typeof r === "object" && r !== null && typeof r.id === "string" && typeof r.name === "string";
};

/**
 * The first field of a draft that the issue row could not hold faithfully, or undefined. A cheap
 * check made on every draft of an analysis (the engine builds them from validated data; a failing
 * draft is then parsed by the zod schema for its message). Paths, factors and remediation are
 * checked down to their items' shape.
 */
export function draftProblem(d: IssueDraft): string | undefined {
  if (typeof d !== "object" || d === null) return "(the item itself)";
  if (typeof d.key !== "string" || d.key.length === 0) return "key";
  if (typeof d.title !== "string" || d.title.length > 1024) return "title";
  if (typeof d.rule !== "string" || !RULE.test(d.rule)) return "rule";
  if (!SEVERITY_SET.has(d.severity)) return "severity";
  if (typeof d.score !== "number" || !(d.score >= 0 && d.score <= 10)) return "score";
  if (!CONFIDENCE_SET.has(d.confidence)) return "confidence";
  if (!STATUS_SET.has(d.status)) return "status";
  if (!isRef(d.entry)) return "entry";
  if (!isRef(d.target)) return "target";
  for (const f of ["firstSeen", "lastSeen"] as const) if (!isTime(d[f])) return f;
  for (const f of [
    "dueAt",
    "fixedAt",
    "resolvedAt",
    "reopenedAt",
    "verificationFailedAt",
    "expiresAt",
  ] as const)
    if (!isTimeOrNull(d[f])) return f;
  if (!isStrOrNull(d.reason, 4096)) return "reason";
  if (!isStrOrNull(d.acceptedBy, 256)) return "acceptedBy";
  if (typeof d.assignee !== "object" || d.assignee === null) return "assignee";
  if (d.statusBeforeResolution !== null && !STATUS_SET.has(d.statusBeforeResolution))
    return "statusBeforeResolution";
  if (typeof d.demo !== "boolean") return "demo";
  if (d.alias !== undefined && !/^ISS-\d+$/.test(d.alias)) return "alias";
  if (!Array.isArray(d.paths)) return "paths";
  for (const p of d.paths) {
    if (typeof p !== "object" || p === null || !(p.likelihood >= 0 && p.likelihood <= 1)) return "paths";
    if (!CONFIDENCE_SET.has(p.confidence)) return "paths";
    if (!Array.isArray(p.hops) || p.hops.length === 0) return "paths";
    for (const h of p.hops)
      if (typeof h !== "object" || h === null || typeof h.from !== "string" || typeof h.to !== "string")
        return "paths";
  }
  if (!Array.isArray(d.factors) || d.factors.some((f) => typeof f?.name !== "string")) return "factors";
  if (!Array.isArray(d.remediation) || d.remediation.some((r) => typeof r?.pathIndex !== "number"))
    return "remediation";
  return undefined;
}

const partHash = (json: string): string => createHash("sha1").update(json).digest("base64url").slice(0, 22);

/** The issue row's columns, from an issue. */
export function issueColumns(i: Issue | IssueDraft, seq: number, contentHash: string | null) {
  return {
    seq,
    key: i.key,
    alias: i.alias,
    severity: i.severity,
    status: i.status,
    score: i.score,
    rule: i.rule,
    confidence: i.confidence,
    entry_id: i.entry.id,
    target_id: i.target.id,
    assignee_user: i.assignee.user ?? null,
    assignee_team: i.assignee.team ?? null,
    demo: i.demo ? 1 : 0,
    first_seen: i.firstSeen,
    last_seen: i.lastSeen,
    due_at: i.dueAt,
    title: i.title,
    reason: i.reason,
    accepted_by: i.acceptedBy,
    expires_at: i.expiresAt,
    content_hash: contentHash,
  };
}

export const PUT_ISSUE_SQL = `INSERT INTO issues (seq, key, alias, severity, status, score, rule, confidence, entry_id, target_id,
    assignee_user, assignee_team, demo, first_seen, last_seen, due_at, title, reason, accepted_by, expires_at, content_hash)
  VALUES (@seq, @key, @alias, @severity, @status, @score, @rule, @confidence, @entry_id, @target_id,
    @assignee_user, @assignee_team, @demo, @first_seen, @last_seen, @due_at, @title, @reason, @accepted_by, @expires_at, @content_hash)
  ON CONFLICT (seq) DO UPDATE SET severity = excluded.severity, status = excluded.status, score = excluded.score,
    rule = excluded.rule, confidence = excluded.confidence, entry_id = excluded.entry_id, target_id = excluded.target_id,
    assignee_user = excluded.assignee_user, assignee_team = excluded.assignee_team, demo = excluded.demo,
    first_seen = excluded.first_seen, last_seen = excluded.last_seen, due_at = excluded.due_at, title = excluded.title,
    reason = excluded.reason, accepted_by = excluded.accepted_by, expires_at = excluded.expires_at,
    content_hash = excluded.content_hash`;

/**
 * Turns issues into compact documents, writing their parts. Hops and fix texts the engine shares
 * between issues (the same objects) are serialised and hashed once per commit; equal content from
 * different objects still lands on one part.
 */
export class Compactor {
  private readonly byObject = new Map<object, string>();
  private readonly fixes = new Map<string, Map<string | null, Map<string | null, string>>>();
  private readonly written = new Set<string>();
  private readonly putPart;
  constructor(db: Sqlite) {
    this.putPart = db.prepare<[string, string]>(
      "INSERT OR IGNORE INTO issue_parts (hash, doc) VALUES (?, ?)",
    );
  }

  private part(json: string): string {
    const h = partHash(json);
    if (!this.written.has(h)) {
      this.written.add(h);
      this.putPart.run(h, json);
    }
    return h;
  }

  hop(h: Hop | string): string {
    if (typeof h === "string") return h;
    let ref = this.byObject.get(h);
    if (ref === undefined) {
      ref = this.part(
        JSON.stringify({
          from: h.from,
          to: h.to,
          edge: h.edge,
          evidence: h.evidence,
          assumptions: h.assumptions,
        }),
      );
      this.byObject.set(h, ref);
    }
    return ref;
  }

  fix(r: Pick<Remediation, "title" | "cli" | "terraform">): string {
    let byCli = this.fixes.get(r.title);
    if (!byCli) this.fixes.set(r.title, (byCli = new Map<string | null, Map<string | null, string>>()));
    let byTf = byCli.get(r.cli);
    if (!byTf) byCli.set(r.cli, (byTf = new Map<string | null, string>()));
    let ref = byTf.get(r.terraform);
    if (ref === undefined) {
      ref = this.part(JSON.stringify({ title: r.title, cli: r.cli, terraform: r.terraform }));
      byTf.set(r.terraform, ref);
    }
    return ref;
  }

  path(p: Pick<AttackPath, "likelihood" | "confidence" | "hops">): CompactPath {
    return { likelihood: p.likelihood, confidence: p.confidence, hops: p.hops.map((h) => this.hop(h)) };
  }

  /** The compact document (lastSeen left empty: it lives in its column) and its JSON. */
  issue(i: Issue): { json: string; hash: string } {
    const doc: StoredDoc = {
      ...i,
      lastSeen: "",
      paths: i.paths.map((p) => this.path(p)),
      remediation: i.remediation.map((r) =>
        "fix" in r
          ? (r as unknown as CompactRemediation)
          : { pathIndex: r.pathIndex, hopIndex: r.hopIndex, riskRemoved: r.riskRemoved, fix: this.fix(r) },
      ),
    };
    const json = JSON.stringify(doc);
    return { json, hash: partHash(json) };
  }
}

/**
 * Parsed parts by reference, shared by every reader of the process: a part's reference is the hash
 * of its content, so it never changes. Bounded; the oldest entries go first.
 */
const PART_CACHE_MAX = 50_000;
const partCache = new Map<string, unknown>();

/** Reads parts by reference (a page of issues shares most of its hops). */
export class PartReader {
  private readonly get;
  constructor(db: Sqlite) {
    this.get = db.prepare<[string], { doc: string }>("SELECT doc FROM issue_parts WHERE hash = ?");
  }
  part<T>(ref: string): T {
    let v = partCache.get(ref);
    if (v === undefined) {
      const row = this.get.get(ref);
      if (!row) throw new Error(`issue store: part ${ref} is missing`);
      v = JSON.parse(row.doc) as unknown;
      if (partCache.size >= PART_CACHE_MAX) partCache.delete(partCache.keys().next().value!);
      partCache.set(ref, v);
    }
    return v as T;
  }
}

/** The issue JSON from a stored document (either form) and its lastSeen column. */
export function expandIssue(docJson: string, lastSeen: string, parts: PartReader): Issue {
  const d = JSON.parse(docJson) as StoredDoc;
  d.lastSeen = lastSeen;
  const issue = d as unknown as Issue;
  issue.paths = d.paths.map((p) => ({
    likelihood: p.likelihood,
    confidence: p.confidence,
    hops: p.hops.map((h) => (typeof h === "string" ? { ...parts.part<Hop>(h) } : h)),
  }));
  issue.remediation = d.remediation.map((r) => {
    if (!("fix" in r)) return r;
    const f = parts.part<Pick<Remediation, "title" | "cli" | "terraform">>(r.fix);
    return {
      pathIndex: r.pathIndex,
      hopIndex: r.hopIndex,
      title: f.title,
      cli: f.cli,
      terraform: f.terraform,
      riskRemoved: r.riskRemoved,
    };
  });
  return issue;
}

/** A fix-plan item as stored: its texts as a part (shared with the issues' remediation), cuts as tuples. */
interface StoredFixPlanItem {
  id: string;
  fix: string;
  riskRemoved: number;
  cuts: Array<[string, number, number]>;
}

export function compactFixPlanItem(c: Compactor, f: FixPlanItem): StoredFixPlanItem {
  return {
    id: f.id,
    fix: c.fix(f),
    riskRemoved: f.riskRemoved,
    cuts: f.cuts.map((x) => [x.issueKey, x.pathIndex, x.hopIndex]),
  };
}

/** A stored fix-plan item (either form) as the FixPlanItem it was. */
export function expandFixPlanItem(docJson: string, parts: PartReader): FixPlanItem {
  const d = JSON.parse(docJson) as StoredFixPlanItem | FixPlanItem;
  if (!("fix" in d)) return d;
  const t = parts.part<Pick<FixPlanItem, "title" | "cli" | "terraform">>(d.fix);
  return {
    id: d.id,
    title: t.title,
    cli: t.cli,
    terraform: t.terraform,
    riskRemoved: d.riskRemoved,
    cuts: d.cuts.map(([issueKey, pathIndex, hopIndex]) => ({ issueKey, pathIndex, hopIndex })),
  };
}

/** Issue states: the document without paths, factors and remediation, parsed by SQLite. */
export function readIssueStates(db: Sqlite): IssueState[] {
  const rows = db
    .prepare<[], { doc: string; last_seen: string }>(
      `SELECT json_remove(d.doc, '$.paths', '$.factors', '$.remediation') AS doc, i.last_seen
       FROM issues i JOIN issue_docs d ON d.seq = i.seq ORDER BY i.seq`,
    )
    .all();
  return rows.map((r) => {
    const s = JSON.parse(r.doc) as IssueState;
    s.lastSeen = r.last_seen;
    return s;
  });
}

const DUE = "coalesce(due_at, '9999')";
const SORTS: Record<IssueSort, { col: string; desc: boolean; numeric: boolean }> = {
  score: { col: "score", desc: true, numeric: true },
  firstSeen: { col: "first_seen", desc: false, numeric: false },
  dueAt: { col: DUE, desc: false, numeric: false },
  alias: { col: "seq", desc: false, numeric: true },
};

/**
 * One page of issues. The first query walks an index in sort order — (sort, seq), or
 * (status, sort, seq) when one status is asked for — with the other filters checked on the narrow
 * row (`+col` keeps the planner from sorting by a filter index instead), and stops at the limit;
 * only a selective filter (an asset, a target, an assignee) may drive instead, its few matches
 * sorted. Then the page's documents are read by seq.
 */
export function listIssuePage(
  db: Sqlite,
  filter: IssueFilter & { sort?: IssueSort },
  page: PageRequest,
): PageResult<Issue> {
  if (!Number.isFinite(page.limit)) throw new ValidationError("limit: must be a number");
  const limit = Math.max(1, Math.min(page.limit, 10_000));
  const sort = SORTS[filter.sort ?? "score"];
  const where: string[] = [];
  const args: unknown[] = [];
  const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  const inList = (col: string, v: string | string[]) => {
    const vs = list(v);
    where.push(vs.length === 1 ? `${col} = ?` : `${col} IN (${vs.map(() => "?").join(", ")})`);
    args.push(...vs);
  };
  const statuses = filter.status ? list(filter.status) : undefined;
  const selective = Boolean(
    filter.nodeId || filter.targetId || filter.assigneeUser || filter.assigneeTeam || filter.assignedTo,
  );
  const drive = (col: string) => (selective ? col : `+${col}`);
  if (statuses) inList(statuses.length === 1 && sort.col !== "seq" ? "status" : "+status", statuses);
  if (filter.severity) inList("+severity", filter.severity);
  if (filter.rule) inList("+rule", filter.rule);
  if (filter.confidence) inList("+confidence", filter.confidence);
  if (filter.assigneeUser) inList("assignee_user", filter.assigneeUser);
  if (filter.assigneeTeam) inList("assignee_team", filter.assigneeTeam);
  if (filter.demo !== undefined) {
    where.push("+demo = ?");
    args.push(filter.demo ? 1 : 0);
  }
  if (filter.nodeId) {
    where.push(`(${drive("entry_id")} = ? OR ${drive("target_id")} = ?)`);
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
      "(alias LIKE ? ESCAPE '\\' OR title LIKE ? ESCAPE '\\' OR entry_id LIKE ? ESCAPE '\\' OR target_id LIKE ? ESCAPE '\\')",
    );
    args.push(p, p, p, p);
  }
  // Keyset: score sorts descending (the riskiest first), the others ascending; ties by seq. The
  // range term on the sort column lets the scan seek to the cursor.
  const col = sort.col;
  if (page.cursor) {
    const [v, seqS] = decodeCursor(page.cursor);
    const value: unknown = sort.numeric ? Number(v) : v;
    const seq = Number(seqS);
    if ((sort.numeric && !Number.isFinite(value)) || !Number.isInteger(seq))
      throw new ValidationError("cursor: not a cursor this store issued", { field: "cursor" });
    if (col === "seq") {
      where.push("seq > ?");
      args.push(seq);
    } else {
      where.push(`${col} ${sort.desc ? "<=" : ">="} ? AND (${col} ${sort.desc ? "<" : ">"} ? OR seq > ?)`);
      args.push(value, value, seq);
    }
  }
  const order = col === "seq" ? "seq ASC" : `${col} ${sort.desc ? "DESC" : "ASC"}, seq ASC`;
  const keys = db
    .prepare<unknown[], { seq: number; v: string | number; last_seen: string }>(
      `SELECT seq, ${col} AS v, last_seen FROM issues ${where.length ? "WHERE " + where.join(" AND ") : ""}
       ORDER BY ${order} LIMIT ?`,
    )
    .all(...args, limit + 1);
  const shown = keys.slice(0, limit);
  const docs = new Map<number, string>();
  if (shown.length) {
    const rows = db
      .prepare<[string], { seq: number; doc: string }>(
        "SELECT seq, doc FROM issue_docs WHERE seq IN (SELECT value FROM json_each(?))",
      )
      .all(JSON.stringify(shown.map((k) => k.seq)));
    for (const r of rows) docs.set(r.seq, r.doc);
  }
  const parts = new PartReader(db);
  const items = shown.map((k) => expandIssue(docs.get(k.seq)!, k.last_seen, parts));
  const last = keys.length > limit ? keys[limit - 1] : undefined;
  return last ? { items, next: encodeCursor([String(last.v), String(last.seq)]) } : { items };
}
