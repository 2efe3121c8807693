// The security graph on SQLite, with DESIGN's claims: every node, edge and finding source records
// which collector of which source returned it. A scan adds its claims; for each collector whose
// listing succeeded it removes that collector's claims from what it did not return; items left with
// no claim are deleted (or kept as stubs while an edge still points at them). One scan is one
// transaction: a crash or a bad fact leaves the state before it.
import {
  CtemError,
  DerivedEdgeFact,
  EDGE_KIND_VALUES,
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
  Finding,
  FindingFilter,
  GraphFacts,
  GraphStore,
  SnapshotOptions,
  NeighbourOptions,
  Node,
  NodeFilter,
  PageRequest,
  PageResult,
  SourceKey,
} from "@ctem/model";
import type { z } from "zod";
import { DEFAULT_MATCH_RULES } from "../matcher.js";
import type { MatchRule } from "../matcher.js";
import { decodeCursor, encodeCursor, likePattern } from "./paging.js";
import type { Sqlite, SqliteHandle } from "./db.js";
import { FINDING_COLS, NODE_COLS, rowToEdge, rowToFinding, rowToNode } from "./rows.js";
import type { EdgeRow, FindingDoc, FindingRow, NodeRow } from "./rows.js";
import { snapshot } from "./snapshot.js";
import type { SnapshotRead } from "./snapshot.js";
import { derivedWriter } from "./derived-writer.mjs";
import type { DerivedChunk } from "./derived-writer.mjs";
import { InlineSink, WriterWorker } from "./write-sink.js";
import type { WriteSink } from "./write-sink.js";

type NodeDoc = Omit<z.output<typeof NodeFact>, "sources" | "id">;
type ParsedEdge = z.output<typeof EdgeFact>;
type ParsedFinding = z.output<typeof FindingFact>;

/** The provider an id most likely belongs to, for stubs (which have no description). */
function guessProvider(id: string): Node["provider"] {
  if (id.startsWith("arn:")) return "aws";
  if (id.startsWith("/subscriptions/") || id.startsWith("/providers/")) return "azure";
  if (id.startsWith("//")) return "gcp";
  return "generic";
}

const emptyCounts = (): ApplyCounts => ({ nodes: 0, edges: 0, findings: 0 });

export interface SqliteGraphStoreOptions {
  matchRules?: MatchRule[];
  /**
   * Where replaceDerived writes a generation: "inline" on the calling thread, "worker" from a worker
   * thread, "auto" (the default) inline below DERIVED_INLINE_MAX edges. Tests force each path.
   */
  derivedWrite?: "auto" | "inline" | "worker";
  /**
   * Where snapshot() reads: "inline" on the calling thread, "worker" on a worker thread, "auto" (the
   * default) on a worker for a large estate (snapshot.ts). Tests force each path.
   */
  snapshotRead?: SnapshotRead;
}

