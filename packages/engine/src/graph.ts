// The engine's in-memory view of the stored graph: nodes by id and type, inventory edges indexed
// both ways by kind. Built once per analysis from GraphStore.snapshot() (derived edges are skipped:
// derive recomputes them) or, in tests and the synthetic estate, from GraphFacts chunks.
import type { EdgeKind, GraphFacts, NodeKind, SourceKey, StructureSnapshotItem } from "@ctem/model";

export interface EstateNode {
  id: string;
  kind: NodeKind;
  type: string;
  accountId?: string | undefined;
  region?: string | undefined;
  name: string;
  tags: Record<string, string>;
  props: Record<string, unknown>;
  sources: SourceKey[];
  stub?: boolean;
}

/** An inventory edge: its structure is all the rules read (GraphStore.snapshot({ edgeDetail: false })). */
export interface EstateEdge {
  from: string;
  kind: EdgeKind;
  to: string;
  props: Record<string, unknown>;
}

const EMPTY: readonly EstateEdge[] = Object.freeze([]);

function push(
  idx: Map<string, Map<EdgeKind, EstateEdge[]>>,
  id: string,
  kind: EdgeKind,
  e: EstateEdge,
): void {
  let byKind = idx.get(id);
  if (!byKind) idx.set(id, (byKind = new Map<EdgeKind, EstateEdge[]>()));
  const list = byKind.get(kind);
  if (list) list.push(e);
  else byKind.set(kind, [e]);
}

export class Estate {
  readonly nodes = new Map<string, EstateNode>();
  private readonly byType = new Map<string, EstateNode[]>();
  // Node id → edge kind → edges: two lookups with no key string built per edge or per query.
  private readonly outIdx = new Map<string, Map<EdgeKind, EstateEdge[]>>();
  private readonly inIdx = new Map<string, Map<EdgeKind, EstateEdge[]>>();
  edgeCount = 0;

  addNode(n: EstateNode): void {
    const prev = this.nodes.get(n.id);
    if (prev && !prev.stub && n.stub) return;
    this.nodes.set(n.id, n);
    if (prev) {
      const list = this.byType.get(prev.type);
      if (list) list.splice(list.indexOf(prev), 1);
    }
    const list = this.byType.get(n.type);
    if (list) list.push(n);
    else this.byType.set(n.type, [n]);
  }

  addEdge(e: EstateEdge): void {
    this.edgeCount++;
    push(this.outIdx, e.from, e.kind, e);
    push(this.inIdx, e.to, e.kind, e);
  }

  node(id: string): EstateNode | undefined {
    return this.nodes.get(id);
  }

  ofType(type: string): readonly EstateNode[] {
    return this.byType.get(type) ?? [];
  }

  out(id: string, kind: EdgeKind): readonly EstateEdge[] {
    return this.outIdx.get(id)?.get(kind) ?? EMPTY;
  }

  in(id: string, kind: EdgeKind): readonly EstateEdge[] {
    return this.inIdx.get(id)?.get(kind) ?? EMPTY;
  }

  /** Targets of `id`'s outgoing edges of `kind` that exist as nodes. */
  outNodes(id: string, kind: EdgeKind): EstateNode[] {
    const out: EstateNode[] = [];
    for (const e of this.out(id, kind)) {
      const n = this.nodes.get(e.to);
      if (n) out.push(n);
    }
    return out;
  }

  inNodes(id: string, kind: EdgeKind): EstateNode[] {
    const out: EstateNode[] = [];
    for (const e of this.in(id, kind)) {
      const n = this.nodes.get(e.from);
      if (n) out.push(n);
    }
    return out;
  }
}

/** The estate from a store snapshot (edge structure is enough); derived edges are left out. */
export async function loadEstate(snapshot: AsyncIterable<StructureSnapshotItem>): Promise<Estate> {
  const g = new Estate();
  for await (const item of snapshot) {
    if (item.t === "node") {
      const v = item.v;
      g.addNode({
        id: v.id,
        kind: v.kind,
        type: v.type,
        accountId: v.accountId,
        region: v.region,
        name: v.name,
        tags: v.tags,
        props: v.props,
        sources: v.sources,
        stub: v.stub,
      });
    } else if (item.t === "edge" && !item.v.derived) {
      const v = item.v;
      g.addEdge({ from: v.from, kind: v.kind, to: v.to, props: v.props });
    }
  }
  return g;
}

/** The estate from fact chunks, as a store would hold them after applyScan (no stubs made). */
export function estateFromFacts(chunks: Iterable<GraphFacts>): Estate {
  const g = new Estate();
  for (const c of chunks) {
    for (const n of c.nodes ?? [])
      g.addNode({
        id: n.id,
        kind: n.kind,
        type: n.type,
        accountId: n.accountId,
        region: n.region,
        name: n.name,
        tags: n.tags ?? {},
        props: n.props ?? {},
        sources: n.sources,
      });
    for (const e of c.edges ?? []) g.addEdge({ from: e.from, kind: e.kind, to: e.to, props: e.props ?? {} });
  }
  return g;
}
