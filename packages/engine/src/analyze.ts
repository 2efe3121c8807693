// engine.analyze(): the whole analysis on what is stored (DESIGN "The pipeline"). snapshot →
// derive → search → score → reconcile → fix plan, then the commit in DESIGN's order: a new
// derived generation (invisible) → AppStore.commitAnalysis (issues, paths, tiers, finding
// priorities, fix plan; one transaction; becomes current) → promoteDerived. A crash before the
// commit leaves the previous analysis served; after it, start-up promotes what is current.
import { randomUUID } from "node:crypto";
import { INTERNET_NODE_ID } from "@ctem/model";
import type {
  AnalysisRun,
  AppStore,
  Finding,
  GraphStore,
  IssueDraft,
  Node,
  StructureSnapshotItem,
  SourceKey,
  StoredPath,
} from "@ctem/model";
import { beginAnalysisCompiler } from "./compiler.js";
import { derive, derivedFacts } from "./derive.js";
import type { DeriveResult } from "./derive.js";
import { failedCollectorsOf } from "./failed.js";
import { Estate } from "./graph.js";
import { beginAnalysisHeap } from "./heap.js";
import type { AnalysisHeap } from "./heap.js";
import type { ActionCatalog } from "./iam/catalog.js";
import { buildFixPlan } from "./fixplan/plan.js";
import type { FixPlan } from "./fixplan/plan.js";
import { whatIf } from "./fixplan/whatif.js";
import type { WhatIfResult } from "./fixplan/whatif.js";
import { reconcile } from "./issues/reconcile.js";
import type { Observed, PreviousIssue } from "./issues/reconcile.js";
import { observe, prepare, searchPairs } from "./pipeline/core.js";
import type { CoreInput, CoreState, PairResult } from "./pipeline/core.js";
import { findingPriorities } from "./pipeline/findings.js";
import type { IntelLookup } from "./score/vuln.js";

export interface AnalyzeStores {
  graph: GraphStore;
  app: AppStore;
}

export interface AnalyzeOptions {
  /** Threat intel (a loaded `IntelIndex.lookup`); without it CVEs are scored from the reports alone. */
  lookup?: IntelLookup | undefined;
  now?: () => Date;
  /** Paths kept per (entry asset, target); default 3. */
  k?: number;
  /** Marks the analysis and its issues as demo; default: the graph holds only demo data. */
  demo?: boolean;
  id?: string;
  catalog?: ActionCatalog;
  progress?: (msg: string) => void;
  /**
   * Scope include/exclude: assets for which it returns false are left out of this analysis — no
   * paths through them (their edges are dropped before derive), no finding priorities for their
   * findings. The `internet` node is not an asset and is never filtered; findings not matched to
   * any asset are kept. What is stored is untouched (DESIGN "Claims").
   */
  assetFilter?: ((node: Node) => boolean) | undefined;
}

export interface Analysis {
  state: CoreState;
  pairs: Map<string, PairResult>;
  observed: Observed[];
  plan: FixPlan;
  derived: DeriveResult;
}

export interface AnalyzeResult {
  run: AnalysisRun;
  issues: IssueDraft[];
  analysis: Analysis;
}

/** A snapshot read in two steps (readSnapshot). */
export interface SnapshotRead {
  /** Every node and inventory edge (derived edges skipped). */
  estate: Estate;
  /** The findings, which the store reads while the caller works on the estate. Call once. */
  findings(): Promise<Finding[]>;
  /** Ends the reading when findings() will not be called (a failure in between). */
  close(): Promise<void>;
}

/**
 * Reads a store snapshot in the port's order (nodes, edges, findings): the estate now, the findings
 * when asked. The store reads them meanwhile (the SQLite adapter on its reader thread, while
 * derive runs here), so the caller derives without waiting for the findings. With `assetFilter`,
 * assets it rejects (never `internet`) are left out with every edge touching them and the
 * findings matched to them.
 */
