// Test-only: an in-memory stand-in for Neo4j that executes the adapter's statements — and only
// them — by identity, each implemented as its Cypher reads (MATCH drops rows whose node is missing,
// OPTIONAL MATCH keeps one row, SET n = map replaces every property and skips nulls). It lets the
// contract suite drive the adapter's orchestration (staging, batches, claims, settling, re-matching,
// generations) without a server. It also checks what a server would refuse: a statement's
// parameters all supplied, property values only scalars or homogeneous scalar lists, integers
// where Cypher wants them (LIMIT, seq). It does not prove the Cypher itself: the lint test and a
// run against a real server (NEO4J_URI) do that.
import neo4j from "neo4j-driver";
import * as C from "../../src/neo4j/cypher.js";
import type { Cypher } from "../../src/neo4j/cypher.js";
import type { Neo4jRunner, Row, Tx } from "../../src/neo4j/graph.js";

type Props = Record<string, unknown>;
interface NodeRec {
  labels: Set<string>;
  props: Props;
}
interface RelRec {
  type: string;
  from: string;
  to: string;
  props: Props;
}
interface State {
  assets: Map<string, NodeRec>;
  rels: Map<number, RelRec>;
  findings: Map<string, Props>;
  affects: Map<string, string>;
  claims: Map<string, Props>;
  lookups: Map<string, Props>;
  meta: Map<string, string>;
  staged: Map<string, Props>;
  nextRel: number;
}

const emptyState = (): State => ({
  assets: new Map(),
  rels: new Map(),
  findings: new Map(),
  affects: new Map(),
  claims: new Map(),
  lookups: new Map(),
  meta: new Map(),
  staged: new Map(),
  nextRel: 1,
});

function isInt(v: unknown): v is { toNumber(): number } {
  return neo4j.isInt(v);
}

function num(v: unknown, what: string): number {
  if (!isInt(v)) throw new Error(`fake neo4j: ${what} must be an Integer parameter (Cypher refuses a float)`);
  return v.toNumber();
}

/** What Neo4j accepts as a property value. */
function checkProperty(k: string, v: unknown): void {
  if (v === null || typeof v === "string" || typeof v === "boolean") return;
  if (typeof v === "number" && Number.isFinite(v)) return;
  if (isInt(v)) return;
  if (Array.isArray(v)) {
    const types = new Set(v.map((x) => typeof x));
    if (types.size <= 1 && v.every((x) => ["string", "number", "boolean"].includes(typeof x))) return;
  }
  throw new Error(`fake neo4j: property ${k} cannot hold ${JSON.stringify(v)?.slice(0, 80)}`);
}

/** SET x = map: every property replaced, nulls dropped, values checked. */
function setAll(map: Props): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(map)) {
    checkProperty(k, v);
    if (v !== null) out[k] = v;
  }
  return out;
}

function checkParams(statement: string, params: Row): void {
  const names = new Set([...statement.matchAll(/\$([A-Za-z_]\w*)/g)].map((m) => m[1]!));
  for (const n of names)
    if (!(n in params)) throw new Error(`fake neo4j: expected parameter $${n} for ${statement.slice(0, 60)}`);
  const walk = (v: unknown, path: string): void => {
    if (v === undefined) throw new Error(`fake neo4j: parameter ${path} is undefined`);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === "object" && !isInt(v))
      for (const [k, x] of Object.entries(v as Props)) walk(x, `${path}.${k}`);
  };
  for (const [k, v] of Object.entries(params)) walk(v, `$${k}`);
}

const HIDDEN = "DerivedEndpoint";

export interface Recorded {
  statement: string;
  name: string;
  params: Row;
}

export interface FakeNeo4j extends Neo4jRunner {
  state(): State;
  /** Every statement run, in order. */
  log: Recorded[];
  /** Throws from the statement when it returns true (before it runs). */
  failWhen?: (r: Recorded) => boolean;
}

