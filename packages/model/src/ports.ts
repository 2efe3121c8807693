// The ports: what every package may ask of persistence. Packages receive them as arguments; only
// apps/server (and tests) construct adapters (DESIGN "The seams, as types").
import type {
  DerivedEdgeFact,
  Edge,
  EdgeKind,
  Finding,
  FindingKind,
  GraphFacts,
  Node,
  NodeKind,
} from "./graph.js";
import type {
  Actor,
  AnalysisOutput,
  FindingPriority,
  FixPlanItem,
  Confidence,
  Issue,
  IssueChange,
  IssueEvent,
  IssueState,
  IssueStatus,
  TierAssignment,
} from "./issue.js";
import type { AnalysisRun, ApplySummary, ScanRun } from "./runs.js";
import type {
  ApiTokenRecord,
  AuditEvent,
  AuditFilter,
  NewAuditEvent,
  NewUser,
  SessionRecord,
  Team,
  User,
  UserPatch,
  UserRecord,
} from "./accounts.js";
import type { Scope, Settings, SettingsKey, SettingsPatch } from "./settings.js";
import type { KpiSnapshot, Webhook, WebhookDelivery } from "./ops.js";
import type { Severity } from "./graph.js";

export interface PageRequest {
  /** Opaque; from a previous answer's `next`. */
  cursor?: string;
  limit: number;
}

export interface PageResult<T> {
  items: T[];
  /** Present when there may be more. */
  next?: string;
}

export type NodeSort = "id" | "name" | "type" | "lastSeen";

export interface NodeFilter {
  kind?: NodeKind | NodeKind[];
  type?: string | string[];
  provider?: string;
  accountId?: string;
  region?: string;
  /** Nodes claimed by this source (any region and collector). */
  source?: string;
  /** Case-insensitive substring of id or name. */
  q?: string;
  ids?: string[];
  /** Stubs are listed unless false. */
  includeStubs?: boolean;
  sort?: NodeSort;
  order?: "asc" | "desc";
}

export interface FindingFilter {
  assetRef?: string;
  ruleId?: string;
  kind?: FindingKind;
  matched?: boolean;
  tool?: string;
  source?: string;
}

export interface NeighbourOptions {
  kinds?: EdgeKind[];
  direction: "out" | "in" | "both";
}

export type SnapshotItem = { t: "node"; v: Node } | { t: "edge"; v: Edge } | { t: "finding"; v: Finding };

/** An edge as `snapshot({ edgeDetail: false })` gives it: what the engine reads of one. */
export type EdgeStructure = Pick<Edge, "from" | "kind" | "to" | "props" | "derived">;

export interface SnapshotOptions {
  derived?: boolean;
  edgeDetail?: boolean;
}

/** A snapshot item with its edges' structure alone (`snapshot({ edgeDetail: false })`). */
export type StructureSnapshotItem =
  { t: "node"; v: Node } | { t: "edge"; v: EdgeStructure } | { t: "finding"; v: Finding };

export interface GraphStore {
  /**
   * Writes a scan's chunks in one unit: adds the run's claims; for each collector whose status is
   * `ok` once the chunks are exhausted, removes its claim from items it did not return; deletes
   * items with no claim left. Facts failing the schema abort the scan: nothing of it is written.
   */
  applyScan(run: ScanRun, chunks: AsyncIterable<GraphFacts> | Iterable<GraphFacts>): Promise<ApplySummary>;
  /** Drops every claim of one source (demo removal, scope removal) and what is left unclaimed. */
  removeSource(source: string): Promise<void>;
  getNode(id: string): Promise<Node | undefined>;
  listNodes(filter: NodeFilter, page: PageRequest): Promise<PageResult<Node>>;
  listFindings(filter: FindingFilter, page: PageRequest): Promise<PageResult<Finding>>;
  /** Inventory edges and the current generation's attack edges touching `id`. */
  neighbours(id: string, opts: NeighbourOptions): Promise<Edge[]>;
  /**
   * Every node, edge (inventory + current derived) and finding, streamed from one consistent view,
   * in this order: every node, then every edge, then every finding (the engine derives from the
   * nodes and edges while the findings are still being read). `derived: false` leaves the derived
   * edges out (analysis recomputes them). `edgeDetail: false` gives each edge's structure alone
   * (from, kind, to, props, derived), which is all the engine reads of an edge: an adapter may then
   * leave out the rest (SQLite then reads no evidence, assumptions, claims or times: at 100k assets
   * its reading of the edges took 353-356 ms instead of 605-619, with 10.8 MB of JSON instead of
   * 36.5). Nodes and findings come whole either way.
   */
  snapshot(opts?: { derived?: boolean; edgeDetail?: true }): AsyncIterable<SnapshotItem>;
  snapshot(opts: { derived?: boolean; edgeDetail: false }): AsyncIterable<StructureSnapshotItem>;
  snapshot(opts?: SnapshotOptions): AsyncIterable<SnapshotItem | StructureSnapshotItem>;
  /**
   * Writes a new generation of derived edges under `analysisId`; readers do not see it yet. The
   * facts are consumed before the returned promise settles and must not change meanwhile; the
   * write itself may finish later (SQLite: on a worker thread, holding the write lock until done).
   */
  replaceDerived(
    analysisId: string,
    edges: AsyncIterable<DerivedEdgeFact> | Iterable<DerivedEdgeFact>,
  ): Promise<void>;
  /**
   * Readers now see generation `analysisId` and never an older one again; an adapter may drop the
   * older generations' rows here or later (SQLite: at the next replaceDerived, on its writer thread).
   */
  promoteDerived(analysisId: string): Promise<void>;
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}

