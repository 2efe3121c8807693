// The security graph on Neo4j, with the same claims semantics as the SQLite adapter (DESIGN
// "Claims, not owners"; mirror of sqlite/graph.ts). A scan runs in phases:
//   1. stage: every chunk is validated and written, in batches, as CtemStagedBatch payloads. A bad
//      fact or a failing chunk stream drops the staging: nothing of the scan reaches the graph.
//   2. apply: each staged batch becomes one write transaction of UNWIND … MERGE statements.
//   3. clean up, only once every batch succeeded: for each ok collector, stale claims are taken and
//      their items settled, STALE_BATCH claims per transaction; then unmatched findings are re-matched.
// A crash in 2 leaves the old data plus some updates, never a deletion. Transaction functions are
// retried by the driver on transient errors (deadlocks, leader switches), so they only compute from
// what they read inside the transaction and count into local variables.
//
// Batch size: Neo4j keeps a transaction's whole state on the heap (db.memory.transaction.max, and
// Aura's per-transaction limit). A batch holds at most BATCH_ITEMS facts and BATCH_BYTES (4 MiB) of
// fact JSON; in the graph each fact is written about three times (claim doc, JSON property, flat
// copies), so one transaction stays around 15 MiB even with the largest IAM policies — well inside
// the 512 MiB heap of a default Neo4j container — while 500 rows per UNWIND keeps round trips low.
import neo4j from "neo4j-driver";
import type { Driver } from "neo4j-driver";
import {
  CtemError,
  DerivedEdgeFact,
  EdgeFact,
  FindingFact,
  NodeFact,
  ScanRun,
  UNMATCHED_PREFIX,
  ValidationError,
  cveNodeId,
  findingKey,
  parseItem,
  sourceKeyString,
} from "@ctem/model";
import type {
  ApplyCounts,
  ApplySummary,
  DerivedEdgeFact as DerivedEdgeFactIn,
  Edge,
  GraphFacts,
  GraphStore,
  Node,
  SnapshotItem,
  SnapshotOptions,
  StructureSnapshotItem,
  SourceKey,
} from "@ctem/model";
import { DEFAULT_MATCH_RULES } from "../matcher.js";
import type { MatchRule } from "../matcher.js";
import { WriteLock } from "../sqlite/db.js";
import { decodeCursor, encodeCursor } from "../sqlite/paging.js";
import * as C from "./cypher.js";
import type { Cypher } from "./cypher.js";
import {
  claimProps,
  derivedRow,
  edgeFromRecord,
  edgeItem,
  edgeRow,
  findingCoreFromProps,
  findingDocOf,
  findingFromProps,
  findingItem,
  findingRow,
  findingSourceProps,
  hiddenRow,
  lookupRows,
  nodeFromProps,
  nodeItem,
  nodeRow,
  parseItemRef,
  reitemClaim,
  sourcesOf,
  stubRow,
  unmatchedDoc,
  unmatchedRef,
  upsertClaim,
} from "./mapping.js";
import type {
  ClaimProps,
  FindingCore,
  NodeRowParams,
  ParsedDerivedEdge,
  ParsedEdge,
  ParsedFinding,
  ParsedNode,
} from "./mapping.js";

export type Row = Record<string, unknown>;

/** One transaction: runs statements from cypher.ts only. */
export interface Tx {
  run(statement: Cypher, params?: Row): Promise<Row[]>;
}

/** How the adapter talks to Neo4j; the driver-backed one below, a recording fake in unit tests. */
export interface Neo4jRunner {
  /** A read transaction function (retried on transient errors). */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** A write transaction function (retried on transient errors). */
  write<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** An auto-commit statement: schema, and `CALL … IN TRANSACTIONS` clean-ups. */
  autoCommit(statement: Cypher, params?: Row): Promise<Row[]>;
  /** Streams the rows of several statements from one read transaction. */
  stream(statements: Array<[Cypher, Row]>): AsyncIterable<{ index: number; row: Row }>;
  close(): Promise<void>;
}

export interface Neo4jConnection {
  uri: string;
  user: string;
  password: string;
  database?: string;
}

export interface Neo4jGraphStoreOptions {
  matchRules?: MatchRule[];
  /** Facts per write transaction (default BATCH_ITEMS). */
  batchItems?: number;
  /** Fact JSON bytes per write transaction (default BATCH_BYTES). */
  batchBytes?: number;
  /** For the logs and health: where the graph lives (never with credentials). */
  describe?: string;
  clock?: () => Date;
}

export const BATCH_ITEMS = 500;
export const BATCH_BYTES = 4 * 1024 * 1024;
/** Stale claims taken (and their items settled) per transaction. */
export const STALE_BATCH = 1000;
/** Findings re-matched per transaction. */
export const REMATCH_BATCH = 500;
/** Attempts for an auto-commit statement failing with a transient error. */
const AUTOCOMMIT_ATTEMPTS = 4;
/** Staged batches older than this were left by a crashed process. */
const STAGE_ORPHAN_MS = 24 * 3600 * 1000;