export async function readSnapshot(
  graph: Pick<GraphStore, "snapshot">,
  assetFilter?: (node: Node) => boolean,
  /** Run once the store has been asked for the first item, while it starts reading. */
  whileFirst?: () => void,
): Promise<SnapshotRead> {
  const estate = new Estate();
  const excluded = new Set<string>();
  // With a filter, edges wait until the last node is read.
  const edges: Array<Parameters<Estate["addEdge"]>[0]> = [];
  // Edges as their structure alone: nothing else of an inventory edge is read here.
  const it = graph.snapshot({ derived: false, edgeDetail: false })[Symbol.asyncIterator]();
  let first: Finding | undefined;
  let r: IteratorResult<StructureSnapshotItem>;
  try {
    const firstItem = it.next();
    if (whileFirst) {
      // Its failure is the caller's to see (below), not an unhandled rejection meanwhile.
      firstItem.catch(() => undefined);
      whileFirst();
    }
    for (r = await firstItem; !r.done; r = await it.next()) {
      const item = r.value;
      if (item.t === "node") {
        const v = item.v;
        if (assetFilter && v.id !== INTERNET_NODE_ID && !assetFilter(v)) {
          excluded.add(v.id);
          continue;
        }
        // The snapshot's node as it is (a Node is an EstateNode with three more fields): no copy.
        estate.addNode(v);
      } else if (item.t === "edge") {
        if (!item.v.derived) {
          const v = item.v;
          const e = { from: v.from, kind: v.kind, to: v.to, props: v.props };
          if (assetFilter) edges.push(e);
          else estate.addEdge(e);
        }
      } else {
        first = item.v;
        break;
      }
    }
  } catch (e) {
    await it.return?.();
    throw e;
  }
  for (const e of edges) if (!excluded.has(e.from) && !excluded.has(e.to)) estate.addEdge(e);
  const keep = (f: Finding) => !(assetFilter && f.matched && excluded.has(f.assetRef));
  let open = !r.done;
  return {
    estate,
    async findings() {
      const out: Finding[] = [];
      if (first && keep(first)) out.push(first);
      if (!open) return out;
      open = false;
      try {
        for (let x = await it.next(); !x.done; x = await it.next()) {
          const item = x.value;
          if (item.t !== "finding") throw outOfOrder(item.t, "findings");
          if (keep(item.v)) out.push(item.v);
        }
      } catch (e) {
        await it.return?.();
        throw e;
      }
      return out;
    },
    async close() {
      if (!open) return;
      open = false;
      await it.return?.();
    },
  };
}

const outOfOrder = (what: string, after: string) =>
  new Error(
    `the graph store's snapshot gave a ${what} after its ${after} (the order is nodes, edges, findings)`,
  );

/**
 * Reads a store snapshot into the engine's estate (derived edges skipped) and the findings. With
 * `assetFilter`, assets it rejects (never `internet`) are left out with every edge touching them
 * and the findings matched to them.
 */
export async function loadSnapshot(
  graph: Pick<GraphStore, "snapshot">,
  assetFilter?: (node: Node) => boolean,
): Promise<{ estate: Estate; findings: Finding[] }> {
  const s = await readSnapshot(graph, assetFilter);
  return { estate: s.estate, findings: await s.findings() };
}

/** The in-memory analysis of an estate: what analyze() commits, and what what-if needs. */
export async function analyzeEstate(
  input: Omit<CoreInput, "derived"> & { derived?: DeriveResult },
  opts: {
    catalog?: ActionCatalog;
    failedCollectors?: readonly SourceKey[];
    /** Issue keys kept whatever the per-entry cap says (today's unresolved issues). */
    keep?: ReadonlySet<string>;
    /** The same as entry id → target ids (no key hashed per reached pair); `keep` is then not read. */
    keepPairs?: ReadonlyMap<string, ReadonlySet<string>>;
    /** Called as soon as derive has finished (analyze() starts the derived-edge write there). */
    onDerived?: (derived: DeriveResult) => void;
  } = {},
  stages?: Array<{ name: string; ms: number }>,
): Promise<Analysis> {
  const time = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const r = await f();
    stages?.push({ name, ms: Math.round(performance.now() - t0) });
    return r;
  };
  const derived =
    input.derived ??
    (await time("derive", () =>
      derive(input.estate, {
        ...(opts.failedCollectors ? { failedCollectors: opts.failedCollectors } : {}),
        ...(opts.catalog ? { catalog: opts.catalog } : {}),
      }),
    ));
  opts.onDerived?.(derived);
  const state = await time("prepare", () => prepare({ ...input, derived }));
  const pairs = await time("search", () =>
    searchPairs(state, { keep: opts.keep, keepPairs: opts.keepPairs }),
  );
  const observed = await time("score", () => observe(state, pairs));
  const plan = await time("fixplan", () => buildFixPlan(state, pairs));
  for (const o of observed) o.remediation = plan.byIssue.get(o.key) ?? [];
  return { state, pairs, observed, plan, derived };
}

/**
 * Unresolved issues as entry id → target ids: the pairs the per-entry cap must keep (an issue's key
 * is issueKey(entry.id, target.id)), looked up without hashing each reached pair's key. Read from
 * the store's narrow rows (AppStore.unresolvedIssuePairs), not the issues' states.
 */
async function unresolvedPairs(app: AppStore): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const { entryId, targetId } of await app.unresolvedIssuePairs()) {
    const set = out.get(entryId);
    if (set) set.add(targetId);
    else out.set(entryId, new Set([targetId]));
  }
  return out;
}

