// How the SQLite AppStore keeps issues at scale (migrations 4 and 5):
// - `issues`: one narrow row per issue (rowid = seq) whose columns carry every filter and sort
//   field, with composite indexes so a page is an index range scan that stops at the limit — never
//   a sort of every match (keyset cursors on (sort value, seq)).
// - `issue_docs`: the issue JSON, compact: each hop of a path and each fix text is a reference into
//   `issue_parts` (content-addressed: a hop's evidence is stored once however many issues and paths
//   cross it), and `lastSeen` lives in its column so an unchanged issue is not rewritten.
// - `factor_names` (migration 5): a factor's (name, source) pair by id, so a document holds its
//   factors as a flat [id, value, id, value, …] list and remediation as flat
//   [pathIndex, hopIndex, riskRemoved, fix part, …]; finding priorities and fix-plan items are
//   stored as flat lists the same way.
// - `content_hash`: a hash of the compact document; commitAnalysis writes only issues whose content
//   changed (and moves lastSeen of the others in one statement); finding priorities, tiers and the
//   fix plan are written as differences from what is stored.
// Documents in the earlier forms (full hops inline; factors and remediation as objects; finding
// priorities and fix-plan items as objects) are read as they are.
import { hash } from "node:crypto";
import { Confidence, ISSUE_STATUSES, SEVERITIES, ValidationError } from "@ctem/model";
import type {
  AttackPath,
  Factor,
  FindingPriority,
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
import { InlineSink } from "./write-sink.js";
import type { SqlValue, WriteSink } from "./write-sink.js";
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
type StoredDoc = Omit<Issue, "paths" | "factors" | "remediation"> & {
  paths: CompactPath[];
  factors: Factor[] | Flat;
  remediation: Array<CompactRemediation | Remediation> | Flat;
};

const RULE = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SEVERITY_SET = new Set<string>(SEVERITIES);
const STATUS_SET = new Set<string>(ISSUE_STATUSES);
const CONFIDENCE_SET = new Set<string>(Confidence.options);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Times seen valid (an analysis' drafts share a few: firstSeen, lastSeen, dueAt). Bounded. */
const validTimes = new Set<string>();
const isTime = (v: unknown) => {
  if (typeof v !== "string") return false;
  if (validTimes.has(v)) return true;
  if (!ISO.test(v)) return false;
  if (validTimes.size >= 10_000) validTimes.clear();
  validTimes.add(v);
  return true;
};
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

const partHash = (json: string): string => hash("sha1", json, "base64url").slice(0, 22);

/**
 * The issue row's columns, from an issue (with `over`'s human fields over its own: no merged copy
 * made), in the order of ISSUE_COLUMNS (positional: cheaper to bind).
 */
export function issueColumns(
  i: Issue | IssueDraft,
  seq: number,
  contentHash: string | null,
  over?: HumanFields,
): SqlValue[] {
  const h = over ? humanFields(i, over) : i;
  const assignee = h.assignee ?? {};
  return [
    seq,
    i.key,
    h.alias ?? null,
    i.severity,
    i.status,
    i.score,
    i.rule,
    i.confidence,
    i.entry.id,
    i.target.id,
    assignee.user ?? null,
    assignee.team ?? null,
    i.demo ? 1 : 0,
    i.firstSeen,
    i.lastSeen,
    i.dueAt,
    i.title,
    h.reason ?? null,
    h.acceptedBy ?? null,
    h.expiresAt ?? null,
    contentHash,
  ];
}

const ISSUE_COLUMNS = `seq, key, alias, severity, status, score, rule, confidence, entry_id, target_id,
    assignee_user, assignee_team, demo, first_seen, last_seen, due_at, title, reason, accepted_by, expires_at, content_hash`;
const ISSUE_VALUES = ISSUE_COLUMNS.split(",")
  .map(() => "?")
  .join(", ");

/** A new issue's row. */
export const INSERT_ISSUE_SQL = `INSERT INTO issues (${ISSUE_COLUMNS}) VALUES (${ISSUE_VALUES})`;

/** An issue's row, new or not (key and alias never change). */
export const PUT_ISSUE_SQL = `INSERT INTO issues (${ISSUE_COLUMNS}) VALUES (${ISSUE_VALUES})
  ON CONFLICT (seq) DO UPDATE SET severity = excluded.severity, status = excluded.status, score = excluded.score,
    rule = excluded.rule, confidence = excluded.confidence, entry_id = excluded.entry_id, target_id = excluded.target_id,
    assignee_user = excluded.assignee_user, assignee_team = excluded.assignee_team, demo = excluded.demo,
    first_seen = excluded.first_seen, last_seen = excluded.last_seen, due_at = excluded.due_at, title = excluded.title,
    reason = excluded.reason, accepted_by = excluded.accepted_by, expires_at = excluded.expires_at,
    content_hash = excluded.content_hash`;

/**
 * Factor (name, source) pairs by id, as one connection has read them from `factor_names`. A pair's
 * id never changes once committed and ids only grow, so what was read stays true; an id not read
 * yet is fetched with every pair after the last one known. A writer whose transaction rolls back
 * forgets what it knew (forgetFactorNames): the ids it added may be given to other pairs later.
 */
class FactorNames {
  private readonly names: string[] = [];
  private readonly sources: string[] = [];
  private max = 0;
  /** name → source → id, for the writer's compactors (built on first use). */
  private ids: Map<string, Map<string, number>> | undefined;
  private readonly after;
  constructor(db: Sqlite) {
    this.after = db.prepare<[number], { id: number; name: string; source: string }>(
      "SELECT id, name, source FROM factor_names WHERE id > ? ORDER BY id",
    );
  }

  /** Reads the pairs added since (by this connection's transactions or by other processes). */
  refresh(): void {
    for (const r of this.after.iterate(this.max)) this.add(r.id, r.name, r.source);
  }

  /** The id a new pair gets: one past every id read (call after refresh, holding the write lock). */
  nextId(): number {
    return this.max + 1;
  }

  add(id: number, name: string, source: string): void {
    this.names[id] = name;
    this.sources[id] = source;
    if (id > this.max) this.max = id;
    if (this.ids) this.index(this.ids, id);
  }

  private index(ids: Map<string, Map<string, number>>, id: number): void {
    const name = this.names[id]!;
    let bySource = ids.get(name);
    if (!bySource) ids.set(name, (bySource = new Map<string, number>()));
    bySource.set(this.sources[id]!, id);
  }

  byName(): Map<string, Map<string, number>> {
    if (!this.ids) {
      const ids = new Map<string, Map<string, number>>();
      for (let id = 1; id <= this.max; id++) if (this.names[id] !== undefined) this.index(ids, id);
      this.ids = ids;
    }
    return this.ids;
  }

  factor(id: number, value: Factor["value"]): Factor {
    let name = this.names[id];
    if (name === undefined) {
      this.refresh();
      name = this.names[id];
      if (name === undefined) throw new Error(`issue store: factor name ${id} is missing`);
    }
    return { name, value, source: this.sources[id]! };
  }
}

const factorNamesOf = new WeakMap<Sqlite, FactorNames>();
function factorNames(db: Sqlite): FactorNames {
  let n = factorNamesOf.get(db);
  if (!n) factorNamesOf.set(db, (n = new FactorNames(db)));
  return n;
}

/** After a write transaction on `db` failed: the factor names it added were never committed. */
export function forgetFactorNames(db: Sqlite): void {
  factorNamesOf.delete(db);
}

const FACTOR_KEYS = ["name", "value", "source"] as const;
/** Whether a factor reads back the same from a flat entry: { name, value, source } in that order. */
function plainFactor(f: Factor): boolean {
  if (typeof f !== "object" || f === null || typeof f.name !== "string" || typeof f.source !== "string")
    return false;
  const t = typeof f.value;
  if (t !== "number" && t !== "string" && t !== "boolean") return false;
  let n = 0;
  for (const k in f) if (k !== FACTOR_KEYS[n++]) return false;
  return n === 3;
}

const PRIORITY_KEYS = ["findingKey", "score", "severity", "onPath", "factors"] as const;
function plainPriority(p: FindingPriority): boolean {
  if (
    typeof p !== "object" ||
    p === null ||
    typeof p.severity !== "string" ||
    typeof p.onPath !== "boolean" ||
    !Array.isArray(p.factors)
  )
    return false;
  let n = 0;
  for (const k in p) if (k !== PRIORITY_KEYS[n++]) return false;
  return n === 5;
}

/** A flat list's values: factor ids and values, or remediation numbers and part references. */
type Flat = Array<number | string | boolean>;

/** Whether a stored list is flat (the current form) rather than objects (earlier forms). */
const isFlat = (list: readonly unknown[]): boolean => list.length > 0 && typeof list[0] === "number";

/**
 * Parts each connection knows to be stored (written or found by a committed transaction of this
 * process): parts are never deleted, so a later commit need not insert them again. Bounded.
 */
const KNOWN_PARTS_MAX = 1_000_000;
const knownPartsOf = new WeakMap<Sqlite, Set<string>>();

/** A fix text's part, found by its title, then its exact texts. */
interface FixRef {
  cli: string | null;
  terraform: string | null;
  ref: string;
}
type FixMap = Map<string | null, Map<string | null, string>>;
function fixMap(m: FixMap, cli: string | null, terraform: string | null, ref: string): void {
  let byTf = m.get(cli);
  if (!byTf) m.set(cli, (byTf = new Map<string | null, string>()));
  byTf.set(terraform, ref);
}

/**
 * Turns issues into compact documents, writing their parts and factor names. Hops and fix texts
 * the engine shares between issues (the same objects) are serialised and hashed once per commit;
 * equal content from different objects still lands on one part. New parts are inserted by
 * flush() in key order (random-order inserts into a large table touch a page each), and only
 * those this connection does not know from earlier commits.
 */
export class Compactor {
  private readonly byObject = new Map<object, string>();
  private readonly hopRefs = new Map<readonly (Hop | string)[], string[]>();
  private readonly fixes = new Map<string, FixRef[] | FixMap>();
  private readonly written = new Set<string>();
  private readonly pending = new Map<string, string>();
  private readonly priorityFactors = new Map<readonly Factor[], string | null>();
  private readonly known: Set<string>;
  private readonly putPart: number;
  private readonly putName: number;
  private readonly names: FactorNames;
  private readonly ids: Map<string, Map<string, number>>;
  /**
   * Call holding the write transaction (it reads the factor names other writers added) on `db`, the
   * writer connection; the rows go to `sink` (by default run on `db` at once).
   */
  constructor(
    db: Sqlite,
    private readonly sink: WriteSink = new InlineSink(db),
  ) {
    this.putPart = sink.stmt("INSERT OR IGNORE INTO issue_parts (hash, doc) VALUES (?, ?)");
    this.putName = sink.stmt("INSERT INTO factor_names (id, name, source) VALUES (?, ?, ?)");
    this.names = factorNames(db);
    this.names.refresh();
    this.ids = this.names.byName();
    let known = knownPartsOf.get(db);
    if (!known || known.size > KNOWN_PARTS_MAX) knownPartsOf.set(db, (known = new Set<string>()));
    this.known = known;
  }

  private part(json: string): string {
    const h = partHash(json);
    if (!this.written.has(h)) {
      this.written.add(h);
      if (!this.known.has(h)) this.pending.set(h, json);
    }
    return h;
  }

  /** Inserts the new parts (in key order). Call before the transaction ends. */
  flush(): void {
    const keys = [...this.pending.keys()].sort();
    for (const h of keys) this.sink.run(this.putPart, [h, this.pending.get(h)!]);
    this.pending.clear();
  }

  /** After the transaction committed: its parts are stored. */
  committed(): void {
    for (const h of this.written) this.known.add(h);
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
    // By title (short), then by comparing the long texts (the engine shares them between issues,
    // so mostly the same strings); a title with many texts gets maps.
    const byTitle = this.fixes.get(r.title);
    if (byTitle instanceof Map) {
      let ref = byTitle.get(r.cli)?.get(r.terraform);
      if (ref === undefined) fixMap(byTitle, r.cli, r.terraform, (ref = this.fixPart(r)));
      return ref;
    }
    if (byTitle) for (const x of byTitle) if (x.cli === r.cli && x.terraform === r.terraform) return x.ref;
    const ref = this.fixPart(r);
    const entry = { cli: r.cli, terraform: r.terraform, ref };
    if (!byTitle) this.fixes.set(r.title, [entry]);
    else if (byTitle.length < 8) byTitle.push(entry);
    else {
      const m: FixMap = new Map();
      for (const x of [...byTitle, entry]) fixMap(m, x.cli, x.terraform, x.ref);
      this.fixes.set(r.title, m);
    }
    return ref;
  }

  private fixPart(r: Pick<Remediation, "title" | "cli" | "terraform">): string {
    return this.part(JSON.stringify({ title: r.title, cli: r.cli, terraform: r.terraform }));
  }

  path(p: Pick<AttackPath, "likelihood" | "confidence" | "hops">): CompactPath {
    // An issue's path and the same path in the analysis' path list share their hop list.
    let hops = this.hopRefs.get(p.hops);
    if (!hops) this.hopRefs.set(p.hops, (hops = p.hops.map((h) => this.hop(h))));
    return { likelihood: p.likelihood, confidence: p.confidence, hops };
  }

  private factorId(name: string, source: string): number {
    let bySource = this.ids.get(name);
    if (!bySource) this.ids.set(name, (bySource = new Map<string, number>()));
    let id = bySource.get(source);
    if (id === undefined) {
      id = this.names.nextId();
      this.sink.run(this.putName, [id, name, source]);
      this.names.add(id, name, source);
    }
    return id;
  }

  /** Factors as a flat [name id, value, …] list, or as they are when one would not read back the same. */
  private factors(fs: readonly Factor[], out: Flat): boolean {
    for (const f of fs) {
      if (!plainFactor(f)) return false;
      out.push(this.factorId(f.name, f.source), f.value);
    }
    return true;
  }

  /**
   * The compact document of `{ ...i, ...over }` (lastSeen left empty: it lives in its column) and
   * its JSON.
   */
  issue(i: Issue | IssueDraft, over?: Partial<Issue>): { json: string; hash: string } {
    const doc = docOf(i, over);
    doc.lastSeen = "";
    doc.paths = i.paths.map((p) => this.path(p));
    const factors: Flat = [];
    doc.factors = this.factors(i.factors, factors) ? factors : i.factors;
    const remediation: Flat = [];
    for (const r of i.remediation)
      remediation.push(
        r.pathIndex,
        r.hopIndex,
        r.riskRemoved,
        "fix" in r ? (r as unknown as CompactRemediation).fix : this.fix(r),
      );
    doc.remediation = remediation;
    const json = JSON.stringify(doc);
    return { json, hash: partHash(json) };
  }

  /** A finding priority's document: [severity, onPath (1/0), name id, value, …]; key and score are columns. */
  priority(p: FindingPriority): string {
    if (plainPriority(p)) {
      // The engine shares one factor list between findings of the same assessment: its flat form
      // (the JSON between the brackets; null when a factor must stay an object) is made once.
      let inner = this.priorityFactors.get(p.factors);
      if (inner === undefined) {
        const flat: Flat = [];
        inner = this.factors(p.factors, flat) ? JSON.stringify(flat).slice(1, -1) : null;
        this.priorityFactors.set(p.factors, inner);
      }
      if (inner !== null)
        return `[${JSON.stringify(p.severity)},${p.onPath ? 1 : 0}${inner === "" ? "" : `,${inner}`}]`;
    }
    return JSON.stringify(p);
  }

  /** A fix-plan item's document: [fix part, riskRemoved, issueKey, pathIndex, hopIndex, …, issueKey, …]. */
  fixPlanItem(f: FixPlanItem): string {
    const out: Flat = [this.fix(f), f.riskRemoved];
    let last: string | undefined;
    for (const x of f.cuts) {
      if (x.issueKey !== last) out.push((last = x.issueKey));
      out.push(x.pathIndex, x.hopIndex);
    }
    return JSON.stringify(out);
  }
}

/** The fields the analysis commit takes from what is stored (writeAnalysis' `over`). */
type HumanFields = Pick<Partial<Issue>, "alias" | "assignee" | "reason" | "acceptedBy" | "expiresAt">;
const OVER_KEYS = new Set(["alias", "assignee", "reason", "acceptedBy", "expiresAt"]);

/**
 * A draft copied by one literal, in each order the engine's reconciliation makes a draft's fields
 * (assignee after the remediation when observe() gave one, else after expiresAt), alias last.
 */
const DRAFT_COPIES: ReadonlyArray<(i: Issue | IssueDraft, h: HumanFields) => Record<string, unknown>> = [
  (i, { alias, assignee, reason, acceptedBy, expiresAt }) => ({
    key: i.key,
    title: i.title,
    rule: i.rule,
    severity: i.severity,
    score: i.score,
    confidence: i.confidence,
    entry: i.entry,
    target: i.target,
    paths: i.paths,
    factors: i.factors,
    remediation: i.remediation,
    status: i.status,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    dueAt: i.dueAt,
    fixedAt: i.fixedAt,
    resolvedAt: i.resolvedAt,
    reopenedAt: i.reopenedAt,
    verificationFailedAt: i.verificationFailedAt,
    reason,
    acceptedBy,
    expiresAt,
    assignee,
    statusBeforeResolution: i.statusBeforeResolution,
    demo: i.demo,
    alias,
  }),
  (i, { alias, assignee, reason, acceptedBy, expiresAt }) => ({
    key: i.key,
    title: i.title,
    rule: i.rule,
    severity: i.severity,
    score: i.score,
    confidence: i.confidence,
    entry: i.entry,
    target: i.target,
    paths: i.paths,
    factors: i.factors,
    remediation: i.remediation,
    assignee,
    status: i.status,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    dueAt: i.dueAt,
    fixedAt: i.fixedAt,
    resolvedAt: i.resolvedAt,
    reopenedAt: i.reopenedAt,
    verificationFailedAt: i.verificationFailedAt,
    reason,
    acceptedBy,
    expiresAt,
    statusBeforeResolution: i.statusBeforeResolution,
    demo: i.demo,
    alias,
  }),
];

/** The fields of each of DRAFT_COPIES, in its order, without the alias (a draft may lack it). */
export const DRAFT_ORDERS: readonly (readonly string[])[] = DRAFT_COPIES.map((copy) =>
  Object.keys(copy({} as IssueDraft, {})).filter((k) => k !== "alias"),
);

/** Which of DRAFT_ORDERS `d`'s own fields follow (alias last or absent), or -1. */
export function draftOrder(d: object, over: object | undefined): number {
  if (over) for (const k in over) if (!OVER_KEYS.has(k)) return -1;
  next: for (let o = 0; o < DRAFT_ORDERS.length; o++) {
    const order = DRAFT_ORDERS[o]!;
    let j = 0;
    for (const k in d) {
      if (j < order.length ? k !== order[j] : k !== "alias" || j > order.length) continue next;
      j++;
    }
    if (j >= order.length) return o;
  }
  return -1;
}

/**
 * A copy of `{ ...i, ...over }` with the same keys in the same order (so the same JSON). The
 * engine's drafts are copied by a literal (DRAFT_COPIES): V8 builds it in one step, where the copy
 * key by key (any other draft) makes a slower object that also serialises slower (at 100k assets,
 * 52k drafts: the copies and their JSON took about 70 ms less). An alias absent from both is left
 * undefined, which JSON.stringify leaves out as the key-by-key copy would.
 */
export function docOf(i: Issue | IssueDraft, over: HumanFields | undefined): Record<string, unknown> {
  const shape = draftOrder(i, over);
  if (shape < 0) {
    const doc: Record<string, unknown> = {};
    const src = i as unknown as Record<string, unknown>;
    for (const k in src) doc[k] = src[k];
    if (over) for (const k in over) doc[k] = (over as Record<string, unknown>)[k];
    return doc;
  }
  return DRAFT_COPIES[shape]!(i, humanFields(i, over));
}

/** The human fields of `i` with those of `over` over them (a field `over` has wins, even undefined). */
function humanFields(i: Issue | IssueDraft, over: HumanFields | undefined): HumanFields {
  const o = over ?? {};
  return {
    alias: "alias" in o ? o.alias : i.alias,
    assignee: "assignee" in o ? o.assignee : i.assignee,
    reason: "reason" in o ? o.reason : i.reason,
    acceptedBy: "acceptedBy" in o ? o.acceptedBy : i.acceptedBy,
    expiresAt: "expiresAt" in o ? o.expiresAt : i.expiresAt,
  };
}

/**
 * Parsed parts by reference, shared by every reader of the process: a part's reference is the hash
 * of its content, so it never changes. Bounded; the oldest entries go first.
 */
const PART_CACHE_MAX = 50_000;
const partCache = new Map<string, unknown>();

/** Reads parts by reference (a page of issues shares most of its hops) and factor names by id. */
export class PartReader {
  private readonly get;
  readonly names: FactorNames;
  constructor(db: Sqlite) {
    this.get = db.prepare<[string], { doc: string }>("SELECT doc FROM issue_parts WHERE hash = ?");
    this.names = factorNames(db);
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
  /** Factors from a flat [name id, value, …] list from `start`. */
  factors(flat: readonly unknown[], start = 0): Factor[] {
    const out: Factor[] = [];
    for (let i = start; i < flat.length; i += 2)
      out.push(this.names.factor(flat[i] as number, flat[i + 1] as Factor["value"]));
    return out;
  }
}

/** The issue JSON from a stored document (any form) and its lastSeen column. */
export function expandIssue(docJson: string, lastSeen: string, parts: PartReader): Issue {
  const d = JSON.parse(docJson) as StoredDoc;
  d.lastSeen = lastSeen;
  const issue = d as unknown as Issue;
  issue.paths = d.paths.map((p) => ({
    likelihood: p.likelihood,
    confidence: p.confidence,
    hops: p.hops.map((h) => (typeof h === "string" ? { ...parts.part<Hop>(h) } : h)),
  }));
  if (isFlat(d.factors)) issue.factors = parts.factors(d.factors);
  const rs = d.remediation;
  if (isFlat(rs)) {
    const out: Remediation[] = [];
    for (let i = 0; i < rs.length; i += 4) {
      const f = parts.part<Pick<Remediation, "title" | "cli" | "terraform">>(rs[i + 3] as string);
      out.push({
        pathIndex: rs[i] as number,
        hopIndex: rs[i + 1] as number,
        title: f.title,
        cli: f.cli,
        terraform: f.terraform,
        riskRemoved: rs[i + 2] as number,
      });
    }
    issue.remediation = out;
  } else
    issue.remediation = (rs as Array<CompactRemediation | Remediation>).map((r) => {
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

/** A stored finding priority (either form) from its columns and document. */
export function expandPriority(
  key: string,
  score: number,
  docJson: string,
  parts: PartReader,
): FindingPriority {
  if (docJson.charCodeAt(0) !== 0x5b /* [ */) return JSON.parse(docJson) as FindingPriority;
  const d = JSON.parse(docJson) as unknown[];
  return {
    findingKey: key,
    score,
    severity: d[0] as FindingPriority["severity"],
    onPath: d[1] === 1,
    factors: parts.factors(d, 2),
  };
}

/** A fix-plan item as stored before (texts as a part, cuts as tuples). */
interface StoredFixPlanItem {
  id: string;
  fix: string;
  riskRemoved: number;
  cuts: Array<[string, number, number]>;
}

/** A stored fix-plan item (any form) as the FixPlanItem it was. */
export function expandFixPlanItem(id: string, docJson: string, parts: PartReader): FixPlanItem {
  const d = JSON.parse(docJson) as StoredFixPlanItem | FixPlanItem | unknown[];
  let fix: string;
  let riskRemoved: number;
  let cuts: FixPlanItem["cuts"];
  if (Array.isArray(d)) {
    fix = d[0] as string;
    riskRemoved = d[1] as number;
    cuts = [];
    let issueKey = "";
    for (let i = 2; i < d.length;) {
      const v = d[i];
      if (typeof v === "string") {
        issueKey = v;
        i++;
      } else {
        cuts.push({ issueKey, pathIndex: v as number, hopIndex: d[i + 1] as number });
        i += 2;
      }
    }
  } else if (!("fix" in d)) return d;
  else {
    fix = d.fix;
    riskRemoved = d.riskRemoved;
    cuts = d.cuts.map(([issueKey, pathIndex, hopIndex]) => ({ issueKey, pathIndex, hopIndex }));
    id = d.id;
  }
  const t = parts.part<Pick<FixPlanItem, "title" | "cli" | "terraform">>(fix);
  return { id, title: t.title, cli: t.cli, terraform: t.terraform, riskRemoved, cuts };
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