const emptyCounts = (): ApplyCounts => ({ nodes: 0, edges: 0, findings: 0 });
const addCounts = (a: ApplyCounts, b: ApplyCounts) => {
  a.nodes += b.nodes;
  a.edges += b.edges;
  a.findings += b.findings;
};
const int = (n: number) => neo4j.int(n);
const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
const maxIso = (a: string | undefined, b: string) => (a !== undefined && a > b ? a : b);

interface StagedBatch {
  nodes: ParsedNode[];
  edges: ParsedEdge[];
  findings: ParsedFinding[];
}

interface NodeState {
  id: string;
  kind: string;
  provider: Node["provider"];
  stub: boolean;
  hidden: boolean;
  firstSeen: string;
  lastSeen: string;
  inventoryEdges: number;
  derivedEdges: number;
  cveReferenced: boolean;
}

/** A finding moving to another key (matched, or unmatched again); merged into one already there. */
interface Move {
  from: FindingCore & { firstSeen: string; lastSeen: string };
  to: FindingCore;
}

/** Removes user info from a URI, so that logs and errors never carry a secret. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z0-9+.-]+:\/\/)[^@/]*@/i, "$1");
}

/** The adapter over any runner (the driver's, or a test's). */
export function createNeo4jGraphStoreOnRunner(
  runner: Neo4jRunner,
  opts: Neo4jGraphStoreOptions = {},
): GraphStore {
  const rules = opts.matchRules ?? DEFAULT_MATCH_RULES;
  const batchItems = opts.batchItems ?? BATCH_ITEMS;
  const batchBytes = opts.batchBytes ?? BATCH_BYTES;
  const where = opts.describe ?? "neo4j";
  const now = () => (opts.clock ?? (() => new Date()))().toISOString();
  const lock = new WriteLock();

  async function readClaims(tx: Tx, items: string[]): Promise<Map<string, ClaimProps[]>> {
    const out = new Map<string, ClaimProps[]>();
    if (!items.length) return out;
    for (const r of await tx.run(C.CLAIMS_OF_ITEMS, { items: uniq(items) }))
      out.set(r.item as string, r.claims as ClaimProps[]);
    return out;
  }

  async function lookup(tx: Tx, resourceIdLists: string[][]): Promise<Map<string, string[]>> {
    const keys = uniq(resourceIdLists.flatMap((ids) => rules.flatMap((rule) => rule.keysForFinding(ids))));
    const out = new Map<string, string[]>();
    if (!keys.length) return out;
    for (const r of await tx.run(C.LOOKUP_FIND, { keys })) out.set(r.lookup as string, r.nodeIds as string[]);
    return out;
  }

  /** The same decision as the SQLite matcher: the first rule naming exactly one node wins. */
  function matchResource(
    found: Map<string, string[]>,
    ids: string[],
  ): { nodeId: string; rule: string } | undefined {
    for (const rule of rules) {
      const nodes = new Set<string>();
      for (const k of rule.keysForFinding(ids)) for (const n of found.get(k) ?? []) nodes.add(n);
      if (nodes.size === 1) return { nodeId: [...nodes][0]!, rule: rule.id };
      if (nodes.size > 1) return undefined; // ambiguous: a later, weaker rule must not guess
    }
    return undefined;
  }

  /**
   * After claims changed: rewrite each node from its claims, or turn it into a stub, keep it (a
   * CVE a finding names), hide it (only derived edges need it) or delete it. `seen` is the scan's
   * time when it described the nodes; undefined when only claims were removed.
   */
  async function settleNodes(tx: Tx, ids: string[], seen: string | undefined): Promise<number> {
    if (!ids.length) return 0;
    const rows = uniq(ids).map((id) => ({ id, cveRule: id.startsWith("cve:") ? id.slice(4) : null }));
    const states = new Map<string, NodeState>();
    for (const r of await tx.run(C.NODES_STATE, { rows }))
      states.set(r.id as string, r as unknown as NodeState);
    const claims = await readClaims(
      tx,
      rows.map((r) => nodeItem(r.id)),
    );
    const at = seen ?? now();
    const write: NodeRowParams[] = [];
    const lookups: ReturnType<typeof lookupRows> = [];
    const dropLookups: string[] = [];
    const del: string[] = [];
    let deleted = 0;
    for (const { id } of rows) {
      const st = states.get(id);
      const cl = claims.get(nodeItem(id)) ?? [];
      if (cl.length) {
        const visible = st && !st.hidden;
        const firstSeen = visible ? st.firstSeen : at;
        const lastSeen = visible ? (seen ? maxIso(st.lastSeen, seen) : st.lastSeen) : at;
        const row = nodeRow(id, cl, { firstSeen, lastSeen });
        write.push(row);
        dropLookups.push(id);
        const matchable = { id, kind: row.doc.kind, type: row.doc.type, props: row.doc.props };
        lookups.push(
          ...lookupRows(
            id,
            rules.flatMap((rule) => rule.keysFor(matchable)),
          ),
        );
        continue;
      }
      if (!st || st.hidden) continue;
      if (st.stub) {
        if (st.inventoryEdges > 0) continue;
        if (st.derivedEdges > 0) write.push(hiddenRow(id, at));
        else del.push(id);
        continue;
      }
      if (st.kind === "vulnerability" && st.cveReferenced) continue;
      dropLookups.push(id);
      if (st.inventoryEdges > 0) {
        write.push(stubRow(id, { firstSeen: st.firstSeen, lastSeen: st.lastSeen }, st.provider));
        continue;
      }
      deleted++;
      if (st.derivedEdges > 0) write.push(hiddenRow(id, at));
      else del.push(id);
    }
    if (dropLookups.length) await tx.run(C.LOOKUP_DELETE_FOR_NODES, { ids: dropLookups });
    if (write.length)
      await tx.run(C.NODE_WRITE, {
        rows: write.map(({ id, props, labels, dropLabels }) => ({ id, props, labels, dropLabels })),
      });
    if (lookups.length) await tx.run(C.LOOKUP_UPSERT, { rows: lookups });
    if (del.length) await tx.run(C.NODE_DELETE, { ids: del });
    return deleted;
  }

  /** After claims were removed from `items`: delete what has none left, recompute the rest. */
  async function settleItems(
    tx: Tx,
    items: string[],
  ): Promise<{ removed: ApplyCounts; deleted: ApplyCounts }> {
    const removed = emptyCounts();
    const deleted = emptyCounts();
    const nodes: string[] = [];
    const edges = new Map<string, { from: string; kind: string; to: string }>();
    const findings = new Map<string, string>();
    for (const item of items) {
      const ref = parseItemRef(item);
      if (ref.t === "n") {
        removed.nodes++;
        nodes.push(ref.id);
      } else if (ref.t === "e") {
        removed.edges++;
        edges.set(item, { from: ref.from, kind: ref.kind, to: ref.to });
      } else {
        removed.findings++;
        findings.set(item, ref.key);
      }
    }
    const candidates: string[] = [];
    if (edges.size) {
      const claims = await readClaims(tx, [...edges.keys()]);
      const gone = [...edges].filter(([item]) => !claims.get(item)?.length).map(([, e]) => e);
      const kept = [...edges].filter(([item]) => claims.get(item)?.length);
      if (gone.length) {
        const r = await tx.run(C.EDGE_DELETE, { rows: gone });
        deleted.edges += Number(r[0]?.deleted ?? 0);
        for (const e of gone) candidates.push(e.from, e.to);
      }
      if (kept.length)
        await tx.run(C.EDGE_SOURCES_SET, {
          rows: kept.map(([item, e]) => {
            const keys = sourcesOf(claims.get(item)!);
            return {
              ...e,
              sources: keys.map(sourceKeyString),
              sourceNames: uniq(keys.map((k) => k.source)).sort(),
            };
          }),
        });
    }
    if (findings.size) {
      const claims = await readClaims(tx, [...findings.keys()]);
      const goneKeys = [...findings].filter(([item]) => !claims.get(item)?.length).map(([, k]) => k);
      const kept = [...findings].filter(([item]) => claims.get(item)?.length);
      if (goneKeys.length) {
        const rules = (await tx.run(C.FINDINGS_BY_KEYS, { keys: goneKeys })).map(
          (r) => (r.f as Row).ruleId as string,
        );
        const r = await tx.run(C.FINDING_DELETE, { keys: goneKeys });
        deleted.findings += Number(r[0]?.deleted ?? 0);
        candidates.push(...rules.map(cveNodeId));
      }
      if (kept.length)
        await tx.run(C.FINDING_SOURCES_SET, {
          rows: kept.map(([item, key]) => findingSourceProps(key, claims.get(item)!)),
        });
    }
    deleted.nodes += await settleNodes(tx, uniq([...nodes, ...candidates]), undefined);
    return { removed, deleted };
  }

  /** Moves findings to their new keys, merging sources into a finding already there. */
  async function applyMoves(tx: Tx, moves: Move[]): Promise<void> {
    moves = moves.filter((m) => m.from.key !== m.to.key);
    if (!moves.length) return;
    const claims = await readClaims(tx, [
      ...moves.map((m) => findingItem(m.from.key)),
      ...moves.map((m) => findingItem(m.to.key)),
    ]);
    const targets = new Map<
      string,
      { core: FindingCore; firstSeen: string; lastSeen: string; claims: ClaimProps[] }
    >();
    for (const r of await tx.run(C.FINDINGS_BY_KEYS, { keys: uniq(moves.map((m) => m.to.key)) })) {
      const p = r.f as Row;
      const core = findingCoreFromProps(p);
      targets.set(core.key, {
        core,
        firstSeen: p.firstSeen as string,
        lastSeen: p.lastSeen as string,
        claims: claims.get(findingItem(core.key)) ?? [],
      });
    }
    const deleteCids: string[] = [];
    const deleteKeys: string[] = [];
    for (const m of moves) {
      const old = claims.get(findingItem(m.from.key)) ?? [];
      deleteCids.push(...old.map((c) => c.cid));
      deleteKeys.push(m.from.key);
      const moved = old.map((c) => reitemClaim(c, findingItem(m.to.key)));
      const t = targets.get(m.to.key);
      if (t) {
        for (const c of moved) t.claims = upsertClaim(t.claims, c);
        if (m.from.firstSeen < t.firstSeen) t.firstSeen = m.from.firstSeen;
        if (m.from.lastSeen > t.lastSeen) t.lastSeen = m.from.lastSeen;
      } else
        targets.set(m.to.key, {
          core: m.to,
          firstSeen: m.from.firstSeen,
          lastSeen: m.from.lastSeen,
          claims: moved,
        });
    }
    const written = [...targets.values()].filter((t) => moves.some((m) => m.to.key === t.core.key));
    await tx.run(C.CLAIMS_DELETE, { cids: deleteCids });
    await tx.run(C.FINDING_DELETE, { keys: deleteKeys });
    await tx.run(C.CLAIM_UPSERT, { claims: written.flatMap((t) => t.claims) });
    await tx.run(C.FINDING_UPSERT, {
      rows: written.map((t) =>
        findingRow(t.core, t.claims, { firstSeen: t.firstSeen, lastSeen: t.lastSeen }),
      ),
    });
  }

  /** Unmatched again where the asset is gone; matched where a node now answers. Returns how many matched. */
  async function rematch(): Promise<number> {
    for (;;) {
      const orphans = await runner.read((tx) => tx.run(C.FINDINGS_ORPHANED, { limit: int(REMATCH_BATCH) }));
      if (!orphans.length) break;
      const moves = orphans.map((r): Move => {
        const p = r.f as Row;
        const core = findingCoreFromProps(p);
        const ref = unmatchedRef(core.doc);
        return {
          from: { ...core, firstSeen: p.firstSeen as string, lastSeen: p.lastSeen as string },
          to: {
            ...core,
            key: findingKey(ref, core.ruleId, core.package),
            assetRef: ref,
            matched: false,
            doc: unmatchedDoc(core.doc),
          },
        };
      });
      await runner.write((tx) => applyMoves(tx, moves));
      if (orphans.length < REMATCH_BATCH) break;
    }
    let matched = 0;
    let after = "";
    for (;;) {
      const page = await runner.read((tx) =>
        tx.run(C.FINDINGS_UNMATCHED_PAGE, { after, limit: int(REMATCH_BATCH) }),
      );
      if (!page.length) break;
      after = (page[page.length - 1]!.f as Row).key as string;
      const cores = page.map((r) => ({
        core: findingCoreFromProps(r.f as Row),
        firstSeen: (r.f as Row).firstSeen as string,
        lastSeen: (r.f as Row).lastSeen as string,
      }));
      const n = await runner.write(async (tx) => {
        const found = await lookup(
          tx,
          cores.map((c) => c.core.doc.resource.ids),
        );
        const moves: Move[] = [];
        for (const { core, firstSeen, lastSeen } of cores) {
          const m = matchResource(found, core.doc.resource.ids);
          if (!m) continue;
          moves.push({
            from: { ...core, firstSeen, lastSeen },
            to: {
              ...core,
              key: findingKey(m.nodeId, core.ruleId, core.package),
              assetRef: m.nodeId,
              matched: true,
              doc: { ...core.doc, props: { ...core.doc.props, matchedBy: m.rule } },
            },
          });
        }
        await applyMoves(tx, moves);
        return moves.length;
      });
      matched += n;
      if (page.length < REMATCH_BATCH) break;
    }
    return matched;
  }

  /** Takes claims batch by batch (each batch with its settling in one transaction) until none is left. */
  async function takeAll(
    statement: Cypher,
    params: Row,
  ): Promise<{ removed: ApplyCounts; deleted: ApplyCounts }> {
    const removed = emptyCounts();
    const deleted = emptyCounts();
    for (;;) {
      const r = await runner.write(async (tx) => {
        const taken = await tx.run(statement, { ...params, limit: int(STALE_BATCH) });
        const settled = await settleItems(
          tx,
          taken.map((t) => t.item as string),
        );
        return { n: taken.length, ...settled };
      });
      addCounts(removed, r.removed);
      addCounts(deleted, r.deleted);
      if (r.n < STALE_BATCH) break;
    }
    return { removed, deleted };
  }

  interface BatchResult {
    stubsCreated: number;
    matched: number;
    unmatched: number;
    merged: number;
  }

  /** Phase 2: one staged batch, one transaction. Nodes first, so edges and findings of the batch see them. */
  async function applyBatch(tx: Tx, runId: string, seen: string, b: StagedBatch): Promise<BatchResult> {
    const res: BatchResult = { stubsCreated: 0, matched: 0, unmatched: 0, merged: 0 };
    if (b.nodes.length) {
      const claims: ClaimProps[] = [];
      for (const n of b.nodes) {
        const { id, sources, ...doc } = n;
        const docJson = JSON.stringify(doc);
        const seenKeys = new Set<string>();
        for (const s of sources) {
          if (seenKeys.has(sourceKeyString(s))) continue;
          seenKeys.add(sourceKeyString(s));
          claims.push(claimProps(nodeItem(id), s, runId, seen, { doc: docJson }));
        }
      }
      await tx.run(C.CLAIM_UPSERT, { claims });
      await settleNodes(
        tx,
        b.nodes.map((n) => n.id),
        seen,
      );
    }
    if (b.edges.length) {
      const endpoints = uniq(b.edges.flatMap((e) => [e.from, e.to]));
      const created = await tx.run(C.STUB_ENSURE, {
        rows: endpoints.map((id) => {
          const { props, labels, dropLabels } = stubRow(id, { firstSeen: seen, lastSeen: seen });
          return { id, props, labels, dropLabels };
        }),
      });
      res.stubsCreated += created.length;
      const claims = b.edges.flatMap((e) =>
        e.sources.map((s) => claimProps(edgeItem(e.from, e.kind, e.to), s, runId, seen)),
      );
      await tx.run(C.CLAIM_UPSERT, { claims });
      const byItem = await readClaims(
        tx,
        b.edges.map((e) => edgeItem(e.from, e.kind, e.to)),
      );
      const last = new Map<string, ParsedEdge>();
      for (const e of b.edges) last.set(edgeItem(e.from, e.kind, e.to), e);
      await tx.run(C.EDGE_UPSERT, {
        rows: [...last].map(([item, e]) => edgeRow(e, byItem.get(item) ?? [], seen)),
      });
    }
    if (b.findings.length) {
      const found = await lookup(
        tx,
        b.findings.map((f) => f.resource.ids),
      );
      const placed = b.findings.map((f) => {
        const m = matchResource(found, f.resource.ids);
        const assetRef = m ? m.nodeId : UNMATCHED_PREFIX + f.resource.ids[0]!;
        const core: FindingCore = {
          key: findingKey(assetRef, f.ruleId, f.package),
          assetRef,
          matched: !!m,
          kind: f.kind,
          ruleId: f.ruleId,
          package: f.package,
          doc: findingDocOf(f, m?.rule),
        };
        return { f, core };
      });
      const claimsByItem = await readClaims(
        tx,
        placed.map((p) => findingItem(p.core.key)),
      );
      const cores = new Map<string, FindingCore>();
      const newClaims: ClaimProps[] = [];
      for (const { f, core } of placed) {
        const item = findingItem(core.key);
        let list = claimsByItem.get(item) ?? [];
        let merged = false;
        for (const s of f.sources) {
          const c = claimProps(item, s.sourceKey, runId, seen, {
            tool: s.tool,
            severity: s.severity,
            ...(s.vector === undefined ? {} : { vector: s.vector }),
          });
          if (list.some((x) => x.cid !== c.cid)) merged = true;
          list = upsertClaim(list, c);
          newClaims.push(c);
        }
        claimsByItem.set(item, list);
        cores.set(core.key, core);
        if (merged) res.merged++;
        if (core.matched) res.matched++;
        else res.unmatched++;
      }
      await tx.run(C.CLAIM_UPSERT, { claims: newClaims });
      await tx.run(C.FINDING_UPSERT, {
        rows: [...cores.values()].map((core) =>
          findingRow(core, claimsByItem.get(findingItem(core.key)) ?? [], {
            firstSeen: seen,
            lastSeen: seen,
          }),
        ),
      });
    }
    return res;
  }

  async function dropStage(runId: string): Promise<void> {
    await runner.autoCommit(C.STAGE_DROP, { run: runId });
  }

  async function currentGeneration(tx: Tx): Promise<string | undefined> {
    const r = await tx.run(C.META_GET, { key: "derived_generation" });
    return (r[0]?.value as string | null | undefined) ?? undefined;
  }

  const store: GraphStore = {
    applyScan(runIn, chunks) {
      return lock.run(async () => {
        const run = parseItem(ScanRun, runIn, "scan run");
        const seen = run.startedAt;
        const summary: ApplySummary = {
          runId: run.id,
          written: emptyCounts(),
          claimsRemoved: emptyCounts(),
          deleted: emptyCounts(),
          stubsCreated: 0,
          findings: { matched: 0, unmatched: 0, merged: 0, rematched: 0 },
          collectors: [],
        };
        const perCollector = new Map<string, ApplyCounts>();
        for (const c of run.collectors)
          perCollector.set(
            sourceKeyString({ source: c.source, region: c.region, collector: c.collector }),
            emptyCounts(),
          );
        const countClaim = (k: SourceKey, what: string, id: string): ApplyCounts => {
          const s = sourceKeyString(k);
          const counts = perCollector.get(s);
          if (!counts)
            throw new ValidationError(
              `${what} '${id}': field sources: claim ${s} names no collector of run ${run.id}`,
              { item: id, field: "sources" },
            );
          return counts;
        };

        // Phase 1: validate and stage.
        let seq = 0;
        let batch: StagedBatch = { nodes: [], edges: [], findings: [] };
        let items = 0;
        let bytes = 0;
        const flush = async () => {
          if (!items) return;
          seq++;
          const payload = JSON.stringify(batch);
          const params = { run: run.id, seq: int(seq), at: now(), payload };
          await runner.write((tx) => tx.run(C.STAGE_PUT, params));
          batch = { nodes: [], edges: [], findings: [] };
          items = 0;
          bytes = 0;
        };
        const added = async (size: number) => {
          items++;
          bytes += size;
          if (items >= batchItems || bytes >= batchBytes) await flush();
        };
        try {
          let chunkNo = 0;
          for await (const chunk of chunks as AsyncIterable<GraphFacts>) {
            chunkNo++;
            const nodes = chunk.nodes ?? [];
            for (let i = 0; i < nodes.length; i++) {
              const n = parseItem(NodeFact, nodes[i], "node", `#${i} of chunk ${chunkNo}`);
              const seenKeys = new Set<string>();
              for (const s of n.sources) {
                const counts = countClaim(s, "node", n.id);
                if (seenKeys.has(sourceKeyString(s))) continue;
                seenKeys.add(sourceKeyString(s));
                counts.nodes++;
              }
              batch.nodes.push(n);
              summary.written.nodes++;
              await added(JSON.stringify(n).length);
            }
            const edges = chunk.edges ?? [];
            for (let i = 0; i < edges.length; i++) {
              const e = parseItem(EdgeFact, edges[i], "edge", `#${i} of chunk ${chunkNo}`);
              for (const s of e.sources) countClaim(s, "edge", `${e.from} -${e.kind}-> ${e.to}`).edges++;
              batch.edges.push(e);
              summary.written.edges++;
              await added(JSON.stringify(e).length);
            }
            const findings = chunk.findings ?? [];
            for (let i = 0; i < findings.length; i++) {
              const f = parseItem(FindingFact, findings[i], "finding", `#${i} of chunk ${chunkNo}`);
              for (const s of f.sources)
                countClaim(s.sourceKey, "finding", `${f.ruleId} on ${f.resource.ids[0]}`).findings++;
              batch.findings.push(f);
              summary.written.findings++;
              await added(JSON.stringify(f).length);
            }
          }
          await flush();
        } catch (e) {
          await dropStage(run.id).catch(() => undefined);
          throw e;
        }

        // Phase 2: apply, batch by batch. A failure stops here: nothing is deleted.
        try {
          for (let i = 1; i <= seq; i++) {
            const r = await runner.write(async (tx) => {
              const got = await tx.run(C.STAGE_GET, { run: run.id, seq: int(i) });
              const payload = got[0]?.payload;
              if (typeof payload !== "string")
                throw new CtemError("internal", `staged batch ${i} of run ${run.id} is missing`);
              return applyBatch(tx, run.id, seen, JSON.parse(payload) as StagedBatch);
            });
            summary.stubsCreated += r.stubsCreated;
            summary.findings.matched += r.matched;
            summary.findings.unmatched += r.unmatched;
            summary.findings.merged += r.merged;
          }
        } catch (e) {
          await dropStage(run.id).catch(() => undefined);
          throw e;
        }
        await dropStage(run.id);

        // Phase 3: every batch is in; clean up for the collectors whose listing succeeded.
        // Statuses are read now: the runner may have finished collectors while chunks streamed.
        const finalRun = parseItem(ScanRun, runIn, "scan run");
        for (const c of finalRun.collectors) {
          const k = { source: c.source, region: c.region, collector: c.collector };
          if (c.status === "ok") {
            const r = await takeAll(C.CLAIMS_TAKE_STALE, { key: sourceKeyString(k), run: run.id });
            addCounts(summary.claimsRemoved, r.removed);
            addCounts(summary.deleted, r.deleted);
          }
          summary.collectors.push({
            ...k,
            status: c.status,
            written: perCollector.get(sourceKeyString(k)) ?? emptyCounts(),
            cleanedUp: c.status === "ok",
          });
        }
        summary.findings.rematched = await rematch();
        return summary;
      });
    },

    removeSource(source) {
      return lock.run(async () => {
        await takeAll(C.CLAIMS_TAKE_SOURCE, { source });
        await rematch();
      });
    },

    async getNode(id) {
      const r = await runner.read((tx) => tx.run(C.NODE_GET, { id }));
      return r[0] ? nodeFromProps(r[0].n as Row) : undefined;
    },

    async listNodes(filter, page) {
      const list = (v: string | string[] | undefined) =>
        v === undefined ? null : Array.isArray(v) ? v : [v];
      const [afterValue, afterId] = page.cursor ? decodeCursor(page.cursor) : [null, null];
      const limit = Math.max(1, Math.min(page.limit, 10_000));
      const params = {
        kinds: list(filter.kind),
        types: list(filter.type),
        ids: filter.ids ?? null,
        provider: filter.provider ?? null,
        accountId: filter.accountId ?? null,
        region: filter.region ?? null,
        includeStubs: filter.includeStubs !== false,
        source: filter.source ?? null,
        q: filter.q ? filter.q.toLowerCase() : null,
        sort: filter.sort ?? "id",
        afterValue,
        afterId,
        limit: int(limit + 1),
      };
      const stmt = filter.order === "desc" ? C.NODES_PAGE_DESC : C.NODES_PAGE_ASC;
      const rows = await runner.read((tx) => tx.run(stmt, params));
      const items = rows.slice(0, limit).map((r) => nodeFromProps(r.n as Row));
      const last = rows.length > limit ? rows[limit - 1] : undefined;
      if (!last) return { items };
      return { items, next: encodeCursor([String(last.sv), String((last.n as Row).id)]) };
    },

    async listFindings(filter, page) {
      const limit = Math.max(1, Math.min(page.limit, 10_000));
      const params = {
        assetRef: filter.assetRef ?? null,
        ruleId: filter.ruleId ?? null,
        kind: filter.kind ?? null,
        matched: filter.matched ?? null,
        tool: filter.tool ?? null,
        source: filter.source ?? null,
        after: page.cursor ? decodeCursor(page.cursor)[1] : null,
        limit: int(limit + 1),
      };
      const rows = await runner.read((tx) => tx.run(C.FINDINGS_PAGE, params));
      const items = rows.slice(0, limit).map((r) => findingFromProps(r.f as Row));
      const last = items.length && rows.length > limit ? items[items.length - 1] : undefined;
      return last ? { items, next: encodeCursor([last.key, last.key]) } : { items };
    },

    async neighbours(id, opts) {
      const params = {
        id,
        out: opts.direction !== "in",
        in: opts.direction !== "out",
        kinds: opts.kinds ?? null,
      };
      const rows = await runner.read((tx) => tx.run(C.NEIGHBOURS, params));
      return rows.map((r) =>
        edgeFromRecord(r.fromId as string, r.kind as string, r.toId as string, r.r as Row),
      );
    },

    // One generator for both of the port's signatures: edgeDetail: false gives each edge's
    // structure alone (the same read; the rest of the edge is dropped here).
    snapshot: async function* (
      opts: SnapshotOptions = {},
    ): AsyncGenerator<SnapshotItem | StructureSnapshotItem> {
      for await (const { index, row } of runner.stream([
        [C.SNAPSHOT_NODES, {}],
        [C.SNAPSHOT_EDGES, {}],
        [C.SNAPSHOT_FINDINGS, {}],
      ])) {
        if (index === 0) yield { t: "node", v: nodeFromProps(row.n as Row) };
        else if (index === 1) {
          const e: Edge = edgeFromRecord(
            row.fromId as string,
            row.kind as string,
            row.toId as string,
            row.r as Row,
          );
          if (opts.derived === false && e.derived) continue;
          if (opts.edgeDetail === false)
            yield {
              t: "edge",
              v: { from: e.from, kind: e.kind, to: e.to, props: e.props, derived: e.derived },
            };
          else yield { t: "edge", v: e };
        } else yield { t: "finding", v: findingFromProps(row.f as Row) };
      }
    } as GraphStore["snapshot"],

    replaceDerived(analysisId, edges) {
      return lock.run(async () => {
        if (!analysisId) throw new ValidationError("replaceDerived: analysis id is empty");
        const at = now();
        const current = await runner.read(currentGeneration);
        if (current === analysisId)
          throw new CtemError(
            "conflict",
            `derived generation ${analysisId} is current; write a new generation`,
          );
        // A rewrite of a pending generation starts over; until it completes, it cannot be promoted.
        await runner.write((tx) => tx.run(C.META_DELETE, { key: `derived_pending:${analysisId}` }));
        await runner.autoCommit(C.DERIVED_DROP_GENERATION, { generation: analysisId });
        let batch: ParsedDerivedEdge[] = [];
        const flush = async () => {
          if (!batch.length) return;
          const rows = batch.map((e) => derivedRow(e, analysisId, at));
          const endpoints = uniq(batch.flatMap((e) => [e.from, e.to])).map((id) => {
            const { props, labels } = hiddenRow(id, at);
            return { id, props, labels };
          });
          await runner.write(async (tx) => {
            await tx.run(C.DERIVED_ENDPOINTS, { rows: endpoints });
            await tx.run(C.DERIVED_UPSERT, { rows, current: current ?? null });
          });
          batch = [];
        };
        let i = 0;
        for await (const raw of edges as AsyncIterable<DerivedEdgeFactIn>) {
          batch.push(parseItem(DerivedEdgeFact, raw, "derived edge", `#${i++}`));
          if (batch.length >= batchItems) await flush();
        }
        await flush();
        await runner.write((tx) => tx.run(C.META_SET, { key: `derived_pending:${analysisId}`, value: at }));
      });
    },

    promoteDerived(analysisId) {
      return lock.run(async () => {
        const promoted = await runner.write(async (tx) => {
          if ((await currentGeneration(tx)) === analysisId) return false;
          const pending = await tx.run(C.META_GET, { key: `derived_pending:${analysisId}` });
          if (pending[0]?.value == null)
            throw new CtemError("not_found", `no derived generation ${analysisId} was written`);
          await tx.run(C.META_SET, { key: "derived_generation", value: analysisId });
          await tx.run(C.META_DELETE_PENDING, {});
          return true;
        });
        if (!promoted) return;
        // Readers already see only the new generation; the old ones go in small transactions.
        await runner.autoCommit(C.DERIVED_DROP_OTHERS, { generation: analysisId });
        await runner.autoCommit(C.DERIVED_ENDPOINTS_PRUNE, {});
      });
    },

    async health() {
      try {
        const r = await runner.read((tx) => tx.run(C.HEALTH, {}));
        return { ok: true, detail: `${where}: ${Number(r[0]?.nodes ?? 0)} nodes` };
      } catch (e) {
        return { ok: false, detail: `${where}: ${(e as Error).message}` };
      }
    },

    async close() {
      await lock.run(() => undefined);
      await runner.close();
    },
  };
  return store;
}

