// The in-memory half of an analysis: derived attack edges in, issues' content out. Builds the
// compact graph, marks targets (tiered nodes; an identity that can make itself admin reaches a
// virtual "<id>#admin" node), scores entries and hops, runs the best-k search from every entry
// asset, and turns each (entry asset, target) pair into an issue body with paths, factors and a
// class. No I/O: analyze.ts feeds it from the stores, tests and what-if from memory.
import { INTERNET_NODE_ID, issueKey } from "@ctem/model";
import type { AttackPath, Factor, Finding, Hop, Settings, TierAssignment } from "@ctem/model";
import type { AdminEquivalent, Entry } from "../context.js";
import type { DerivedEdge } from "../edges.js";
import type { Estate, EstateNode } from "../graph.js";
import type { Observed } from "../issues/reconcile.js";
import { computeTiers } from "../jewels/tiers.js";
import { CompactGraph } from "../search/compact.js";
import { LabelSearch, potentials } from "../search/search.js";
import type { SearchSource } from "../search/search.js";
import { createScoreModel } from "../score/model.js";
import type { Likelihood, PathScore, ScoreModel } from "../score/model.js";
import { PRIORS, band, round2 } from "../score/priors.js";
import type { IntelLookup } from "../score/vuln.js";
import { pathClass, titleOf } from "./classes.js";
import { sortByScoreThenKey } from "./order.js";

export const ADMIN_SUFFIX = "#admin";
export const DEFAULT_K = 3;
/**
 * Issues kept per entry asset: its most severe targets. One over-privileged key reaching 170
 * buckets would otherwise be 170 issues; the kept ones say how many targets the entry reaches.
 */
export const MAX_TARGETS_PER_ENTRY = 10;

export interface CoreInput {
  estate: Estate;
  derived: { edges: DerivedEdge[]; entries: Entry[]; adminEquivalent: AdminEquivalent[] };
  findings: readonly Finding[];
  settings: Settings;
  lookup?: IntelLookup | undefined;
  k?: number | undefined;
}

export interface Source {
  node: number;
  entryId: string;
  via: "internet" | "access_key";
  /** The EXPOSES edge (index into edges) for internet entries. */
  exposes?: number;
  /** For a keyed identity that is itself admin-equivalent: its HAS_KEY hop (index into edges). */
  keyHop?: number;
  likelihood: Likelihood;
  entry: Entry;
}

export interface FoundIssuePath {
  /** Derived-edge indices, entry first. */
  edges: number[];
  /** The best path's score carries the factors; the others' `factors` are empty. */
  score: PathScore;
}

export interface PairResult {
  key: string;
  source: Source;
  targetId: string;
  /** How many targets the entry asset reaches in all (issues beyond MAX_TARGETS_PER_ENTRY are not kept). */
  entryTargets: number;
  /** The target is "<identity>#admin": the identity can make itself admin. */
  virtualAdmin: boolean;
  /** Best first. */
  paths: FoundIssuePath[];
}

export interface CoreState {
  input: CoreInput;
  edges: DerivedEdge[];
  /** For each compact edge position: the derived edge index. */
  gEdges: Int32Array;
  g: CompactGraph;
  isTarget: Uint8Array;
  tiers: Map<string, number>;
  tierAssignments: TierAssignment[];
  adminTier: number;
  sources: Source[];
  /** Admin-equivalent identities (and "#admin" nodes): paths end there. */
  stop: Uint8Array;
  model: ScoreModel;
  findingsByAsset: Map<string, Finding[]>;
  weight: Float64Array;
}

export const realId = (id: string): string =>
  id.endsWith(ADMIN_SUFFIX) ? id.slice(0, -ADMIN_SUFFIX.length) : id;