/**
 * The stored issues as reconciliation needs them: every issue's state, and the whole issue only for
 * those this analysis resolves (open before, not observed now).
 */
async function previousIssues(app: AppStore, observed: ReadonlySet<string>): Promise<PreviousIssue[]> {
  const states = await app.issueStates();
  const out: PreviousIssue[] = [];
  for (const s of states) {
    if (s.status === "resolved" || observed.has(s.key)) out.push(s);
    else out.push((await app.getIssue(s.key)) ?? s);
  }
  return out;
}

async function newestScanFinish(
  app: AppStore,
): Promise<{ at?: string; ids: string[]; bySource: Map<string, string> }> {
  const page = await app.scanRuns.list({ limit: 200 });
  const ids: string[] = [];
  const seen = new Set<string>();
  const bySource = new Map<string, string>();
  let at: string | undefined;
  for (const r of page.items) {
    if (r.status === "running" || !r.finishedAt) continue;
    if (!at || r.finishedAt > at) at = r.finishedAt;
    for (const c of r.collectors) {
      const prev = bySource.get(c.source);
      if (!prev || r.finishedAt > prev) bySource.set(c.source, r.finishedAt);
    }
    const sources = r.collectors.map((c) => c.source).join(",");
    if (!seen.has(sources)) {
      seen.add(sources);
      ids.push(r.id);
    }
  }
  return at ? { at, ids, bySource } : { ids, bySource };
}

export async function analyze(stores: AnalyzeStores, opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  // The process' heap policy while the analysis runs (heap.ts).
  const heap = beginAnalysisHeap();
  // And its compiler's (compiler.ts).
  const endCompiler = beginAnalysisCompiler();
  try {
    return await analyzeWithin(stores, opts, heap);
  } finally {
    endCompiler();
    heap.end();
  }
}