export function createSqliteGraphStore(h: SqliteHandle, opts: SqliteGraphStoreOptions = {}): GraphStore {
  const w = h.writer;
  const rules = opts.matchRules ?? DEFAULT_MATCH_RULES;
  const derivedMode = opts.derivedWrite ?? "auto";
  const snapshotMode = opts.snapshotRead ?? "auto";

  // --- prepared statements (writer) ---
  const q = {
    keyId: w.prepare<[string, string, string], { id: number }>(
      "SELECT id FROM claim_keys WHERE source = ? AND region = ? AND collector = ?",
    ),
    keyInsert: w.prepare("INSERT INTO claim_keys (source, region, collector) VALUES (?, ?, ?)"),
    keysOfSource: w.prepare<[string], { id: number }>("SELECT id FROM claim_keys WHERE source = ?"),
    nodeClaimUpsert: w.prepare(
      `INSERT INTO node_claims (node_id, key_id, run_id, seen_at, doc) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (node_id, key_id) DO UPDATE SET run_id = excluded.run_id, seen_at = excluded.seen_at, doc = excluded.doc`,
    ),
    nodeClaimDocs: w.prepare<[string], { doc: string }>(
      "SELECT doc FROM node_claims WHERE node_id = ? ORDER BY seen_at, key_id",
    ),
    nodeClaimCount: w.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM node_claims WHERE node_id = ?",
    ),
    nodeGet: w.prepare<[string], { kind: string; stub: number; first_seen: string }>(
      "SELECT kind, stub, first_seen FROM nodes WHERE id = ?",
    ),
    nodeUpsert: w.prepare(
      `INSERT INTO nodes (id, kind, type, provider, account_id, region, name, tags, props, stub, first_seen, last_seen)
       VALUES (@id, @kind, @type, @provider, @account_id, @region, @name, @tags, @props, 0, @seen, @seen)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, type = excluded.type, provider = excluded.provider,
         account_id = excluded.account_id, region = excluded.region, name = excluded.name, tags = excluded.tags,
         props = excluded.props, stub = 0, last_seen = max(nodes.last_seen, excluded.last_seen)`,
    ),
    stubInsert: w.prepare(
      `INSERT INTO nodes (id, kind, type, provider, account_id, region, name, tags, props, stub, first_seen, last_seen)
       VALUES (?, 'unknown', 'unknown', ?, NULL, NULL, ?, '{}', '{}', 1, ?, ?) ON CONFLICT (id) DO NOTHING`,
    ),
    makeStub: w.prepare(
      `UPDATE nodes SET kind = 'unknown', type = 'unknown', account_id = NULL, region = NULL, name = id,
       tags = '{}', props = '{}', stub = 1 WHERE id = ?`,
    ),
    nodeDelete: w.prepare("DELETE FROM nodes WHERE id = ?"),
    nodeKeysDelete: w.prepare("DELETE FROM node_keys WHERE node_id = ?"),
    nodeKeyInsert: w.prepare("INSERT OR IGNORE INTO node_keys (lookup_key, node_id) VALUES (?, ?)"),
    nodeByKey: w.prepare<[string], { node_id: string }>(
      "SELECT node_id FROM node_keys WHERE lookup_key = ? LIMIT 2",
    ),
    nodeReferenced: w.prepare<[string, string], { x: number }>(
      "SELECT 1 AS x FROM edges WHERE from_id = ? UNION ALL SELECT 1 FROM edges WHERE to_id = ? LIMIT 1",
    ),
    nodeExists: w.prepare<[string], { stub: number }>("SELECT stub FROM nodes WHERE id = ?"),
    edgeUpsert: w.prepare<unknown[], { id: number }>(
      `INSERT INTO edges (from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (from_id, kind, to_id) DO UPDATE SET props = excluded.props, evidence = excluded.evidence,
         assumptions = excluded.assumptions, last_seen = max(edges.last_seen, excluded.last_seen)
       RETURNING id`,
    ),
    edgeClaimUpsert: w.prepare(
      `INSERT INTO edge_claims (edge_id, key_id, run_id) VALUES (?, ?, ?)
       ON CONFLICT (edge_id, key_id) DO UPDATE SET run_id = excluded.run_id`,
    ),
    edgeClaimCount: w.prepare<[number], { n: number }>(
      "SELECT count(*) AS n FROM edge_claims WHERE edge_id = ?",
    ),
    edgeDelete: w.prepare<[number], { from_id: string; to_id: string }>(
      "DELETE FROM edges WHERE id = ? RETURNING from_id, to_id",
    ),
    findingGet: w.prepare<[string], { key: string; first_seen: string }>(
      "SELECT key, first_seen FROM findings WHERE key = ?",
    ),
    findingUpsert: w.prepare(
      `INSERT INTO findings (key, asset_ref, matched, rule_id, package, kind, doc, first_seen, last_seen)
       VALUES (@key, @asset_ref, @matched, @rule_id, @package, @kind, @doc, @seen, @seen)
       ON CONFLICT (key) DO UPDATE SET doc = excluded.doc, last_seen = max(findings.last_seen, excluded.last_seen)`,
    ),
    findingSourceUpsert: w.prepare(
      `INSERT INTO finding_sources (finding_key, key_id, tool, run_id, severity, vector, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (finding_key, key_id, tool) DO UPDATE SET run_id = excluded.run_id, severity = excluded.severity,
         vector = excluded.vector, last_seen = max(finding_sources.last_seen, excluded.last_seen)`,
    ),
    findingSourceCount: w.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM finding_sources WHERE finding_key = ?",
    ),
    findingOtherSources: w.prepare<[string, number, string], { n: number }>(
      "SELECT count(*) AS n FROM finding_sources WHERE finding_key = ? AND NOT (key_id = ? AND tool = ?)",
    ),
    findingDelete: w.prepare<[string], { rule_id: string }>(
      "DELETE FROM findings WHERE key = ? RETURNING rule_id",
    ),
    findingReferencesRule: w.prepare<[string], { x: number }>(
      "SELECT 1 AS x FROM findings WHERE rule_id = ? LIMIT 1",
    ),
    // Paged by key: a large import can leave 100k+ findings unmatched.
    unmatched: w.prepare<[string], { key: string; doc: string; rule_id: string; package: string }>(
      "SELECT key, doc, rule_id, package FROM findings WHERE matched = 0 AND key > ? ORDER BY key LIMIT 1000",
    ),
    orphanMatched: w.prepare<[], { key: string; doc: string; rule_id: string; package: string }>(
      "SELECT key, doc, rule_id, package FROM findings f WHERE matched = 1 AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id = f.asset_ref)",
    ),
    findingRekey: w.prepare("UPDATE findings SET key = ?, asset_ref = ?, matched = ?, doc = ? WHERE key = ?"),
    findingSourcesMove: w.prepare(
      `INSERT INTO finding_sources (finding_key, key_id, tool, run_id, severity, vector, first_seen, last_seen)
       SELECT ?, key_id, tool, run_id, severity, vector, first_seen, last_seen FROM finding_sources WHERE finding_key = ?
       ON CONFLICT (finding_key, key_id, tool) DO UPDATE SET run_id = excluded.run_id,
         first_seen = min(finding_sources.first_seen, excluded.first_seen), last_seen = max(finding_sources.last_seen, excluded.last_seen)`,
    ),
    findingSourcesDeleteOf: w.prepare("DELETE FROM finding_sources WHERE finding_key = ?"),
    findingFirstSeenMerge: w.prepare(
      "UPDATE findings SET first_seen = min(first_seen, ?), last_seen = max(last_seen, ?) WHERE key = ?",
    ),
    staleNodeClaims: w.prepare<[number, string], { node_id: string }>(
      "DELETE FROM node_claims WHERE key_id = ? AND run_id <> ? RETURNING node_id",
    ),
    staleEdgeClaims: w.prepare<[number, string], { edge_id: number }>(
      "DELETE FROM edge_claims WHERE key_id = ? AND run_id <> ? RETURNING edge_id",
    ),
    staleFindingSources: w.prepare<[number, string], { finding_key: string }>(
      "DELETE FROM finding_sources WHERE key_id = ? AND run_id <> ? RETURNING finding_key",
    ),
    metaGet: w.prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?"),
  };

  const keyIds = new Map<string, number>();
  function keyIdOf(k: SourceKey): number {
    const s = sourceKeyString(k);
    let id = keyIds.get(s);
    if (id === undefined) {
      id = q.keyId.get(k.source, k.region, k.collector)?.id;
      if (id === undefined) id = Number(q.keyInsert.run(k.source, k.region, k.collector).lastInsertRowid);
      keyIds.set(s, id);
    }
    return id;
  }

  // --- node merge ---
  function writeNodeRow(id: string, seen: string): void {
    const docs = q.nodeClaimDocs.all(id).map((r) => JSON.parse(r.doc) as NodeDoc);
    const last = docs[docs.length - 1];
    if (!last) return;
    let tags: Record<string, string> = {};
    let props: Record<string, unknown> = {};
    for (const d of docs) {
      tags = { ...tags, ...d.tags };
      props = { ...props, ...d.props };
    }
    q.nodeUpsert.run({
      id,
      kind: last.kind,
      type: last.type,
      provider: last.provider,
      account_id: last.accountId ?? null,
      region: last.region ?? null,
      name: last.name,
      tags: JSON.stringify(tags),
      props: JSON.stringify(props),
      seen,
    });
    q.nodeKeysDelete.run(id);
    const matchable = { id, kind: last.kind, type: last.type, props };
    for (const rule of rules) for (const k of rule.keysFor(matchable)) q.nodeKeyInsert.run(k, id);
  }

  /** After claims changed: recompute, turn into a stub, keep (a CVE a finding names), or delete. */
  function settleNode(id: string, counts: ApplyCounts): void {
    const row = q.nodeGet.get(id);
    if (!row) return;
    if (q.nodeClaimCount.get(id)!.n > 0) {
      writeNodeRow(id, ""); // "" keeps last_seen: nothing new was seen
      return;
    }
    if (row.stub === 1) {
      if (!q.nodeReferenced.get(id, id)) q.nodeDelete.run(id);
      return;
    }
    if (row.kind === "vulnerability" && id.startsWith("cve:") && q.findingReferencesRule.get(id.slice(4)))
      return;
    q.nodeKeysDelete.run(id);
    if (q.nodeReferenced.get(id, id)) q.makeStub.run(id);
    else {
      q.nodeDelete.run(id);
      counts.nodes++;
    }
  }

  /** Ids known to have a node row in the open transaction (nothing is deleted until its end). */
  const present = new Set<string>();
  function ensureEndpoint(id: string, seen: string): boolean {
    if (present.has(id)) return false;
    present.add(id);
    if (q.nodeExists.get(id)) return false;
    q.stubInsert.run(id, guessProvider(id), id, seen, seen);
    return true;
  }

  // --- findings ---
  function matchResource(ids: string[]): { nodeId: string; rule: string } | undefined {
    for (const rule of rules) {
      const found = new Set<string>();
      for (const k of rule.keysForFinding(ids)) for (const r of q.nodeByKey.all(k)) found.add(r.node_id);
      if (found.size === 1) return { nodeId: [...found][0]!, rule: rule.id };
      if (found.size > 1) return undefined; // ambiguous: a later, weaker rule must not guess
    }
    return undefined;
  }

  function findingDocOf(f: ParsedFinding, matchedBy: string | undefined): string {
    const { kind: _k, ruleId: _r, package: _p, sources: _s, ...rest } = f;
    const doc: FindingDoc = { ...rest, props: matchedBy ? { ...rest.props, matchedBy } : rest.props };
    return JSON.stringify(doc);
  }

  /** Moves a finding to a new key (after (re-)matching), merging into an existing one there. */
  function rekeyFinding(
    oldKey: string,
    newKey: string,
    assetRef: string,
    matched: boolean,
    doc: string,
  ): boolean {
    if (oldKey === newKey) return false;
    const existing = q.findingGet.get(newKey);
    if (existing) {
      const old = q.findingGet.get(oldKey);
      q.findingSourcesMove.run(newKey, oldKey);
      q.findingSourcesDeleteOf.run(oldKey);
      q.findingDelete.run(oldKey);
      if (old) q.findingFirstSeenMerge.run(old.first_seen, old.first_seen, newKey);
      return true;
    }
    q.findingSourcesMove.run(newKey, oldKey);
    q.findingSourcesDeleteOf.run(oldKey);
    q.findingRekey.run(newKey, assetRef, matched ? 1 : 0, doc, oldKey);
    return false;
  }

  function rematch(): number {
    let n = 0;
    // Findings whose asset is gone go back to unmatched, keeping the report's identifiers.
    for (const f of q.orphanMatched.all()) {
      const doc = JSON.parse(f.doc) as FindingDoc;
      const ref = UNMATCHED_PREFIX + doc.resource.ids[0]!;
      const { matchedBy: _m, ...props } = doc.props;
      rekeyFinding(
        f.key,
        findingKey(ref, f.rule_id, f.package),
        ref,
        false,
        JSON.stringify({ ...doc, props }),
      );
    }
    let after = "";
    for (;;) {
      const page = q.unmatched.all(after);
      if (page.length === 0) break;
      after = page[page.length - 1]!.key;
      for (const f of page) {
        const doc = JSON.parse(f.doc) as FindingDoc;
        const m = matchResource(doc.resource.ids);
        if (!m) continue;
        const newDoc = JSON.stringify({ ...doc, props: { ...doc.props, matchedBy: m.rule } });
        rekeyFinding(f.key, findingKey(m.nodeId, f.rule_id, f.package), m.nodeId, true, newDoc);
        n++;
      }
    }
    return n;
  }

  /** Removes the claims of `keyIds` not renewed by `runId` ("" removes them all) and settles what they touched. */
  function removeStaleClaims(keyIdList: number[], runId: string, seen: string, summary?: ApplySummary) {
    const claims = emptyCounts();
    const deleted = emptyCounts();
    const touchedNodes = new Set<string>();
    const touchedEdges = new Set<number>();
    const touchedFindings = new Set<string>();
    for (const k of keyIdList) {
      for (const r of q.staleNodeClaims.all(k, runId)) {
        touchedNodes.add(r.node_id);
        claims.nodes++;
      }
      for (const r of q.staleEdgeClaims.all(k, runId)) {
        touchedEdges.add(r.edge_id);
        claims.edges++;
      }
      for (const r of q.staleFindingSources.all(k, runId)) {
        touchedFindings.add(r.finding_key);
        claims.findings++;
      }
    }
    const stubCandidates = new Set<string>();
    for (const e of touchedEdges) {
      if (q.edgeClaimCount.get(e)!.n > 0) continue;
      const gone = q.edgeDelete.get(e);
      if (gone) {
        deleted.edges++;
        stubCandidates.add(gone.from_id);
        stubCandidates.add(gone.to_id);
      }
    }
    const cves = new Set<string>();
    for (const f of touchedFindings) {
      if (q.findingSourceCount.get(f)!.n > 0) continue;
      const gone = q.findingDelete.get(f);
      if (gone) {
        deleted.findings++;
        cves.add(cveNodeId(gone.rule_id));
      }
    }
    for (const id of touchedNodes) settleNode(id, deleted);
    for (const id of [...stubCandidates, ...cves]) if (!touchedNodes.has(id)) settleNode(id, deleted);
    if (summary) {
      summary.claimsRemoved = claims;
      summary.deleted = deleted;
    }
  }

  // --- reads ---
  const r = h.reader;
  const rq = {
    node: r.prepare<[string], NodeRow>(`SELECT ${NODE_COLS} FROM nodes n WHERE n.id = ?`),
  };

  function edgeSelect(where: string, derivedWhere: string): string {
    const inv = `SELECT e.from_id, e.kind, e.to_id, e.props, e.evidence, e.assumptions, e.first_seen, e.last_seen,
      (SELECT json_group_array(json_array(k.source, k.region, k.collector)) FROM edge_claims c JOIN claim_keys k ON k.id = c.key_id WHERE c.edge_id = e.id) AS srcs,
      0 AS derived FROM edges e WHERE ${where}`;
    return `${inv} UNION ALL ${derivedWhere}`;
  }

  // The current generation's derived edges from the stored form (migrations 7 and 8), with the
  // columns of the derived_edges view: the node's number among the generation's names, then its
  // rows by the primary key (edges from it, in key order) or by derived_rows_to (edges into it,
  // put in the primary key's order, as the old table's key walk gave them).
  const derivedSelect = (node: "from_id" | "to_id") => `SELECT
      (SELECT name FROM derived_names WHERE id = d.from_id) AS from_id,
      (SELECT name FROM derived_names WHERE id = d.kind) AS kind,
      (SELECT name FROM derived_names WHERE id = d.to_id) AS to_id,
      (SELECT text FROM derived_texts WHERE id = d.props) AS props,
      (SELECT text FROM derived_texts WHERE id = d.evidence) AS evidence,
      (SELECT text FROM derived_texts WHERE id = d.assumptions) AS assumptions,
      (SELECT at FROM derived_times WHERE id = d.first_seen) AS first_seen,
      (SELECT at FROM derived_times WHERE id = d.last_seen) AS last_seen,
      NULL AS srcs, 1 AS derived
    FROM derived_generations g
    JOIN derived_names n ON n.generation = g.id AND n.name = ?
    JOIN derived_rows d ${node === "to_id" ? "INDEXED BY derived_rows_to " : ""}ON d.${node} = n.id
    WHERE g.analysis_id = (SELECT value FROM meta WHERE key = 'derived_generation')`;
  const neighbourStmts = {
    out: r.prepare<[string, string], EdgeRow>(edgeSelect("e.from_id = ?", derivedSelect("from_id"))),
    in: r.prepare<[string, string], EdgeRow>(
      edgeSelect(
        "e.to_id = ?",
        `SELECT * FROM (${derivedSelect("to_id")} ORDER BY d.from_id, d.kind LIMIT -1)`,
      ),
    ),
  };

  const store: GraphStore = {
    applyScan(runIn, chunks) {
      return h.lock.run(async () => {
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
        const runKeys = new Map<string, SourceKey>();
        for (const c of run.collectors) {
          const k = { source: c.source, region: c.region, collector: c.collector };
          runKeys.set(sourceKeyString(k), k);
          perCollector.set(sourceKeyString(k), emptyCounts());
        }
        const claimKey = (k: SourceKey, what: string, id: string): { keyId: number; counts: ApplyCounts } => {
          const s = sourceKeyString(k);
          const counts = perCollector.get(s);
          if (!counts)
            throw new ValidationError(
              `${what} '${id}': field sources: claim ${s} names no collector of run ${run.id}`,
              { item: id, field: "sources" },
            );
          return { keyId: keyIdOf(k), counts };
        };

        present.clear();
        w.exec("BEGIN IMMEDIATE");
        try {
          let chunkNo = 0;
          for await (const chunk of chunks as AsyncIterable<GraphFacts>) {
            chunkNo++;
            const nodes = chunk.nodes ?? [];
            for (let i = 0; i < nodes.length; i++) {
              const n = parseItem(NodeFact, nodes[i], "node", `#${i} of chunk ${chunkNo}`);
              const { id, sources, ...doc } = n;
              const docJson = JSON.stringify(doc);
              const seenKeys = new Set<string>();
              for (const s of sources) {
                if (seenKeys.has(sourceKeyString(s))) continue;
                seenKeys.add(sourceKeyString(s));
                const { keyId, counts } = claimKey(s, "node", id);
                q.nodeClaimUpsert.run(id, keyId, run.id, seen, docJson);
                counts.nodes++;
              }
              writeNodeRow(id, seen);
              present.add(id);
              summary.written.nodes++;
            }
            const edges = chunk.edges ?? [];
            for (let i = 0; i < edges.length; i++) {
              const e: ParsedEdge = parseItem(EdgeFact, edges[i], "edge", `#${i} of chunk ${chunkNo}`);
              const id = `${e.from} -${e.kind}-> ${e.to}`;
              if (ensureEndpoint(e.from, seen)) summary.stubsCreated++;
              if (ensureEndpoint(e.to, seen)) summary.stubsCreated++;
              const edgeId = q.edgeUpsert.get(
                e.from,
                e.kind,
                e.to,
                JSON.stringify(e.props),
                JSON.stringify(e.evidence),
                JSON.stringify(e.assumptions),
                seen,
                seen,
              )!.id;
              for (const s of e.sources) {
                const { keyId, counts } = claimKey(s, "edge", id);
                q.edgeClaimUpsert.run(edgeId, keyId, run.id);
                counts.edges++;
              }
              summary.written.edges++;
            }
            const findings = chunk.findings ?? [];
            for (let i = 0; i < findings.length; i++) {
              const f: ParsedFinding = parseItem(
                FindingFact,
                findings[i],
                "finding",
                `#${i} of chunk ${chunkNo}`,
              );
              const m = matchResource(f.resource.ids);
              const assetRef = m ? m.nodeId : UNMATCHED_PREFIX + f.resource.ids[0]!;
              const key = findingKey(assetRef, f.ruleId, f.package);
              q.findingUpsert.run({
                key,
                asset_ref: assetRef,
                matched: m ? 1 : 0,
                rule_id: f.ruleId,
                package: f.package,
                kind: f.kind,
                doc: findingDocOf(f, m?.rule),
                seen,
              });
              let merged = false;
              for (const s of f.sources) {
                const { keyId, counts } = claimKey(
                  s.sourceKey,
                  "finding",
                  `${f.ruleId} on ${f.resource.ids[0]}`,
                );
                if (q.findingOtherSources.get(key, keyId, s.tool)!.n > 0) merged = true;
                q.findingSourceUpsert.run(
                  key,
                  keyId,
                  s.tool,
                  run.id,
                  s.severity,
                  s.vector ?? null,
                  seen,
                  seen,
                );
                counts.findings++;
              }
              if (merged) summary.findings.merged++;
              if (m) summary.findings.matched++;
              else summary.findings.unmatched++;
              summary.written.findings++;
            }
          }
          // Statuses are read now: the runner may have finished collectors while chunks streamed.
          const finalRun = parseItem(ScanRun, runIn, "scan run");
          const okKeys: number[] = [];
          for (const c of finalRun.collectors) {
            const k = { source: c.source, region: c.region, collector: c.collector };
            if (c.status === "ok") okKeys.push(keyIdOf(k));
            summary.collectors.push({
              ...k,
              status: c.status,
              written: perCollector.get(sourceKeyString(k)) ?? emptyCounts(),
              cleanedUp: c.status === "ok",
            });
          }
          present.clear();
          removeStaleClaims(okKeys, run.id, seen, summary);
          summary.findings.rematched = rematch();
          w.exec("COMMIT");
        } catch (e) {
          if (w.inTransaction) w.exec("ROLLBACK");
          present.clear();
          keyIds.clear(); // ids inserted in the rolled-back transaction are gone
          throw e;
        }
        return summary;
      });
    },

    removeSource(source) {
      return h.lock.run(() => {
        const now = new Date().toISOString();
        w.transaction(() => {
          const ids = q.keysOfSource.all(source).map((r) => r.id);
          removeStaleClaims(ids, "", now);
          rematch();
        })();
      });
    },

    getNode(id) {
      const row = rq.node.get(id);
      return Promise.resolve(row ? rowToNode(row) : undefined);
    },

    listNodes(filter, page) {
      return Promise.resolve(listNodes(r, filter, page));
    },

    listFindings(filter, page) {
      return Promise.resolve(listFindings(r, filter, page));
    },

    neighbours(id, opts: NeighbourOptions) {
      const rows: EdgeRow[] = [];
      if (opts.direction === "out" || opts.direction === "both") rows.push(...neighbourStmts.out.all(id, id));
      if (opts.direction === "in" || opts.direction === "both")
        rows.push(
          ...neighbourStmts.in.all(id, id).filter((e) => !(opts.direction === "both" && e.from_id === id)),
        );
      const kinds = opts.kinds ? new Set<string>(opts.kinds) : undefined;
      return Promise.resolve(rows.filter((e) => !kinds || kinds.has(e.kind)).map((e) => rowToEdge(e)));
    },

    // One function for both of the port's signatures (edgeDetail: false gives structure items).
    snapshot: ((opts: SnapshotOptions = {}) =>
      snapshot(
        h,
        opts.derived !== false,
        snapshotMode,
        undefined,
        opts.edgeDetail !== false,
      )) as GraphStore["snapshot"],

    replaceDerived(analysisId, edges) {
      // Starts in this call when no other write holds or waits for the lock: the edges are then
      // validated and serialised before the caller goes on, and the SQLite work of a large
      // generation runs on a worker thread while the caller works (analyze: search, scoring).
      // The lock is held until the generation is committed (or rolled back).
      return h.lock.runNow(async () => {
        if (!analysisId) throw new ValidationError("replaceDerived: analysis id is empty");
        const now = new Date().toISOString();
        const current = q.metaGet.get("derived_generation")?.value;
        if (current === analysisId)
          throw new CtemError(
            "conflict",
            `derived generation ${analysisId} is current; write a new generation`,
          );
        // Each fact is validated and serialised as it comes. Up to DERIVED_INLINE_MAX edges they
        // are written here; past it a writer thread starts and takes them in chunks while the rest
        // come. A bad fact (the first in input order) stops it all: nothing of the generation stays.
        const job = { file: h.file, analysisId, previous: current ?? "", now };
        const rows = new DerivedRows();
        const kept: RowChunk[] = [];
        let thread: WriterThread | undefined;
        const flush = () => {
          if (
            !thread &&
            (derivedMode === "worker" || (derivedMode === "auto" && rows.count > DERIVED_INLINE_MAX))
          ) {
            thread = new WriterThread(job, kept.splice(0));
            h.background(thread.exited);
          }
          if (thread) thread.send(rows.take());
          else kept.push(rows.take());
        };
        try {
          if (Symbol.iterator in edges)
            for (const raw of edges) {
              rows.add(raw);
              if (rows.pending >= DERIVED_CHUNK_ROWS) flush();
            }
          else
            for await (const raw of edges) {
              rows.add(raw);
              if (rows.pending >= DERIVED_CHUNK_ROWS) flush();
            }
          flush();
        } catch (e) {
          if (thread) await thread.abort();
          throw e;
        }
        if (thread) return thread.finish();
        const writer = derivedWriter(w, analysisId, job.previous, now);
        try {
          writer.begin();
          for (const c of kept) writer.add(c);
          writer.commit();
        } catch (e) {
          writer.rollback();
          throw e;
        }
      });
    },

    promoteDerived(analysisId) {
      return h.lock.run(() => {
        w.transaction(() => promoteDerivedSync(w, analysisId))();
      });
    },

    health() {
      try {
        const n = r.prepare<[], { n: number }>("SELECT count(*) AS n FROM nodes").get()!.n;
        return Promise.resolve({ ok: true, detail: `sqlite ${h.file}: ${n} nodes` });
      } catch (e) {
        return Promise.resolve({ ok: false, detail: `sqlite ${h.file}: ${(e as Error).message}` });
      }
    },

    close() {
      return Promise.resolve();
    },
  };
  return store;
}