/** A runner on the official driver: transaction functions with the driver's retries. */
export function driverRunner(driver: Driver, database?: string): Neo4jRunner {
  // One bookmark manager for every session: on a cluster or Aura, a read after a write (rematch
  // after a batch, getNode after applyScan) waits for that write instead of reading a lagging copy.
  const bookmarkManager = neo4j.bookmarkManager();
  const cfg = database ? { database, bookmarkManager } : { bookmarkManager };
  const wrap = (tx: { run(q: string, p?: Row): PromiseLike<{ records: { toObject(): Row }[] }> }): Tx => ({
    async run(statement, params) {
      const res = await tx.run(statement, params ?? {});
      return res.records.map((r) => r.toObject());
    },
  });
  return {
    async read(work) {
      const session = driver.session({ ...cfg, defaultAccessMode: neo4j.session.READ });
      try {
        return await session.executeRead((tx) => work(wrap(tx)));
      } finally {
        await session.close();
      }
    },
    async write(work) {
      const session = driver.session({ ...cfg, defaultAccessMode: neo4j.session.WRITE });
      try {
        return await session.executeWrite((tx) => work(wrap(tx)));
      } finally {
        await session.close();
      }
    },
    async autoCommit(statement, params) {
      // Auto-commit statements (schema, CALL … IN TRANSACTIONS) get no retries from the driver:
      // retry transient failures here, a few times with backoff. Each is idempotent.
      for (let attempt = 1; ; attempt++) {
        const session = driver.session({ ...cfg, defaultAccessMode: neo4j.session.WRITE });
        try {
          const res = await session.run(statement, params ?? {});
          return res.records.map((r) => r.toObject());
        } catch (e) {
          if (attempt >= AUTOCOMMIT_ATTEMPTS || !neo4j.isRetryableError(e)) throw e;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        } finally {
          await session.close();
        }
      }
    },
    async *stream(statements) {
      const session = driver.session({ ...cfg, defaultAccessMode: neo4j.session.READ });
      const tx = session.beginTransaction();
      try {
        for (let index = 0; index < statements.length; index++) {
          const [statement, params] = statements[index]!;
          for await (const record of tx.run(statement, params)) yield { index, row: record.toObject() };
        }
        await tx.commit();
      } finally {
        if (tx.isOpen()) await tx.rollback();
        await session.close();
      }
    },
    close: () => driver.close(),
  };
}