const NAMES = new Map<string, string>(Object.entries(C.CYPHER).map(([k, v]) => [v as string, k]));

export function createFakeNeo4j(): FakeNeo4j {
  let s = emptyState();

  const relsAt = (id: string) => [...s.rels.values()].filter((r) => r.from === id || r.to === id);
  const findRel = (from: string, type: string, to: string, match: (p: Props) => boolean) =>
    [...s.rels.entries()].find(
      ([, r]) => r.from === from && r.to === to && r.type === type && match(r.props),
    );
  const deleteAsset = (id: string) => {
    s.assets.delete(id);
    for (const [k, r] of s.rels) if (r.from === id || r.to === id) s.rels.delete(k);
    for (const [k, a] of s.affects) if (a === id) s.affects.delete(k);
  };
  const mergeAsset = (id: string): { n: NodeRec; created: boolean } => {
    let n = s.assets.get(id);
    if (n) return { n, created: false };
    n = { labels: new Set(["Asset"]), props: { id } };
    s.assets.set(id, n);
    return { n, created: true };
  };
  /** SET n = map on a MERGEd node: the map must carry the merge key, or the node would lose it. */
  const setNode = (n: NodeRec, row: Props) => {
    const props = setAll(row.props as Props);
    if (props.id !== row.id)
      throw new Error(`fake neo4j: SET n = map would drop the id of ${String(row.id)}`);
    n.props = props;
  };
  const setLabels = (n: NodeRec, drop: unknown, add: unknown) => {
    for (const l of drop as string[]) n.labels.delete(l);
    for (const l of add as string[]) n.labels.add(l);
  };
  const gen = () => s.meta.get("derived_generation") ?? null;
  const visibleRel = (r: RelRec, g: string | null) =>
    r.props.derived === false || (r.props.derived === true && r.props.generation === g);
  const rows = (p: Row, k: string) => p[k] as Props[];

  const handlers = new Map<string, (p: Row) => Row[]>();
  const on = (q: Cypher, h: (p: Row) => Row[]) => handlers.set(q, h);
  for (const q of C.SCHEMA_STATEMENTS) on(q, () => []);

  on(C.STAGE_PUT, (p) => {
    s.staged.set(`${String(p.run)}#${num(p.seq, "seq")}`, { run: p.run, at: p.at, payload: p.payload });
    return [];
  });
  on(C.STAGE_GET, (p) => {
    const b = s.staged.get(`${String(p.run)}#${num(p.seq, "seq")}`);
    return b ? [{ payload: b.payload }] : [];
  });
  on(C.STAGE_DROP, (p) => {
    for (const [k, b] of s.staged) if (b.run === p.run) s.staged.delete(k);
    return [];
  });
  on(C.STAGE_DROP_OLDER, (p) => {
    for (const [k, b] of s.staged) if (String(b.at) < String(p.before)) s.staged.delete(k);
    return [];
  });

  on(C.CLAIM_UPSERT, (p) => {
    for (const c of rows(p, "claims")) {
      const x = s.claims.get(c.cid as string);
      const fs = !x || (c.firstSeen as string) < (x.firstSeen as string) ? c.firstSeen : x.firstSeen;
      const ls = !x || (c.lastSeen as string) > (x.lastSeen as string) ? c.lastSeen : x.lastSeen;
      s.claims.set(c.cid as string, { ...setAll(c), firstSeen: fs, lastSeen: ls });
    }
    return [];
  });
  on(C.CLAIMS_OF_ITEMS, (p) =>
    (p.items as string[]).map((item) => ({
      item,
      claims: [...s.claims.values()].filter((c) => c.item === item).map((c) => ({ ...c })),
    })),
  );
  on(C.CLAIMS_DELETE, (p) => {
    for (const cid of p.cids as string[]) s.claims.delete(cid);
    return [];
  });
  const take = (p: Row, match: (c: Props) => boolean) => {
    const taken = [...s.claims.values()].filter(match).slice(0, num(p.limit, "limit"));
    for (const c of taken) s.claims.delete(c.cid as string);
    return taken.map((c) => ({ item: c.item }));
  };
  on(C.CLAIMS_TAKE_STALE, (p) => take(p, (c) => c.key === p.key && c.run !== p.run));
  on(C.CLAIMS_TAKE_SOURCE, (p) => take(p, (c) => c.source === p.source));

  on(C.NODES_STATE, (p) =>
    rows(p, "rows").flatMap((row) => {
      const n = s.assets.get(row.id as string);
      if (!n) return [];
      const at = relsAt(row.id as string);
      // An undirected pattern sees a self-loop twice.
      const count = (d: boolean) =>
        at.filter((r) => r.props.derived === d).reduce((k, r) => k + (r.from === r.to ? 2 : 1), 0);
      return [
        {
          id: row.id,
          kind: n.props.kind ?? null,
          provider: n.props.provider ?? null,
          stub: n.props.stub ?? null,
          hidden: n.labels.has(HIDDEN),
          firstSeen: n.props.firstSeen ?? null,
          lastSeen: n.props.lastSeen ?? null,
          inventoryEdges: count(false),
          derivedEdges: count(true),
          cveReferenced:
            row.cveRule === null ? false : [...s.findings.values()].some((f) => f.ruleId === row.cveRule),
        },
      ];
    }),
  );
  on(C.NODE_WRITE, (p) => {
    for (const row of rows(p, "rows")) {
      const { n } = mergeAsset(row.id as string);
      setNode(n, row);
      setLabels(n, row.dropLabels, row.labels);
    }
    return [];
  });
  on(C.STUB_ENSURE, (p) =>
    rows(p, "rows").flatMap((row) => {
      const existing = s.assets.get(row.id as string);
      if (existing && !existing.labels.has(HIDDEN)) return [];
      const { n } = mergeAsset(row.id as string);
      setNode(n, row);
      setLabels(n, row.dropLabels, row.labels);
      return [{ id: row.id }];
    }),
  );
  on(C.NODE_DELETE, (p) => {
    for (const id of p.ids as string[]) deleteAsset(id);
    return [];
  });
  on(C.LOOKUP_DELETE_FOR_NODES, (p) => {
    const ids = new Set(p.ids as string[]);
    for (const [k, l] of s.lookups) if (ids.has(l.nodeId as string)) s.lookups.delete(k);
    return [];
  });
  on(C.LOOKUP_UPSERT, (p) => {
    for (const row of rows(p, "rows"))
      s.lookups.set(row.lk as string, { lk: row.lk, lookup: row.lookup, nodeId: row.nodeId });
    return [];
  });
  on(C.LOOKUP_FIND, (p) =>
    (p.keys as string[]).flatMap((k) => {
      const ids = [...new Set([...s.lookups.values()].filter((l) => l.lookup === k).map((l) => l.nodeId))];
      return ids.length ? [{ lookup: k, nodeIds: ids }] : [];
    }),
  );

  on(C.EDGE_UPSERT, (p) => {
    for (const row of rows(p, "rows")) {
      const [a, b] = [row.from as string, row.to as string];
      if (!s.assets.has(a) || !s.assets.has(b)) continue;
      let hit = findRel(a, row.kind as string, b, (x) => x.derived === false);
      if (!hit) {
        const id = s.nextRel++;
        s.rels.set(id, { type: row.kind as string, from: a, to: b, props: { derived: false } });
        hit = [id, s.rels.get(id)!];
      }
      const r = hit[1];
      const fs = r.props.firstSeen ?? row.seen;
      const ls =
        r.props.lastSeen !== undefined && (r.props.lastSeen as string) > (row.seen as string)
          ? r.props.lastSeen
          : row.seen;
      r.props = { ...setAll(row.props as Props), firstSeen: fs, lastSeen: ls };
    }
    return [];
  });
  const invRel = (row: Props) =>
    findRel(row.from as string, row.kind as string, row.to as string, (x) => x.derived === false);
  on(C.EDGE_SOURCES_SET, (p) => {
    for (const row of rows(p, "rows")) {
      const hit = invRel(row);
      if (hit) Object.assign(hit[1].props, setAll({ sources: row.sources, sourceNames: row.sourceNames }));
    }
    return [];
  });
  on(C.EDGE_DELETE, (p) => {
    let n = 0;
    for (const row of rows(p, "rows")) {
      const hit = invRel(row);
      if (hit) {
        s.rels.delete(hit[0]);
        n++;
      }
    }
    return [{ deleted: n }];
  });

  on(C.FINDINGS_BY_KEYS, (p) =>
    (p.keys as string[]).flatMap((k) => (s.findings.has(k) ? [{ f: { ...s.findings.get(k)! } }] : [])),
  );
  on(C.FINDING_UPSERT, (p) => {
    for (const row of rows(p, "rows")) {
      const key = row.key as string;
      const f = s.findings.get(key);
      const fs = !f || (row.firstSeen as string) < (f.firstSeen as string) ? row.firstSeen : f.firstSeen;
      const ls = !f || (row.lastSeen as string) > (f.lastSeen as string) ? row.lastSeen : f.lastSeen;
      const props = row.props as Props;
      if (props.key !== key) throw new Error(`fake neo4j: SET f = map would drop the key of ${key}`);
      s.findings.set(key, { ...setAll(props), firstSeen: fs, lastSeen: ls });
      s.affects.delete(key);
      if (props.matched && s.assets.has(props.assetRef as string))
        s.affects.set(key, props.assetRef as string);
    }
    return [];
  });
  on(C.FINDING_SOURCES_SET, (p) => {
    for (const row of rows(p, "rows")) {
      const f = s.findings.get(row.key as string);
      if (!f) continue;
      const { key: _k, ...rest } = row;
      for (const [k, v] of Object.entries(rest)) {
        checkProperty(k, v);
        if (v === null) delete f[k];
        else f[k] = v;
      }
    }
    return [];
  });
  on(C.FINDING_DELETE, (p) => {
    let n = 0;
    for (const k of p.keys as string[])
      if (s.findings.delete(k)) {
        s.affects.delete(k);
        n++;
      }
    return [{ deleted: n }];
  });
  on(C.FINDINGS_ORPHANED, (p) =>
    [...s.findings.values()]
      .filter((f) => {
        const a = s.assets.get(f.assetRef as string);
        return f.matched === true && !(a && !a.labels.has(HIDDEN));
      })
      .slice(0, num(p.limit, "limit"))
      .map((f) => ({ f: { ...f } })),
  );
  on(C.FINDINGS_UNMATCHED_PAGE, (p) =>
    [...s.findings.values()]
      .filter((f) => f.matched === false && (f.key as string) > (p.after as string))
      .sort((a, b) => ((a.key as string) < (b.key as string) ? -1 : 1))
      .slice(0, num(p.limit, "limit"))
      .map((f) => ({ f: { ...f } })),
  );

  on(C.META_GET, (p) => [{ value: s.meta.get(p.key as string) ?? null }]);
  on(C.META_SET, (p) => {
    s.meta.set(p.key as string, p.value as string);
    return [];
  });
  on(C.META_DELETE, (p) => {
    s.meta.delete(p.key as string);
    return [];
  });
  on(C.META_DELETE_PENDING, () => {
    for (const k of s.meta.keys()) if (k.startsWith("derived_pending:")) s.meta.delete(k);
    return [];
  });
  on(C.DERIVED_ENDPOINTS, (p) => {
    for (const row of rows(p, "rows")) {
      const { n, created } = mergeAsset(row.id as string);
      if (created) {
        setNode(n, row);
        setLabels(n, [], row.labels);
      }
    }
    return [];
  });
  on(C.DERIVED_UPSERT, (p) => {
    for (const row of rows(p, "rows")) {
      const [a, b] = [row.from as string, row.to as string];
      if (!s.assets.has(a) || !s.assets.has(b)) continue;
      const props = row.props as Props;
      const prev = [...s.rels.values()]
        .filter(
          (r) =>
            r.from === a &&
            r.to === b &&
            r.type === row.kind &&
            r.props.derived === true &&
            r.props.generation === p.current,
        )
        .map((r) => r.props.firstSeen as string)
        .sort()[0];
      let hit = findRel(
        a,
        row.kind as string,
        b,
        (x) => x.derived === true && x.generation === props.generation,
      );
      if (!hit) {
        const id = s.nextRel++;
        s.rels.set(id, { type: row.kind as string, from: a, to: b, props: {} });
        hit = [id, s.rels.get(id)!];
      }
      hit[1].props = { ...setAll(props), firstSeen: prev ?? props.lastSeen };
    }
    return [];
  });
  on(C.DERIVED_DROP_GENERATION, (p) => {
    for (const [k, r] of s.rels)
      if (r.props.derived === true && r.props.generation === p.generation) s.rels.delete(k);
    return [];
  });
  on(C.DERIVED_DROP_OTHERS, (p) => {
    for (const [k, r] of s.rels)
      if (r.props.derived === true && r.props.generation !== p.generation) s.rels.delete(k);
    return [];
  });
  on(C.DERIVED_ENDPOINTS_PRUNE, () => {
    const affected = new Set(s.affects.values());
    for (const [id, n] of s.assets)
      if (n.labels.has(HIDDEN) && !relsAt(id).length && !affected.has(id)) s.assets.delete(id);
    return [];
  });

  on(C.NODE_GET, (p) => {
    const n = s.assets.get(p.id as string);
    return n && !n.labels.has(HIDDEN) ? [{ n: { ...n.props } }] : [];
  });
  const page = (p: Row, desc: boolean) => {
    const sortOf = (n: Props) =>
      (p.sort === "name"
        ? n.name
        : p.sort === "type"
          ? n.type
          : p.sort === "lastSeen"
            ? n.lastSeen
            : n.id) as string;
    const q = p.q as string | null;
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const list = [...s.assets.values()]
      .filter((n) => !n.labels.has(HIDDEN))
      .map((n) => n.props)
      .filter(
        (n) =>
          (p.kinds === null || (p.kinds as string[]).includes(n.kind as string)) &&
          (p.types === null || (p.types as string[]).includes(n.type as string)) &&
          (p.ids === null || (p.ids as string[]).includes(n.id as string)) &&
          (p.provider === null || n.provider === p.provider) &&
          (p.accountId === null || n.accountId === p.accountId) &&
          (p.region === null || n.region === p.region) &&
          (p.includeStubs === true || n.stub === false) &&
          (p.source === null ||
            ((n.sourceNames as string[] | undefined) ?? []).includes(p.source as string)) &&
          (q === null ||
            (n.id as string).toLowerCase().includes(q) ||
            (n.name as string).toLowerCase().includes(q)),
      )
      .map((n) => ({ n, sv: sortOf(n) }))
      .filter(({ n, sv }) => {
        if (p.afterId === null) return true;
        const c = cmp(sv, p.afterValue as string) || cmp(n.id as string, p.afterId as string);
        return desc ? c < 0 : c > 0;
      })
      .sort((a, b) => {
        const c = cmp(a.sv, b.sv) || cmp(a.n.id as string, b.n.id as string);
        return desc ? -c : c;
      });
    return list.slice(0, num(p.limit, "limit")).map(({ n, sv }) => ({ n: { ...n }, sv }));
  };
  on(C.NODES_PAGE_ASC, (p) => page(p, false));
  on(C.NODES_PAGE_DESC, (p) => page(p, true));
  on(C.FINDINGS_PAGE, (p) =>
    [...s.findings.values()]
      .filter(
        (f) =>
          (p.assetRef === null || f.assetRef === p.assetRef) &&
          (p.ruleId === null || f.ruleId === p.ruleId) &&
          (p.kind === null || f.kind === p.kind) &&
          (p.matched === null || f.matched === p.matched) &&
          (p.tool === null || ((f.tools as string[] | undefined) ?? []).includes(p.tool as string)) &&
          (p.source === null ||
            ((f.sourceNames as string[] | undefined) ?? []).includes(p.source as string)) &&
          (p.after === null || (f.key as string) > (p.after as string)),
      )
      .sort((a, b) => ((a.key as string) < (b.key as string) ? -1 : 1))
      .slice(0, num(p.limit, "limit"))
      .map((f) => ({ f: { ...f } })),
  );
  on(C.NEIGHBOURS, (p) => {
    const id = p.id as string;
    if (!s.assets.has(id)) return [];
    const g = gen();
    const out: Row[] = [];
    const rel = (r: RelRec) => ({ fromId: r.from, kind: r.type, toId: r.to, r: { ...r.props } });
    for (const r of s.rels.values()) if (p.out && r.from === id && visibleRel(r, g)) out.push(rel(r));
    for (const r of s.rels.values())
      if (p.in && r.to === id && !(p.out && r.from === id) && visibleRel(r, g)) out.push(rel(r));
    return out.filter((r) => p.kinds === null || (p.kinds as string[]).includes(r.kind as string));
  });
  on(C.SNAPSHOT_NODES, () =>
    [...s.assets.values()]
      .filter((n) => !n.labels.has(HIDDEN))
      .map((n) => n.props)
      .sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : 1))
      .map((n) => ({ n: { ...n } })),
  );
  on(C.SNAPSHOT_EDGES, () => {
    const g = gen();
    return [...s.rels.values()]
      .filter((r) => visibleRel(r, g))
      .map((r) => ({ fromId: r.from, kind: r.type, toId: r.to, r: { ...r.props } }));
  });
  on(C.SNAPSHOT_FINDINGS, () =>
    [...s.findings.values()]
      .sort((a, b) => ((a.key as string) < (b.key as string) ? -1 : 1))
      .map((f) => ({ f: { ...f } })),
  );
  on(C.HEALTH, () => [{ nodes: s.assets.size }]);

  const fake: FakeNeo4j = {
    log: [],
    state: () => s,
    read: (work) => work(tx),
    async write(work) {
      const before = structuredClone(s);
      try {
        return await work(tx);
      } catch (e) {
        s = before; // rolled back
        throw e;
      }
    },
    autoCommit: (statement, params) => tx.run(statement, params),
    async *stream(statements) {
      for (let index = 0; index < statements.length; index++) {
        const [statement, params] = statements[index]!;
        for (const row of await tx.run(statement, params)) yield { index, row };
      }
    },
    close: () => Promise.resolve(),
  };
  const tx: Tx = {
    run(statement, params = {}) {
      const handler = handlers.get(statement);
      const rec: Recorded = { statement, name: NAMES.get(statement) ?? "?", params };
      fake.log.push(rec);
      if (!handler) return Promise.reject(new Error(`fake neo4j: not one of the adapter's statements`));
      checkParams(statement, params);
      if (fake.failWhen?.(rec))
        return Promise.reject(new Error(`fake neo4j: injected failure in ${rec.name}`));
      return Promise.resolve(handler(params));
    },
  };
  // Every statement has a handler: a new statement must be taught to the fake.
  for (const [name, q] of Object.entries(C.CYPHER))
    if (!handlers.has(q)) throw new Error(`fake neo4j: no handler for ${name}`);
  return fake;
}