/**
 * Makes generation `analysisId` the one readers see; the others are retired (readers never see them
 * again) and their rows dropped by the next replaceDerived, on its writer thread, rather than here
 * inside the analysis commit (392k rows at 100k assets: 1.4-3 s there). Runs inside the caller's
 * transaction, so the SQLite AppStore can promote in the same transaction as commitAnalysis: reads
 * on `w`, writes to `sink` (the AppStore's commit may be written by a writer thread).
 */
export function promoteDerivedSync(w: Sqlite, analysisId: string, sink: WriteSink = new InlineSink(w)): void {
  const current = w
    .prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?")
    .get("derived_generation");
  if (current?.value === analysisId) return;
  const pending = w
    .prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?")
    .get(`derived_pending:${analysisId}`);
  if (!pending) throw new CtemError("not_found", `no derived generation ${analysisId} was written`);
  sink.run(
    sink.stmt(
      "INSERT INTO meta (key, value) VALUES ('derived_generation', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),
    [analysisId],
  );
  sink.run(sink.stmt("DELETE FROM meta WHERE key LIKE 'derived_pending:%'"), []);
}

// --- derived generations: validation and serialisation on the calling thread ---

/**
 * Up to this many edges a generation is written on the calling thread. Starting the writer thread
 * (a new isolate, better-sqlite3, a connection) takes about 100 ms before its first insert (500
 * edges: 10 ms inline, 100-370 ms through the thread, on the 2-core bench machine), and 5,000
 * edges written inline block the caller about as long (80-150 ms); the many small generations of
 * tests and small estates need no thread.
 */
const DERIVED_INLINE_MAX = 5_000;
/** Rows a message to the writer thread. */
const DERIVED_CHUNK_ROWS = 10_000;

const WRITER_URL = new URL("./derived-writer.mjs", import.meta.url);

interface WriterJob {
  file: string;
  analysisId: string;
  previous: string;
  now: string;
}

/** The next entries of the text and name tables, and the next rows (derived-writer.d.mts). */
type RowChunk = DerivedChunk;

/**
 * What separates the texts of a chunk sent to the writer thread: JSON.stringify never leaves a
 * control character unescaped, so no text holds it.
 */
const TEXT_SEPARATOR = "\u0001";

/**
 * A generation written from a worker thread with its own connection (derived-writer.mjs): it
 * begins the transaction at once, takes the rows as they come, and writes them on `finish`.
 */
class WriterThread {
  private readonly thread: WriterWorker;
  /** Resolves once the thread has exited. */
  readonly exited: Promise<void>;
  constructor(job: WriterJob, chunks: RowChunk[]) {
    this.thread = new WriterWorker(
      WRITER_URL,
      { ctemDerivedWriter: job },
      `derived generation ${job.analysisId}`,
    );
    this.exited = this.thread.exited;
    for (const c of chunks) this.send(c);
  }

  /**
   * Sends a chunk, its texts joined into one string (derived-writer.mjs): a string is copied as it
   * is, where cloned one by one the 175k texts of a 100k estate's generation took 0.36 s to read
   * back (v8.deserialize).
   */
  send(c: RowChunk): void {
    this.thread.post({ texts: c.texts.join(TEXT_SEPARATOR), names: c.names, rows: c.rows });
  }

  /** Resolves once the thread has committed; rejects (it rolled back or died) with what went wrong. */
  finish(): Promise<void> {
    return this.thread.finish();
  }

  /** Has the thread roll back and waits until it has stopped. */
  abort(): Promise<void> {
    return this.thread.abort();
  }
}

/**
 * A generation's rows as the facts come, taken in chunks: each fact validated (a cheap structural
 * check; the zod schema for anything it does not cover, which also words the error), and the JSON
 * of its props, evidence and assumptions made once per object (the engine shares them between
 * edges) and put in the text table, its ids and kind put once in the name table, and its row made
 * of their indexes.
 */
class DerivedRows {
  count = 0;
  /** Six values a row: from, kind and to in the name table, props, evidence and assumptions in the text table. */
  private rows = new Int32Array(DERIVED_CHUNK_ROWS * 6);
  private used = 0;
  private texts: string[] = [];
  private textCount = 0;
  private names: string[] = [];
  /** The index in the name table of each id and kind seen. */
  private readonly nameIds = new Map<string, number>();
  /** The text of each props object and evidence and assumptions array seen (and found good), by identity. */
  private readonly known = new Map<object, number>();
  private readonly lastObject: [object | undefined, object | undefined, object | undefined] = [
    undefined,
    undefined,
    undefined,
  ];
  private readonly lastText = [0, 0, 0];

  get pending(): number {
    return this.used / 6;
  }

  take(): RowChunk {
    const c = { texts: this.texts, names: this.names, rows: this.rows.subarray(0, this.used) };
    this.texts = [];
    this.names = [];
    this.rows = new Int32Array(DERIVED_CHUNK_ROWS * 6);
    this.used = 0;
    return c;
  }

  private push(from: string, kind: string, to: string, props: number, evidence: number, assumptions: number) {
    if (this.used === this.rows.length) {
      const grown = new Int32Array(this.rows.length * 2);
      grown.set(this.rows);
      this.rows = grown;
    }
    const r = this.rows;
    const i = this.used;
    r[i] = this.name(from);
    r[i + 1] = this.name(kind);
    r[i + 2] = this.name(to);
    r[i + 3] = props;
    r[i + 4] = evidence;
    r[i + 5] = assumptions;
    this.used = i + 6;
  }

  private name(v: string): number {
    let n = this.nameIds.get(v);
    if (n === undefined) {
      this.nameIds.set(v, (n = this.nameIds.size));
      this.names.push(v);
    }
    return n;
  }

  add(raw: unknown): void {
    const i = this.count++;
    if (isPlainFact(raw)) {
      const f = raw as DerivedEdgeFactIn;
      const props = f.props === undefined ? this.text("{}") : this.textOf(0, f.props, isSimpleRecord);
      const evidence = this.textOf(1, f.evidence, isEvidenceList);
      const assumptions =
        f.assumptions === undefined ? this.text("[]") : this.textOf(2, f.assumptions, isAssumptionList);
      if (props !== undefined && evidence !== undefined && assumptions !== undefined) {
        this.push(f.from, f.kind, f.to, props, evidence, assumptions);
        return;
      }
    }
    // What the check does not cover: zod decides (and words the error), and its output is stored.
    const e = parseItem(DerivedEdgeFact, raw, "derived edge", `#${i}`);
    this.push(
      e.from,
      e.kind,
      e.to,
      this.text(JSON.stringify(e.props)),
      this.text(JSON.stringify(e.evidence)),
      this.text(JSON.stringify(e.assumptions)),
    );
  }

  private text(t: string): number {
    this.texts.push(t);
    return this.textCount++;
  }

  /**
   * The text of `v` (by identity); `field` (props, evidence, assumptions) names the slot of the last
   * object seen there: consecutive edges mostly share it (at 100k, 966k of 1.18M lookups).
   */
  private textOf(field: 0 | 1 | 2, v: unknown, good: (v: unknown) => boolean): number | undefined {
    if (typeof v !== "object" || v === null) return undefined;
    if (v === this.lastObject[field]) return this.lastText[field];
    let n = this.known.get(v);
    if (n === undefined && good(v)) this.known.set(v, (n = this.text(JSON.stringify(v))));
    if (n !== undefined) {
      this.lastObject[field] = v;
      this.lastText[field] = n;
    }
    return n;
  }
}

// The structural check of a DerivedEdgeFact. It accepts a fact only where storing the fact's own
// props, evidence and assumptions gives the bytes storing zod's output would: zod builds new
// objects (known keys in schema order, unknown keys stripped, defaults filled), so evidence and
// assumption entries must hold exactly their known keys in schema order, and records must be plain
// objects whose JSON zod's copy reproduces. Anything else goes to zod.
const EDGE_KIND_SET = new Set<string>(EDGE_KIND_VALUES);
const SNAKE_CASE = /^[a-z0-9]+(_[a-z0-9]+)*$/;
const EVIDENCE_KEYS = ["source", "ref", "detail"];
const ASSUMPTION_KEYS = ["code", "detail"];

const isId = (v: unknown) => typeof v === "string" && v.length >= 1 && v.length <= 2048;

function isPlainFact(raw: unknown): boolean {
  if (typeof raw !== "object" || raw === null) return false;
  const f = raw as Record<string, unknown>;
  // sources: only its default (an empty list) is taken here; zod checks any other.
  const s = f.sources;
  return (
    isId(f.from) &&
    isId(f.to) &&
    EDGE_KIND_SET.has(f.kind as string) &&
    (s === undefined || (Array.isArray(s) && s.length === 0))
  );
}

/**
 * z.record(z.string(), z.unknown()): a plain object; its copy drops an own `__proto__`, rejects
 * symbol keys, reads an own `constructor` as a class and would call an own `toJSON` on the copy.
 */
function isSimpleRecord(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return (
    (proto === Object.prototype || proto === null) &&
    !Object.hasOwn(v, "__proto__") &&
    !Object.hasOwn(v, "constructor") &&
    !Object.hasOwn(v, "toJSON") &&
    Object.getOwnPropertySymbols(v).length === 0
  );
}

/** Own enumerable keys exactly `keys` in order, the first `min` required. */
function hasKeys(o: object, keys: readonly string[], min: number): boolean {
  if (Object.getPrototypeOf(o) !== Object.prototype) return false;
  let n = 0;
  for (const k in o) if (k !== keys[n++]) return false;
  return n >= min;
}

const isList = (v: unknown): v is unknown[] =>
  Array.isArray(v) && Object.getPrototypeOf(v) === Array.prototype;

function isEvidenceList(v: unknown): boolean {
  if (!isList(v) || v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const e = v[i] as { source?: unknown; ref?: unknown; detail?: unknown } | null | undefined;
    if (typeof e !== "object" || e === null || !hasKeys(e, EVIDENCE_KEYS, 2)) return false;
    if (typeof e.source !== "string" || e.source.length < 1 || e.source.length > 256) return false;
    if (typeof e.ref !== "string" || e.ref.length > 2048) return false;
    if (e.detail !== undefined && !isSimpleRecord(e.detail)) return false;
  }
  return true;
}

function isAssumptionList(v: unknown): boolean {
  if (!isList(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const a = v[i] as { code?: unknown; detail?: unknown } | null | undefined;
    if (typeof a !== "object" || a === null || !hasKeys(a, ASSUMPTION_KEYS, 1)) return false;
    if (typeof a.code !== "string" || !SNAKE_CASE.test(a.code)) return false;
    if (a.detail !== undefined && !isSimpleRecord(a.detail)) return false;
  }
  return true;
}

function listNodes(r: Sqlite, filter: NodeFilter, page: PageRequest): PageResult<Node> {
  const where: string[] = [];
  const args: unknown[] = [];
  const inList = (col: string, v: string | string[]) => {
    const vs = Array.isArray(v) ? v : [v];
    where.push(`${col} IN (${vs.map(() => "?").join(", ")})`);
    args.push(...vs);
  };
  if (filter.kind) inList("n.kind", filter.kind);
  if (filter.type) inList("n.type", filter.type);
  if (filter.ids) inList("n.id", filter.ids.length ? filter.ids : [""]);
  if (filter.provider) {
    where.push("n.provider = ?");
    args.push(filter.provider);
  }
  if (filter.accountId) {
    where.push("n.account_id = ?");
    args.push(filter.accountId);
  }
  if (filter.region) {
    where.push("n.region = ?");
    args.push(filter.region);
  }
  if (filter.includeStubs === false) where.push("n.stub = 0");
  if (filter.source) {
    where.push(
      "EXISTS (SELECT 1 FROM node_claims c JOIN claim_keys k ON k.id = c.key_id WHERE c.node_id = n.id AND k.source = ?)",
    );
    args.push(filter.source);
  }
  if (filter.q) {
    where.push("(n.id LIKE ? ESCAPE '\\' OR n.name LIKE ? ESCAPE '\\')");
    args.push(likePattern(filter.q), likePattern(filter.q));
  }
  const sortCol = { id: "n.id", name: "n.name", type: "n.type", lastSeen: "n.last_seen" }[
    filter.sort ?? "id"
  ];
  const desc = filter.order === "desc";
  const cmp = desc ? "<" : ">";
  if (page.cursor) {
    const [v, id] = decodeCursor(page.cursor);
    if (sortCol === "n.id") {
      where.push(`n.id ${cmp} ?`);
      args.push(id);
    } else {
      where.push(`(${sortCol} ${cmp} ? OR (${sortCol} = ? AND n.id ${cmp} ?))`);
      args.push(v, v, id);
    }
  }
  const limit = Math.max(1, Math.min(page.limit, 10_000));
  const dir = desc ? "DESC" : "ASC";
  const order = sortCol === "n.id" ? `n.id ${dir}` : `${sortCol} ${dir}, n.id ${dir}`;
  const sql = `SELECT ${NODE_COLS} FROM nodes n ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY ${order} LIMIT ?`;
  const rows = r.prepare<unknown[], NodeRow>(sql).all(...args, limit + 1);
  const items = rows.slice(0, limit).map((n) => rowToNode(n));
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  if (!last) return { items };
  const sortValue = {
    "n.id": last.id,
    "n.name": last.name,
    "n.type": last.type,
    "n.last_seen": last.last_seen,
  }[sortCol]!;
  return { items, next: encodeCursor([sortValue, last.id]) };
}

function listFindings(r: Sqlite, filter: FindingFilter, page: PageRequest): PageResult<Finding> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.assetRef) {
    where.push("f.asset_ref = ?");
    args.push(filter.assetRef);
  }
  if (filter.ruleId) {
    where.push("f.rule_id = ?");
    args.push(filter.ruleId);
  }
  if (filter.kind) {
    where.push("f.kind = ?");
    args.push(filter.kind);
  }
  if (filter.matched !== undefined) {
    where.push("f.matched = ?");
    args.push(filter.matched ? 1 : 0);
  }
  if (filter.tool || filter.source) {
    const sub: string[] = ["s.finding_key = f.key"];
    if (filter.tool) {
      sub.push("s.tool = ?");
      args.push(filter.tool);
    }
    if (filter.source) {
      sub.push("k.source = ?");
      args.push(filter.source);
    }
    where.push(
      `EXISTS (SELECT 1 FROM finding_sources s JOIN claim_keys k ON k.id = s.key_id WHERE ${sub.join(" AND ")})`,
    );
  }
  if (page.cursor) {
    where.push("f.key > ?");
    args.push(decodeCursor(page.cursor)[1]);
  }
  const limit = Math.max(1, Math.min(page.limit, 10_000));
  const sql = `SELECT ${FINDING_COLS} FROM findings f ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY f.key LIMIT ?`;
  const rows = r.prepare<unknown[], FindingRow>(sql).all(...args, limit + 1);
  const items = rows.slice(0, limit).map(rowToFinding);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return last ? { items, next: encodeCursor([last.key, last.key]) } : { items };
}