export interface IssueFilter {
  severity?: Severity | Severity[];
  status?: IssueStatus | IssueStatus[];
  rule?: string;
  assigneeUser?: string;
  assigneeTeam?: string | string[];
  /** Issues whose entry or target is this node. */
  nodeId?: string;
  demo?: boolean;
  /** Issues assigned to any of these users OR any of these teams (what a developer may see). */
  assignedTo?: { users: string[]; teams: string[] };
  confidence?: Confidence | Confidence[];
  /** Issues whose target is this node. */
  targetId?: string;
  /** Issues whose entry or target id names this cloud account (`:<account>:` in an ARN, or `/<id>/`). */
  account?: string;
  /** Case-insensitive substring of the alias, title, entry or target id. */
  text?: string;
}

export type IssueSort = "score" | "firstSeen" | "dueAt" | "alias";

export interface ScanRunStore {
  start(run: ScanRun): Promise<void>;
  finish(run: ScanRun): Promise<void>;
  get(id: string): Promise<ScanRun | undefined>;
  list(page: PageRequest): Promise<PageResult<ScanRun>>;
}

/**
 * Users, teams, sessions, API tokens, the audit log, stored secrets and the SSO configuration.
 * Secrets arrive sealed (the server encrypts them); hashes never leave the server's auth code.
 */
export interface AccountStore {
  users: {
    /** ConflictError when the e-mail is taken; a team that does not exist yet is created. */
    create(user: NewUser): Promise<User>;
    get(id: string): Promise<User | undefined>;
    /** By id or e-mail (case-insensitive), with the password hash. */
    record(idOrEmail: string): Promise<UserRecord | undefined>;
    list(): Promise<User[]>;
    count(): Promise<number>;
    /** Disabling a user revokes their sessions in the same transaction. */
    update(id: string, patch: UserPatch): Promise<{ before: User; after: User }>;
    /** Revokes the user's other sessions (all but `keepSession`). */
    setPassword(
      id: string,
      hash: string,
      opts: { mustChange: boolean; keepSession?: string; at?: string },
    ): Promise<void>;
    recordLogin(id: string, at: string): Promise<void>;
  };
  teams: {
    /** The team, created when missing. */
    ensure(name: string): Promise<Team>;
    /** By name, case-insensitive. */
    get(name: string): Promise<Team | undefined>;
    byId(id: string): Promise<Team | undefined>;
    list(): Promise<Team[]>;
    /**
     * A new name (members follow: they belong by id). NotFoundError for an unknown id,
     * ConflictError when another team has the name (a change of case alone is allowed).
     */
    rename(id: string, name: string): Promise<{ before: Team; after: Team }>;
    /** Deletes the team; its members, answered as they were, belong to no team afterwards. */
    remove(id: string): Promise<{ team: Team; members: User[] }>;
    members(id: string): Promise<User[]>;
    /** A user belongs to one team: adding moves them from the one they were in. */
    addMember(id: string, userId: string): Promise<{ before: User; after: User }>;
    /** NotFoundError when the team or user is unknown or the user is not in this team. */
    removeMember(id: string, userId: string): Promise<{ before: User; after: User }>;
  };
  sessions: {
    create(session: SessionRecord): Promise<void>;
    get(id: string): Promise<SessionRecord | undefined>;
    touch(id: string, at: string): Promise<void>;
    revoke(id: string, at: string): Promise<void>;
    revokeUser(userId: string, at: string, except?: string): Promise<number>;
    /** Deletes sessions that expired or were revoked before `before`; answers how many. */
    purge(before: string): Promise<number>;
  };
  tokens: {
    create(token: ApiTokenRecord): Promise<void>;
    byHash(hash: string): Promise<ApiTokenRecord | undefined>;
    get(id: string): Promise<ApiTokenRecord | undefined>;
    /** Every token, or one user's. */
    list(userId?: string): Promise<ApiTokenRecord[]>;
    revoke(id: string, at: string): Promise<boolean>;
    touch(id: string, at: string): Promise<void>;
  };
  audit: {
    append(event: NewAuditEvent): Promise<AuditEvent>;
    /** Newest first. */
    list(filter: AuditFilter, page: PageRequest): Promise<PageResult<AuditEvent>>;
  };
  /** Sealed (encrypted) values by name; the store never sees a plaintext secret. */
  secrets: {
    put(name: string, sealed: string): Promise<void>;
    get(name: string): Promise<string | undefined>;
    remove(name: string): Promise<boolean>;
  };
  /** Configuration documents the server validates (the SSO settings): JSON by key. */
  config: {
    get(key: string): Promise<unknown>;
    put(key: string, value: unknown): Promise<void>;
  };
}