export function findingsIndex(
  findings: readonly Finding[],
  drop?: ReadonlySet<string>,
): Map<string, Finding[]> {
  const m = new Map<string, Finding[]>();
  for (const f of findings) {
    if (!f.matched || drop?.has(f.key)) continue;
    const list = m.get(f.assetRef);
    if (list) list.push(f);
    else m.set(f.assetRef, [f]);
  }
  return m;
}

/** Builds everything the search needs; `dropFindings` and `weightOverride` serve what-if. */
export function prepare(
  input: CoreInput,
  overlay: {
    dropFindings?: ReadonlySet<string>;
    imdsv2?: ReadonlySet<string>;
    removedEntries?: ReadonlySet<string>;
  } = {},
): CoreState {
  const { estate, derived, settings } = input;
  const admins = new Set(derived.adminEquivalent.map((a) => a.id));
  const tierAssignments = computeTiers(estate.nodes.values(), settings.crownJewels, admins);
  const tiers = new Map(tierAssignments.map((t) => [t.nodeId, t.tier]));
  const adminRule = settings.crownJewels.rules.find((r) => r.match.adminEquivalent === true);
  const adminTier = adminRule?.tier ?? 1;
  const excluded = new Set(settings.crownJewels.excluded);
  const findingsByAsset = findingsIndex(input.findings, overlay.dropFindings);
  const imdsv2 = overlay.imdsv2;
  const edges = imdsv2
    ? derived.edges.map((e) =>
        imdsv2.has(e.from) && e.kind === "RUNS_AS"
          ? { ...e, props: { ...e.props, httpTokens: "required" } }
          : e,
      )
    : derived.edges.slice();

  // Ids: every node, then endpoints of derived edges the estate lacks (virtual admin nodes among
  // them), in first-seen order; each traversable edge's endpoints numbered as they are interned.
  const ids: string[] = [];
  const index = new Map<string, number>();
  const intern = (id: string): number => {
    let i = index.get(id);
    if (i === undefined) {
      i = ids.length;
      index.set(id, i);
      ids.push(id);
    }
    return i;
  };
  // The estate's node of each number (undefined past the estate's nodes).
  const nodeAt: Array<EstateNode | undefined> = [];
  estate.nodes.forEach((n, id) => {
    intern(id);
    nodeAt.push(n);
  });
  // Sized for every derived edge; the traversable ones are the first `m`.
  const gAll = new Int32Array(edges.length);
  const gFrom = new Uint32Array(edges.length);
  const gTo = new Uint32Array(edges.length);
  // The number of each traversable edge's `to` as the estate names it (a self-loop's own node,
  // not its "#admin" node): weighing reads that node.
  const toAt = new Uint32Array(edges.length);
  let m = 0;
  const virtual: string[] = [];
  // The internet's edges (entries), in edge order: the sources below read these alone.
  const fromInternet: number[] = [];
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    if (e.from === INTERNET_NODE_ID) {
      fromInternet.push(i);
      continue;
    }
    let to = e.to;
    if (e.from === e.to) {
      if (e.props.outcome !== "admin") continue;
      to = e.from + ADMIN_SUFFIX;
      virtual.push(to);
    }
    gAll[m] = i;
    const f = (gFrom[m] = intern(e.from));
    const t = (gTo[m] = intern(to));
    toAt[m++] = to === e.to ? t : f;
  }
  while (nodeAt.length < ids.length) nodeAt.push(undefined);
  const gEdges = gAll.slice(0, m);
  const g = new CompactGraph(ids, index, { from: gFrom.subarray(0, m), to: gTo.subarray(0, m) });
  const isTarget = new Uint8Array(g.nodeCount);
  for (const t of tierAssignments) {
    const i = g.index.get(t.nodeId);
    if (i !== undefined) isTarget[i] = 1;
  }
  const stop = new Uint8Array(g.nodeCount);
  for (const a of admins) {
    const i = g.index.get(a);
    if (i !== undefined) stop[i] = 1;
  }
  for (const v of virtual) {
    const i = g.index.get(v)!;
    stop[i] = 1;
    if (!excluded.has(realId(v))) {
      isTarget[i] = 1;
      tiers.set(v, adminTier);
    }
  }

  const model = createScoreModel({ nodes: estate.nodes, findingsByAsset, tiers, lookup: input.lookup });
  const weight = new Float64Array(g.slotCount);
  // In derived-edge order (the edges are read in the order they were made; CSR order jumps about).
  const weights = model.weighEdges(edges, gEdges, toAt, nodeAt);
  for (let k = 0; k < gEdges.length; k++) weight[g.slotOf[k]!] = weights[k]!;

  const sources: Source[] = [];
  const entries = new Map(derived.entries.map((e) => [e.id, e]));
  const internet = entries.get(INTERNET_NODE_ID);
  if (internet)
    for (const i of fromInternet) {
      const e = edges[i]!;
      if (e.kind !== "EXPOSES") continue;
      const node = g.index.get(e.to);
      if (node === undefined) continue;
      sources.push({
        node,
        entryId: e.to,
        via: "internet",
        exposes: i,
        likelihood: model.exposedEntry(e),
        entry: internet,
      });
    }
  for (const en of derived.entries) {
    if (en.id === INTERNET_NODE_ID || overlay.removedEntries?.has(en.id)) continue;
    const node = g.index.get(en.id);
    if (node === undefined) continue;
    sources.push({
      node,
      entryId: en.id,
      via: "access_key",
      likelihood: model.keyEntry(en.id, en.assumptions),
      entry: en,
      // An admin-equivalent identity with an active key is an issue by itself: its one hop is
      // the key (an inventory edge, shown with the entry's evidence; never written as derived).
      ...(admins.has(en.id) && isTarget[node]
        ? {
            keyHop:
              edges.push({
                from: en.id,
                kind: "HAS_KEY" as const,
                to: en.evidence[0]?.ref ?? `${en.id}#access-key`,
                props: { rules: ["entry-access-key"] },
                evidence: en.evidence,
                assumptions: en.assumptions,
              }) - 1,
          }
        : {}),
    });
  }
  return {
    input,
    edges,
    gEdges,
    g,
    isTarget,
    tiers,
    tierAssignments,
    adminTier,
    sources,
    stop,
    model,
    findingsByAsset,
    weight,
  };
}