function neo4jCode(e: unknown): string {
  return e && typeof e === "object" && "code" in e ? String(e.code) : "";
}

/**
 * Connects, checks the credentials, creates constraints and indexes, and drops staging a crashed
 * process left. Fails with a CtemError ("unavailable") naming the URI — never the password — when
 * Neo4j cannot be reached or refuses the credentials.
 */
export async function createNeo4jGraphStore(
  conn: Neo4jConnection,
  opts: Neo4jGraphStoreOptions = {},
): Promise<GraphStore> {
  const uri = redactUri(conn.uri);
  const safe = (msg: string) => (conn.password ? msg.split(conn.password).join("***") : msg);
  let driver: Driver;
  try {
    driver = neo4j.driver(conn.uri, neo4j.auth.basic(conn.user, conn.password), {
      disableLosslessIntegers: true,
      maxTransactionRetryTime: 30_000,
      connectionAcquisitionTimeout: 30_000,
      userAgent: "ctem",
    });
  } catch (e) {
    throw new CtemError("unavailable", `Neo4j URI ${uri} is not usable: ${safe((e as Error).message)}`);
  }
  try {
    await driver.verifyConnectivity(conn.database ? { database: conn.database } : {});
  } catch (e) {
    await driver.close().catch(() => undefined);
    const code = neo4jCode(e);
    if (code.startsWith("Neo.ClientError.Security."))
      throw new CtemError(
        "unavailable",
        `Neo4j at ${uri} rejected the credentials of user '${conn.user}' (NEO4J_USER / NEO4J_PASSWORD): ${code}`,
      );
    throw new CtemError(
      "unavailable",
      `cannot reach Neo4j at ${uri} (NEO4J_URI): ${safe((e as Error).message)}`,
    );
  }
  const runner = driverRunner(driver, conn.database);
  try {
    for (const s of C.SCHEMA_STATEMENTS) await runner.autoCommit(s);
    await runner.autoCommit(C.STAGE_DROP_OLDER, {
      before: new Date(Date.now() - STAGE_ORPHAN_MS).toISOString(),
    });
  } catch (e) {
    await driver.close().catch(() => undefined);
    throw new CtemError(
      "unavailable",
      `Neo4j at ${uri}: cannot create the schema: ${safe((e as Error).message)}`,
    );
  }
  const describe = `neo4j ${uri}${conn.database ? ` (${conn.database})` : ""}`;
  return createNeo4jGraphStoreOnRunner(runner, { describe, ...opts });
}
