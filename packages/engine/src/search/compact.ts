// The attack graph as path search walks it: node ids interned to small integers and the
// traversable edges in compressed sparse rows (typed arrays), so a search over 100k assets touches
// a few flat arrays instead of Maps of objects. Built once per analysis; a what-if overlay is a
// mask over the same arrays, never a copy of the graph.

export interface CompactEdgeInput {
  from: string;
  to: string;
}

export class CompactGraph {
  readonly ids: string[];
  readonly index: Map<string, number>;
  /** Row offsets: the out-edges of node i are slots off[i] … off[i+1]-1. */
  readonly off: Uint32Array;
  /** Per slot: the head node. */
  readonly dst: Uint32Array;
  /** Per slot: the position of the edge in the input list. */
  readonly eid: Uint32Array;
  /** Per input edge: its slot (edges whose endpoints are unknown get 0xffffffff). */
  readonly slotOf: Uint32Array;

  /**
   * `edges` as ids, or already as node numbers (`from[i]`, `to[i]`, every one below ids.length:
   * no edge is left out).
   */
  constructor(
    ids: string[],
    index: Map<string, number>,
    edges: readonly CompactEdgeInput[] | { from: Uint32Array; to: Uint32Array },
  ) {
    this.ids = ids;
    this.index = index;
    const n = ids.length;
    let from: Uint32Array;
    let to: Uint32Array;
    let ok: Uint8Array;
    let m: number;
    const deg = new Uint32Array(n + 1);
    if ("from" in edges) {
      from = edges.from;
      to = edges.to;
      m = from.length;
      ok = new Uint8Array(m).fill(1);
      for (let i = 0; i < m; i++) deg[from[i]! + 1]!++;
    } else {
      m = edges.length;
      from = new Uint32Array(m);
      to = new Uint32Array(m);
      ok = new Uint8Array(m);
      for (let i = 0; i < m; i++) {
        const f = index.get(edges[i]!.from);
        const t = index.get(edges[i]!.to);
        if (f === undefined || t === undefined) continue;
        from[i] = f;
        to[i] = t;
        ok[i] = 1;
        deg[f + 1]!++;
      }
    }
    for (let i = 0; i < n; i++) deg[i + 1]! += deg[i]!;
    this.off = deg;
    const fill = deg.slice(0, n);
    let kept = 0;
    for (let i = 0; i < m; i++) kept += ok[i]!;
    this.dst = new Uint32Array(kept);
    this.eid = new Uint32Array(kept);
    this.slotOf = new Uint32Array(m).fill(0xffffffff);
    for (let i = 0; i < m; i++) {
      if (!ok[i]) continue;
      const s = fill[from[i]!]!++;
      this.dst[s] = to[i]!;
      this.eid[s] = i;
      this.slotOf[i] = s;
    }
  }

  get nodeCount(): number {
    return this.ids.length;
  }

  get slotCount(): number {
    return this.dst.length;
  }

  /** Nodes that can reach any node marked in `targets` (targets included), over unmasked slots. */
  coReach(targets: Uint8Array, mask?: Uint8Array): Uint8Array {
    const n = this.nodeCount;
    // Reverse rows built on demand: in-degree counts, then heads.
    const roff = new Uint32Array(n + 1);
    for (let s = 0; s < this.dst.length; s++) if (!mask || !mask[s]) roff[this.dst[s]! + 1]!++;
    for (let i = 0; i < n; i++) roff[i + 1]! += roff[i]!;
    const fill = roff.slice(0, n);
    const rsrc = new Uint32Array(roff[n]!);
    for (let u = 0; u < n; u++)
      for (let s = this.off[u]!; s < this.off[u + 1]!; s++)
        if (!mask || !mask[s]) rsrc[fill[this.dst[s]!]!++] = u;
    const seen = new Uint8Array(n);
    const queue = new Uint32Array(n);
    let head = 0;
    let tail = 0;
    for (let i = 0; i < n; i++)
      if (targets[i]) {
        seen[i] = 1;
        queue[tail++] = i;
      }
    while (head < tail) {
      const v = queue[head++]!;
      for (let j = roff[v]!; j < roff[v + 1]!; j++) {
        const u = rsrc[j]!;
        if (!seen[u]) {
          seen[u] = 1;
          queue[tail++] = u;
        }
      }
    }
    return seen;
  }
}

/** Interns ids in first-seen order. */
export function internIds(ids: Iterable<string>): { ids: string[]; index: Map<string, number> } {
  const list: string[] = [];
  const index = new Map<string, number>();
  for (const id of ids)
    if (!index.has(id)) {
      index.set(id, list.length);
      list.push(id);
    }
  return { ids: list, index };
}