/** The best-k paths of every (entry asset, target) pair, scored. `mask` hides CSR slots (what-if). */
export function searchPairs(
  st: CoreState,
  opts: {
    mask?: Uint8Array | undefined;
    skipSources?: ReadonlySet<number> | undefined;
    /** Pairs kept whatever the per-entry cap says: open issues must not resolve because of it. */
    keep?: ReadonlySet<string> | undefined;
    /**
     * The same pairs as `keep`, as entry id → target ids (an issue's entry.id and target.id): a
     * reached pair is then looked up without hashing its key (a re-analysis reaches ~10× more
     * pairs than it keeps, and `keep` alone makes every one's key). When given, `keep` is not read.
     */
    keepPairs?: ReadonlyMap<string, ReadonlySet<string>> | undefined;
    /** false: no path carries factors (what-if compares scores only). */
    factors?: boolean | undefined;
  } = {},
): Map<string, PairResult> {
  const { g, edges, gEdges } = st;
  const k = st.input.k ?? DEFAULT_K;
  const active: Source[] = st.sources.filter((_, i) => !opts.skipSources?.has(i));
  const ss: SearchSource[] = active.map((s) => ({ node: s.node, p: s.likelihood.p }));
  const pairs = new Map<string, PairResult>();
  // Impact is at most 1, so a label whose probability is under floor / 10 cannot make an issue.
  const floor = PRIORS.issue_floor.value;
  const targetWeight = new Float64Array(g.nodeCount);
  for (let v = 0; v < g.nodeCount; v++)
    if (st.isTarget[v]) targetWeight[v] = st.model.tierWeight(g.ids[v]!).value;
  const potential = potentials(g, st.weight, targetWeight, { mask: opts.mask, stop: st.stop });
  const searchOpts = {
    k,
    weight: st.weight,
    isTarget: st.isTarget,
    stop: st.stop,
    mask: opts.mask,
    minProb: floor / 10,
    potential,
    reportWeight: targetWeight,
    coReach: Uint8Array.from(potential, (x) => (x > 0 ? 1 : 0)),
  };
  // Scores are made in two steps: the search's probability × the target's weight bounds the
  // score from above (it differs only by a public data store's access level), so it filters and
  // caps cheaply; the full factor lists are built for the kept paths alone. The per-entry cap is
  // applied as each source finishes, so only kept pairs are held (an entry may reach thousands).
  // A reached pair holds the search's slots until it is kept: most reached pairs fall to the
  // per-entry cap, and their issue key (a hash) is made only when a tie or `keep` asks for it.
  type Raw = {
    src: Source;
    target: number;
    key: string | undefined;
    /** Derived-edge indices of each path, entry first, and its bound. */
    found: Array<{ edges: number[]; bound: number }>;
    best: number;
    entryTargets: number;
  };
  const keyOf = (r: Raw): string => (r.key ??= issueKey(r.src.entryId, realId(g.ids[r.target]!)));
  const keepPairs = opts.keepPairs;
  const keepAny =
    (opts.keep !== undefined && opts.keep.size > 0) || (keepPairs !== undefined && keepPairs.size > 0);
  const isKept = (src: Source, target: number, key: () => string): boolean =>
    keepPairs
      ? keepPairs.get(src.entryId)?.has(realId(g.ids[target]!)) === true
      : opts.keep?.has(key()) === true;
  const raw = new Map<string, Raw>();
  const reached = new Map<string, number>();
  const byBound = (a: Raw, b: Raw) => b.best - a.best || keyOf(a).localeCompare(keyOf(b));
  const search = new LabelSearch(g, { ...searchOpts, done: () => flush() });
  // The current source's reached pairs as parallel arrays (no object per reached pair: most fall
  // to the cap): its target, its best bound, and its paths (label and bound, `k` per pair at most).
  // A source reaches each target at most k times (a node is settled at most k times).
  const perPair = Math.max(1, k);
  let targetCount = 0;
  for (let v = 0; v < g.nodeCount; v++) targetCount += st.isTarget[v]!;
  const pairAt = new Int32Array(g.nodeCount).fill(-1);
  // Typed arrays (and a keys array) sized once for every source: reset by count, never regrown.
  const cur = {
    src: undefined as Source | undefined,
    n: 0,
    targets: new Int32Array(targetCount),
    best: new Float64Array(targetCount),
    keys: new Array<string | undefined>(targetCount).fill(undefined),
    count: new Int32Array(targetCount),
    /** 1 for a pair among the first MAX while `flush` picks the kept ones past them. */
    top: new Uint8Array(targetCount),
    /** Pair i's paths are at i × perPair …: their labels and bounds. */
    labels: new Int32Array(targetCount * perPair),
    bounds: new Float64Array(targetCount * perPair),
  };
  const curKey = (i: number): string =>
    (cur.keys[i] ??= issueKey(cur.src!.entryId, realId(g.ids[cur.targets[i]!]!)));
  const curCmp = (a: number, b: number) => cur.best[b]! - cur.best[a]! || curKey(a).localeCompare(curKey(b));
  // Derived-edge index of a CSR slot.
  const slotEdge = (s: number): number => gEdges[g.eid[s]!]!;
  const flush = () => {
    const n = cur.n;
    if (n === 0) return;
    const src = cur.src!;
    reached.set(src.entryId, (reached.get(src.entryId) ?? 0) + n);
    // Pairs under the cap's threshold (the MAX-th best bound) are dropped unsorted: they would sort
    // after every kept one, and their keys are never made. The others' first MAX in the order a
    // stable sort by curCmp gives are picked by insertion (index order breaks a tie, as stability
    // would: a target and its "#admin" node share a key); the rest is never read, so it is not
    // sorted (tens of thousands of pairs tie at 100k assets). With `keep`, the kept pairs past
    // those MAX follow in the same order (a stable sort of them alone): only their keys are made.
    const ranked: number[] = [];
    const threshold =
      n > MAX_TARGETS_PER_ENTRY ? cur.best.slice(0, n).sort()[n - MAX_TARGETS_PER_ENTRY]! : -Infinity;
    for (let i = 0; i < n; i++) {
      if (!(cur.best[i]! >= threshold)) continue;
      if (ranked.length === MAX_TARGETS_PER_ENTRY && curCmp(i, ranked[MAX_TARGETS_PER_ENTRY - 1]!) >= 0)
        continue;
      let at = ranked.length < MAX_TARGETS_PER_ENTRY ? ranked.push(i) - 1 : MAX_TARGETS_PER_ENTRY - 1;
      while (at > 0 && curCmp(ranked[at - 1]!, i) > 0) {
        ranked[at] = ranked[at - 1]!;
        at--;
      }
      ranked[at] = i;
    }
    if (keepAny && n > ranked.length) {
      const top = cur.top;
      for (const i of ranked) top[i] = 1;
      const kept: number[] = [];
      for (let i = 0; i < n; i++) if (!top[i] && isKept(src, cur.targets[i]!, () => curKey(i))) kept.push(i);
      for (const i of ranked) top[i] = 0;
      kept.sort(curCmp);
      for (const i of kept) ranked.push(i);
    }
    for (const i of ranked) {
      const found = new Array<{ edges: number[]; bound: number }>(cur.count[i]!);
      for (let j = 0; j < found.length; j++) {
        const at = i * perPair + j;
        found[j] = { edges: search.mapped(cur.labels[at]!, slotEdge, src.exposes), bound: cur.bounds[at]! };
      }
      const key = curKey(i);
      raw.set(key, { src, target: cur.targets[i]!, key, found, best: cur.best[i]!, entryTargets: 0 });
    }
    for (let i = 0; i < n; i++) {
      pairAt[cur.targets[i]!] = -1;
      cur.keys[i] = undefined;
    }
    cur.n = 0;
  };
  search.run(ss, (si, target, prob, label) => {
    const bound = 10 * prob * targetWeight[target]!;
    if (bound < floor) return;
    const src = active[si]!;
    // a keyed identity that is itself a target: no hop to show
    if (src.exposes === undefined && search.depth(label) === 0) return;
    cur.src = src;
    let i = pairAt[target]!;
    if (i < 0) {
      i = pairAt[target] = cur.n++;
      cur.targets[i] = target;
      cur.best[i] = bound;
      cur.count[i] = 0;
    } else if (bound > cur.best[i]!) cur.best[i] = bound;
    const at = i * perPair + cur.count[i]!++;
    cur.labels[at] = label;
    cur.bounds[at] = bound;
  });
  for (const src of active) {
    if (src.keyHop === undefined) continue;
    const bound = 10 * src.likelihood.p * targetWeight[src.node]!;
    if (bound < floor) continue;
    const key = issueKey(src.entryId, src.entryId);
    reached.set(src.entryId, (reached.get(src.entryId) ?? 0) + 1);
    raw.set(key, {
      src,
      target: src.node,
      key,
      found: [{ edges: [src.keyHop], bound }],
      best: bound,
      entryTargets: 0,
    });
  }
  const byEntry = new Map<string, Raw[]>();
  for (const r of raw.values()) {
    const list = byEntry.get(r.src.entryId);
    if (list) list.push(r);
    else byEntry.set(r.src.entryId, [r]);
  }
  const kept = new Set<string>();
  for (const [entryId, list] of byEntry) {
    list.sort(byBound);
    list.forEach((r, i) => {
      if (i < MAX_TARGETS_PER_ENTRY || (keepAny && isKept(r.src, r.target, () => keyOf(r))))
        kept.add(keyOf(r));
      r.entryTargets = reached.get(entryId) ?? list.length;
    });
  }
  const after = (a: FoundIssuePath, b: FoundIssuePath) =>
    b.score.score - a.score.score || b.score.likelihood - a.score.likelihood;
  const build = (key: string, r: Raw): PairResult | undefined => {
    const targetId = g.ids[r.target]!;
    // Scored, and ordered best first as a stable sort by `after` would (an insertion sort: k paths).
    const paths: FoundIssuePath[] = [];
    for (let j = 0; j < r.found.length; j++) {
      const pathEdges = r.found[j]!.edges;
      const score = st.model.scorePath(r.src.likelihood, edges, targetId, false, pathEdges);
      if (!(score.score >= floor)) continue;
      const p = { edges: pathEdges, score };
      let at = paths.length;
      paths.push(p);
      while (at > 0 && after(paths[at - 1]!, p) > 0) {
        paths[at] = paths[at - 1]!;
        at--;
      }
      paths[at] = p;
    }
    if (!paths.length) return undefined;
    // The factors are the best path's alone (what the issue shows); the same numbers again.
    if (opts.factors !== false) {
      const best = paths[0]!;
      best.score = st.model.scorePath(r.src.likelihood, edges, targetId, true, best.edges);
    }
    return {
      key,
      source: r.src,
      targetId: realId(targetId),
      entryTargets: r.entryTargets,
      virtualAdmin: targetId.endsWith(ADMIN_SUFFIX),
      paths: paths.slice(), // exactly sized
    };
  };
  raw.forEach((r, key) => {
    if (!kept.has(key)) return;
    const pr = build(key, r);
    if (pr) pairs.set(key, pr);
  });
  return pairs;
}