async function analyzeWithin(
  stores: AnalyzeStores,
  opts: AnalyzeOptions,
  heap: AnalysisHeap,
): Promise<AnalyzeResult> {
  const now = opts.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const id = opts.id ?? `analysis-${startedAt.replace(/[:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 8)}`;
  const stages: Array<{ name: string; ms: number }> = [];
  const say = opts.progress ?? (() => undefined);
  const t0 = performance.now();
  const [settings, failedCollectors, scans] = await Promise.all([
    stores.app.settings(),
    failedCollectorsOf(stores.app),
    newestScanFinish(stores.app),
  ]);
  // The heap policy's full collection runs while the store starts reading (the SQLite adapter's
  // reader thread starting): "heap", within "snapshot".
  let heapMs = 0;
  const snap = await readSnapshot(stores.graph, opts.assetFilter, () => (heapMs = heap.collect()));
  const { estate } = snap;
  stages.push({ name: "heap", ms: Math.round(heapMs) });
  stages.push({ name: "snapshot", ms: Math.round(performance.now() - t0) });
  // The derived generation is written while the search, scoring and reconciliation run (the SQLite
  // adapter writes it from a worker thread): it is invisible until promoted, and awaited before the
  // AppStore commit, so DESIGN's order (generation → commitAnalysis → promote) holds.
  let derivedWrite: { promise: Promise<void>; started: number; done?: number } | undefined;
  let demo: boolean;
  let keepPairs: Map<string, Set<string>>;
  let derived: DeriveResult;
  let findings: Finding[];
  // Until the findings are taken, a failure ends the snapshot's reading (its read transaction).
  try {
    demo =
      opts.demo ??
      (estate.nodes.size > 0 &&
        [...estate.nodes.values()].every(
          (n) => n.stub || n.kind === "internet" || n.sources.every((s) => s.source === "demo"),
        ));
    keepPairs = await unresolvedPairs(stores.app);
    // Derive first: the store reads the findings meanwhile (they matter from prepare on).
    const td = performance.now();
    derived = await derive(estate, { failedCollectors, ...(opts.catalog ? { catalog: opts.catalog } : {}) });
    stages.push({ name: "derive", ms: Math.round(performance.now() - td) });
    const tf = performance.now();
    findings = await snap.findings();
    stages.push({ name: "snapshot-findings", ms: Math.round(performance.now() - tf) });
  } catch (e) {
    await snap.close();
    throw e;
  }
  say(`analysis ${id}: ${estate.nodes.size} nodes, ${estate.edgeCount} edges, ${findings.length} findings`);
  const analysis = await analyzeEstate(
    { estate, findings, settings, lookup: opts.lookup, k: opts.k, derived },
    {
      ...(opts.catalog ? { catalog: opts.catalog } : {}),
      failedCollectors,
      keepPairs,
      onDerived: (d) => {
        const w: { promise: Promise<void>; started: number; done?: number } = {
          started: performance.now(),
          promise: stores.graph.replaceDerived(id, derivedFacts(d.edges)),
        };
        // Rejections surface where it is awaited; this only keeps an early one from going unhandled.
        w.promise.then(
          () => (w.done = performance.now()),
          () => undefined,
        );
        derivedWrite = w;
      },
    },
    stages,
  );
  const previous = await previousIssues(stores.app, new Set(analysis.observed.map((o) => o.key)));
  const t1 = performance.now();
  const prios = findingPriorities(analysis.state, analysis.pairs);
  stages.push({ name: "finding-priorities", ms: Math.round(performance.now() - t1) });
  const t2 = performance.now();
  const issues = reconcile({
    previous,
    observed: analysis.observed,
    now: startedAt,
    // A fix is verified by a scan of the data the path rests on: the newest run of any source
    // claiming the entry or the target (the newest scan at all when neither has a claim).
    lastScanFinishedAt: (o) => {
      let last: string | undefined;
      for (const id of [o.entry.id, o.target.id])
        for (const k of estate.node(id)?.sources ?? []) {
          const t = scans.bySource.get(k.source);
          if (t && (!last || t > last)) last = t;
        }
      return last ?? scans.at;
    },
    slaDays: settings.slaDays,
    demo,
  });
  stages.push({ name: "reconcile", ms: Math.round(performance.now() - t2) });
  // An explicit literal: spreading each path into a new object with two more keys is several times
  // slower and bigger in V8 (92k paths at 100k assets).
  const paths: StoredPath[] = [];
  for (const o of analysis.observed)
    o.paths.forEach((p, pathIndex) =>
      paths.push({
        likelihood: p.likelihood,
        confidence: p.confidence,
        hops: p.hops,
        issueKey: o.key,
        pathIndex,
      }),
    );
  const counts: Record<string, number> = {
    nodes: estate.nodes.size,
    edges: estate.edgeCount,
    findings: findings.length,
    derivedEdges: analysis.derived.edges.length,
    entries: analysis.state.sources.length,
    targets: analysis.state.tierAssignments.length,
    issues: analysis.observed.length,
    paths: paths.length,
    resolved:
      issues.filter((i) => i.status === "resolved").length -
      previous.filter((i) => i.status === "resolved").length,
    fixOptions: analysis.plan.items.length,
  };
  if (counts.resolved! < 0) counts.resolved = 0;
  const t3 = performance.now();
  if (!derivedWrite) throw new Error("analysis: derive did not run");
  await derivedWrite.promise;
  // derived-write: from the start of the write to its commit (mostly beside the stages above);
  // derived-wait: what the analysis still waited for it here.
  stages.push({
    name: "derived-write",
    ms: Math.round((derivedWrite.done ?? performance.now()) - derivedWrite.started),
  });
  stages.push({ name: "derived-wait", ms: Math.round(performance.now() - t3) });
  const run: AnalysisRun = {
    id,
    startedAt,
    finishedAt: now().toISOString(),
    status: "complete",
    scanRunIds: scans.ids,
    stages,
    counts,
    demo,
  };
  const t4 = performance.now();
  await stores.app.commitAnalysis(run, {
    issues,
    paths,
    tiers: analysis.state.tierAssignments,
    findingPriorities: prios,
    fixPlan: analysis.plan.items,
  });
  stages.push({ name: "app-commit", ms: Math.round(performance.now() - t4) });
  await stores.graph.promoteDerived(id);
  stages.push({ name: "commit", ms: Math.round(performance.now() - t3) });
  stages.push({ name: "total", ms: Math.round(performance.now() - t0) });
  return { run, issues, analysis };
}

/**
 * What-if on what is stored: analyses the graph as it is now (nothing is written) and applies the
 * fix-plan options `optionIds` to an overlay. For the API's what-if; the CLI and tests use whatIf().
 */
export async function whatIfStored(
  stores: AnalyzeStores,
  optionIds: readonly string[],
  opts: Pick<AnalyzeOptions, "lookup" | "k" | "catalog" | "assetFilter"> = {},
): Promise<WhatIfResult> {
  // An analysis as far as the fix plan: with an analysis' compiler policy (compiler.ts).
  const endCompiler = beginAnalysisCompiler();
  try {
    const [settings, failedCollectors, keepPairs] = await Promise.all([
      stores.app.settings(),
      failedCollectorsOf(stores.app),
      unresolvedPairs(stores.app),
    ]);
    const { estate, findings } = await loadSnapshot(stores.graph, opts.assetFilter);
    const a = await analyzeEstate(
      { estate, findings, settings, lookup: opts.lookup, k: opts.k },
      { ...(opts.catalog ? { catalog: opts.catalog } : {}), failedCollectors, keepPairs },
    );
    return whatIf(a.state, a.pairs, a.plan.options, optionIds);
  } finally {
    endCompiler();
  }
}