/** KPI snapshots and webhooks (server part 2). */
export interface OpsStore {
  kpiSnapshots: {
    /** One per day: a second snapshot of the same day replaces the first. */
    put(s: KpiSnapshot): Promise<void>;
    /** Days from `fromDay` to `toDay` (inclusive, YYYY-MM-DD), oldest first. */
    list(fromDay: string, toDay: string): Promise<KpiSnapshot[]>;
  };
  webhooks: {
    list(): Promise<Webhook[]>;
    get(id: string): Promise<Webhook | undefined>;
    save(w: Webhook): Promise<void>;
    /** Removes the webhook and its delivery log. */
    remove(id: string): Promise<boolean>;
  };
  deliveries: {
    put(d: WebhookDelivery): Promise<void>;
    /** Pending deliveries due at or before `at`, oldest first. */
    due(at: string, limit: number): Promise<WebhookDelivery[]>;
    /** One webhook's deliveries, newest first. */
    list(webhookId: string, page: PageRequest): Promise<PageResult<WebhookDelivery>>;
  };
}

export interface AppStore {
  /** Stored settings with the ctem.config.json overlay applied key by key. */
  settings(): Promise<Settings>;
  /** Keys set by the overlay: saving them is a ConflictError ("set in ctem.config.json"). */
  overlayKeys(): SettingsKey[];
  saveSettings(patch: SettingsPatch): Promise<void>;
  scanRuns: ScanRunStore;
  scopes: {
    list(): Promise<Scope[]>;
    get(idOrName: string): Promise<Scope | undefined>;
    save(scope: Scope): Promise<void>;
    remove(idOrName: string): Promise<boolean>;
  };
  currentAnalysis(): Promise<AnalysisRun | undefined>;
  listAnalyses(page: PageRequest): Promise<PageResult<AnalysisRun>>;
  /**
   * Removes what the demo estate left in the app tables (DESIGN "Demo estate"): demo issues with
   * their history, demo analyses (and the current analysis' outputs when it was one), and the KPI
   * snapshots taken since the first demo analysis. The graph side is GraphStore.removeSource("demo").
   */
  removeDemoData(): Promise<{ issues: number; analyses: number; kpiSnapshots: number }>;
  listIssues(filter: IssueFilter & { sort?: IssueSort }, page: PageRequest): Promise<PageResult<Issue>>;
  /** Every stored issue without paths, factors and remediation (what reconciliation reads). */
  issueStates(): Promise<IssueState[]>;
  /**
   * The entry and target ids of every issue not resolved (the pairs an analysis' search keeps
   * whatever its per-entry cap says), read without the issues' documents.
   */
  unresolvedIssuePairs(): Promise<Array<{ entryId: string; targetId: string }>>;
  /** By key or by alias (`ISS-12`, case-insensitive). */
  getIssue(keyOrAlias: string): Promise<Issue | undefined>;
  /** Applies a person's change and records it in the history. Never sets `resolved`. */
  updateIssue(key: string, change: IssueChange, actor: Actor, at?: string): Promise<Issue>;
  issueHistory(keyOrAlias: string): Promise<IssueEvent[]>;
  /**
   * Stores issues (assigning aliases), paths, tiers, finding priorities and the fix plan and makes
   * the run current, in one transaction. Assignee, comments and reasons of existing issues are kept.
   * `out.paths` are the issues' own paths, flattened: an adapter may store them with their issue
   * (the SQLite one does, in the issue's document) rather than a second time.
   */
  commitAnalysis(run: AnalysisRun, out: AnalysisOutput): Promise<void>;
  /** The current analysis' outputs. */
  tiers(): Promise<TierAssignment[]>;
  findingPriorities(): Promise<FindingPriority[]>;
  fixPlan(): Promise<FixPlanItem[]>;
  health(): Promise<{ ok: boolean; detail?: string }>;
  /** Users, teams, sessions, tokens, audit, secrets (server issue 1). */
  accounts: AccountStore;
  /** KPI snapshots, webhooks and deliveries (server issue 2). */
  ops: OpsStore;
}