const nodeRef = (n: EstateNode | undefined, id: string) => ({
  id,
  kind: n?.kind ?? "unknown",
  type: n?.type ?? "unknown",
  name: n?.name ?? id,
});

const hopMemo = new WeakMap<CoreState, Map<number, Hop>>();

/**
 * The hops of a path. One object per derived edge and analysis, shared by every path crossing it,
 * so the store serialises each hop's evidence once (and memory holds it once).
 */
export function hopsOf(st: CoreState, pathEdges: readonly number[]): Hop[] {
  let memo = hopMemo.get(st);
  if (!memo) hopMemo.set(st, (memo = new Map<number, Hop>()));
  return pathEdges.map((i) => {
    let h = memo.get(i);
    if (!h) {
      const e = st.edges[i]!;
      h = { from: e.from, to: e.to, edge: e.kind, evidence: e.evidence, assumptions: e.assumptions };
      memo.set(i, h);
    }
    return h;
  });
}

/** Issue bodies (without status and dates) for every pair. */
export function observe(st: CoreState, pairs: Map<string, PairResult>): Observed[] {
  const out: Observed[] = [];
  const nodes = st.input.estate.nodes;
  const admins = new Set(st.input.derived.adminEquivalent.map((a) => a.id));
  const owners = st.input.settings.owners.mappings;
  // An entry's (and a target's) reference is one object for all its issues.
  const entryRefs = new Map<string, Observed["entry"]>();
  const targetRefs = new Map<string, Observed["target"]>();
  // The issue's own factors, shared by value (the model's factor() would make a key string for
  // each of 4 per issue): by entry kind and source, and by number.
  const factor = st.model.factor;
  const entryFactors = { internet: new Map<string, Factor>(), access_key: new Map<string, Factor>() };
  const pathsFactors = new Map<number, Factor>();
  const targetsFactors = new Map<number, Factor>();
  const scoreFactors = new Map<number, Factor>();
  const byNumber = (m: Map<number, Factor>, name: string, value: number, source: string): Factor => {
    let f = m.get(value);
    if (!f) m.set(value, (f = factor(name, value, source)));
    return f;
  };
  const one = (pr: PairResult): Observed => {
    const best = pr.paths[0]!;
    const entryNode = nodes.get(pr.source.entryId);
    const targetNode = nodes.get(pr.targetId);
    const selfAdmin = pr.virtualAdmin;
    const tierId = selfAdmin ? pr.targetId + ADMIN_SUFFIX : pr.targetId;
    const tier = st.tiers.get(tierId) ?? null;
    const exposes = pr.source.exposes !== undefined ? st.edges[pr.source.exposes] : undefined;
    // Owner mappings (settings): a new issue goes to the team whose tag the entry or target carries.
    let team: string | undefined;
    for (const m of owners)
      if (entryNode?.tags[m.tag] === m.value || targetNode?.tags[m.tag] === m.value) {
        team = m.team;
        break;
      }
    const rule = pathClass(
      pr.source.via,
      entryNode,
      targetNode,
      pr.source.entryId === pr.targetId && !selfAdmin,
      selfAdmin || admins.has(pr.targetId),
    );
    const paths = new Array<AttackPath>(pr.paths.length);
    let confirmed = false;
    for (let i = 0; i < paths.length; i++) {
      const p = pr.paths[i]!;
      paths[i] = {
        likelihood: Math.min(1, Math.max(0, p.score.likelihood)),
        confidence: p.score.confidence,
        hops: hopsOf(st, p.edges),
      };
      if (p.score.confidence === "config_confirmed") confirmed = true;
    }
    const score = best.score.score;
    const entrySource = pr.source.entry.evidence[0]?.source ?? "engine";
    const byVia = entryFactors[pr.source.via];
    let entryFactor = byVia.get(entrySource);
    if (!entryFactor) byVia.set(entrySource, (entryFactor = factor("entry", pr.source.via, entrySource)));
    const bestFactors = best.score.factors;
    const factors = new Array<Factor>(bestFactors.length + 4);
    factors[0] = entryFactor;
    for (let i = 0; i < bestFactors.length; i++) factors[i + 1] = bestFactors[i]!;
    let i = bestFactors.length + 1;
    factors[i++] = byNumber(pathsFactors, "paths", pr.paths.length, "search: best-k loop-free paths");
    factors[i++] = byNumber(
      targetsFactors,
      "entry_targets",
      pr.entryTargets,
      "search: crown jewels this entry asset reaches",
    );
    factors[i++] = byNumber(scoreFactors, "score", score, "10 × likelihood × impact of the best path");
    let entry = entryRefs.get(pr.source.entryId);
    if (!entry) entryRefs.set(pr.source.entryId, (entry = nodeRef(entryNode, pr.source.entryId)));
    let target = targetRefs.get(tierId);
    if (!target)
      targetRefs.set(
        tierId,
        (target = {
          id: pr.targetId,
          kind: targetNode?.kind ?? "unknown",
          type: targetNode?.type ?? "unknown",
          name: targetNode?.name ?? pr.targetId,
          tier,
        }),
      );
    // Spelled out, `assignee` set after (last, as the spread it replaces put it): a literal ending
    // in a spread is made by the runtime, slower and bigger.
    const o: Observed = {
      key: pr.key,
      title: titleOf(rule, entryNode, targetNode, exposes, best.score, selfAdmin),
      rule,
      severity: band(score),
      score,
      confidence: confirmed ? "config_confirmed" : "theoretical",
      entry,
      target,
      paths,
      factors,
      remediation: [],
    };
    if (team) o.assignee = { team };
    return o;
  };
  for (const pr of pairs.values()) out.push(one(pr));
  return sortByScoreThenKey(
    out,
    (o) => o.score,
    (o) => o.key,
  );
}

export { round2 };
