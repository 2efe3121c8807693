// Best-k path search (DESIGN "Prioritization" step 2): from each entry asset, the k most likely
// loop-free paths to every target, over the compact graph. A Dijkstra over labels ordered by path
// probability (a product of hop weights in (0, 1]): each node is settled at most k times, a label
// that would revisit a node of its own path is dropped, and only nodes that can still reach a
// target are labelled. The first path to each target is the exact best one; later ones are the
// best the k-labels bound leaves (exact on acyclic graphs). Work per entry is O(k·E·log) over
// the part of the graph it reaches: no pair tables, nothing n².
import type { CompactGraph } from "./compact.js";

export interface SearchSource {
  node: number;
  /** Probability of the entry itself (entry likelihood); multiplies every path from it. */
  p: number;
}

export interface SearchOptions {
  k: number;
  /** Hop limit per path (default 32): a guard, not a model choice. */
  maxDepth?: number;
  /** Per CSR slot: the hop's search weight in (0, 1]. */
  weight: Float64Array;
  /** Per node: 1 when it is a target. */
  isTarget: Uint8Array;
  /** Per CSR slot: 1 when the overlay removed it. */
  mask?: Uint8Array | undefined;
  /** Per node: 1 when it can reach a target; computed when absent. */
  coReach?: Uint8Array | undefined;
  /** Per node: 1 when paths end there (an admin-equivalent identity subsumes what lies beyond). */
  stop?: Uint8Array | undefined;
  /** Labels whose probability × potential is below this are dropped (a bound: weights are ≤ 1). */
  minProb?: number | undefined;
  /**
   * Per node: an upper bound of what any path on from it can still multiply by (the best product
   * of weights to a target, times the target's weight). Exact bounds make the pruning lossless.
   */
  potential?: Float64Array | undefined;
  /** Report a target only when the path's probability × this per-node weight reaches `minProb`. */
  reportWeight?: Float64Array | undefined;
  /** Called when every path of a source has been reported (before the next source starts). */
  done?: ((source: number) => void) | undefined;
}

export interface FoundPath {
  /** Index into the sources array. */
  source: number;
  target: number;
  /** The entry probability times every hop weight. */
  prob: number;
  /** CSR slots, entry first. Empty for a target that is the entry itself. */
  slots: number[];
}

class Labels {
  node = new Int32Array(1024);
  parent = new Int32Array(1024);
  slot = new Int32Array(1024);
  prob = new Float64Array(1024);
  depth = new Uint16Array(1024);
  size = 0;
  add(node: number, parent: number, slot: number, prob: number, depth: number): number {
    if (this.size === this.node.length) {
      const grow = <T extends Int32Array | Float64Array | Uint16Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.node = grow(this.node);
      this.parent = grow(this.parent);
      this.slot = grow(this.slot);
      this.prob = grow(this.prob);
      this.depth = grow(this.depth);
    }
    const i = this.size++;
    this.node[i] = node;
    this.parent[i] = parent;
    this.slot[i] = slot;
    this.prob[i] = prob;
    this.depth[i] = depth;
    return i;
  }
}

/** A binary max-heap of label indices keyed by the labels' probability. */
class Heap {
  a = new Int32Array(1024);
  n = 0;
  constructor(private readonly labels: Labels) {}
  push(x: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    const p = this.labels.prob;
    let i = this.n++;
    const v = p[x]!;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (p[this.a[up]!]! >= v) break;
      this.a[i] = this.a[up]!;
      i = up;
    }
    this.a[i] = x;
  }
  pop(): number {
    const top = this.a[0]!;
    const last = this.a[--this.n]!;
    if (this.n > 0) {
      const p = this.labels.prob;
      const v = p[last]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= this.n) break;
        if (c + 1 < this.n && p[this.a[c + 1]!]! > p[this.a[c]!]!) c++;
        if (p[this.a[c]!]! <= v) break;
        this.a[i] = this.a[c]!;
        i = c;
      }
      this.a[i] = last;
    }
    return top;
  }
}

/** Runs the search from every source; calls `found` once per kept path, best first per (source, target). */
export function searchPaths(
  g: CompactGraph,
  sources: readonly SearchSource[],
  opts: SearchOptions,
  found: (p: FoundPath) => void,
): void {
  const search = new LabelSearch(g, opts);
  search.run(sources, (source, target, prob, label) =>
    found({ source, target, prob, slots: search.slots(label) }),
  );
}

/**
 * The search of searchPaths, reporting each kept path as a label (source, target, probability,
 * label index) instead of a slot array: a caller that keeps few of the paths it is told about
 * materialises only those (slots(), edges()), before the next source starts (labels are reused
 * per source; `done` is called while they are still valid).
 */
export class LabelSearch {
  private readonly labels = new Labels();
  private readonly heap = new Heap(this.labels);
  private readonly co: Uint8Array;
  private readonly pops: Uint8Array;
  /** Nodes settled by the current source (their pops are reset after it): `touchedCount` of them. */
  private readonly touched: Uint32Array;
  private touchedCount = 0;

  constructor(
    private readonly g: CompactGraph,
    private readonly opts: SearchOptions,
  ) {
    this.co = opts.coReach ?? g.coReach(opts.isTarget, opts.mask);
    this.pops = new Uint8Array(g.nodeCount);
    this.touched = new Uint32Array(g.nodeCount);
  }

  /** Hops of a label's path (0 for a source's own label). */
  depth(label: number): number {
    return this.labels.depth[label]!;
  }

  /** A label's CSR slots, entry first, exactly sized. */
  slots(label: number): number[] {
    const labels = this.labels;
    let n = labels.depth[label]!;
    const out = new Array<number>(n);
    for (let l = label; n > 0; l = labels.parent[l]!) out[--n] = labels.slot[l]!;
    return out;
  }

  /**
   * A label's path as `map(slot)` per hop, entry first, after `first` leading values of `lead`
   * (when first is 1): exactly sized.
   */
  mapped(label: number, map: (slot: number) => number, lead: number | undefined): number[] {
    const labels = this.labels;
    const first = lead !== undefined ? 1 : 0;
    let n = labels.depth[label]!;
    const out = new Array<number>(first + n);
    if (lead !== undefined) out[0] = lead;
    for (let l = label; n > 0; l = labels.parent[l]!) out[first + --n] = map(labels.slot[l]!);
    return out;
  }

  run(
    sources: readonly SearchSource[],
    found: (source: number, target: number, prob: number, label: number) => void,
  ): void {
    for (let si = 0; si < sources.length; si++) {
      this.search(sources[si]!, si, found);
      this.opts.done?.(si);
    }
  }

  private search(
    src: SearchSource,
    si: number,
    found: (source: number, target: number, prob: number, label: number) => void,
  ): void {
    const { co, pops, touched, labels, heap, g } = this;
    const { weight, isTarget, mask, stop } = this.opts;
    const k = Math.max(1, this.opts.k);
    const maxDepth = this.opts.maxDepth ?? 32;
    const minProb = this.opts.minProb ?? 0;
    const pot = this.opts.potential;
    const rw = this.opts.reportWeight;
    const off = g.off;
    const dst = g.dst;
    if (!co[src.node] || !(src.p > 0)) return;
    labels.size = 0;
    heap.n = 0;
    heap.push(labels.add(src.node, -1, -1, src.p, 0));
    while (heap.n > 0) {
      const l = heap.pop();
      const u = labels.node[l]!;
      if (pops[u]! >= k) continue;
      if (pops[u] === 0) touched[this.touchedCount++] = u;
      pops[u]!++;
      const pu = labels.prob[l]!;
      if (isTarget[u] && (!rw || pu * rw[u]! >= minProb)) found(si, u, pu, l);
      const d = labels.depth[l]!;
      if (d >= maxDepth || (stop && stop[u] && d > 0)) continue;
      for (let s = off[u]!; s < off[u + 1]!; s++) {
        if (mask && mask[s]) continue;
        const v = dst[s]!;
        if (!co[v] || pops[v]! >= k) continue;
        const w = weight[s]!;
        if (!(w > 0)) continue;
        const pv = pu * w;
        if ((pot ? pv * pot[v]! : pv) < minProb) continue;
        if (onPath(labels, l, v)) continue;
        heap.push(labels.add(v, l, s, pv, d + 1));
      }
    }
    for (let i = 0; i < this.touchedCount; i++) pops[touched[i]!] = 0;
    this.touchedCount = 0;
  }
}

function onPath(labels: Labels, label: number, node: number): boolean {
  for (let l = label; l >= 0; l = labels.parent[l]!) if (labels.node[l] === node) return true;
  return false;
}

/**
 * The best product of slot weights from each node to a target, times the target's own weight
 * (`targetWeight`), over unmasked slots; paths do not continue out of `stop` nodes. A max-product
 * Dijkstra on the reversed rows: one pass for all sources, the bound searchPaths prunes with.
 */
export function potentials(
  g: CompactGraph,
  weight: Float64Array,
  targetWeight: Float64Array,
  opts: { mask?: Uint8Array | undefined; stop?: Uint8Array | undefined } = {},
): Float64Array {
  const n = g.nodeCount;
  const { mask, stop } = opts;
  const roff = new Uint32Array(n + 1);
  for (let u = 0; u < n; u++) {
    if (stop && stop[u]) continue;
    for (let s = g.off[u]!; s < g.off[u + 1]!; s++) if (!mask || !mask[s]) roff[g.dst[s]! + 1]!++;
  }
  for (let i = 0; i < n; i++) roff[i + 1]! += roff[i]!;
  const fill = roff.slice(0, n);
  const rsrc = new Uint32Array(roff[n]!);
  const rslot = new Uint32Array(roff[n]!);
  for (let u = 0; u < n; u++) {
    if (stop && stop[u]) continue;
    for (let s = g.off[u]!; s < g.off[u + 1]!; s++)
      if (!mask || !mask[s]) {
        const j = fill[g.dst[s]!]!++;
        rsrc[j] = u;
        rslot[j] = s;
      }
  }
  const pot = Float64Array.from(targetWeight);
  const done = new Uint8Array(n);
  // A binary max-heap of (node) keyed by pot, with lazy deletion.
  let heap = new Int32Array(Math.max(16, n));
  let keys = new Float64Array(heap.length);
  let size = 0;
  const push = (v: number, k: number) => {
    if (size === heap.length) {
      const h = new Int32Array(size * 2);
      h.set(heap);
      heap = h;
      const kk = new Float64Array(size * 2);
      kk.set(keys);
      keys = kk;
    }
    let i = size++;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (keys[up]! >= k) break;
      heap[i] = heap[up]!;
      keys[i] = keys[up]!;
      i = up;
    }
    heap[i] = v;
    keys[i] = k;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const lv = heap[--size]!;
    const lk = keys[size]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && keys[c + 1]! > keys[c]!) c++;
      if (keys[c]! <= lk) break;
      heap[i] = heap[c]!;
      keys[i] = keys[c]!;
      i = c;
    }
    heap[i] = lv;
    keys[i] = lk;
    return top;
  };
  for (let v = 0; v < n; v++) if (pot[v]! > 0) push(v, pot[v]!);
  while (size > 0) {
    const v = pop();
    if (done[v]) continue;
    done[v] = 1;
    for (let j = roff[v]!; j < roff[v + 1]!; j++) {
      const u = rsrc[j]!;
      const c = pot[v]! * weight[rslot[j]!]!;
      if (c > pot[u]!) {
        pot[u] = c;
        push(u, c);
      }
    }
  }
  return pot;
}

/**
 * The reachability phase on its own: how many nodes each source reaches over unmasked slots (a
 * breadth-first search per source on the same typed arrays). The benchmark sets it beside a bare
 * BFS and a graphology traversal.
 */
export function reachability(g: CompactGraph, sources: readonly number[], mask?: Uint8Array): Uint32Array {
  const n = g.nodeCount;
  const seen = new Uint32Array(n);
  const queue = new Uint32Array(n);
  const out = new Uint32Array(sources.length);
  let stamp = 0;
  for (let i = 0; i < sources.length; i++) {
    stamp++;
    let head = 0;
    let tail = 0;
    const s = sources[i]!;
    seen[s] = stamp;
    queue[tail++] = s;
    while (head < tail) {
      const u = queue[head++]!;
      for (let j = g.off[u]!; j < g.off[u + 1]!; j++) {
        if (mask && mask[j]) continue;
        const v = g.dst[j]!;
        if (seen[v] !== stamp) {
          seen[v] = stamp;
          queue[tail++] = v;
        }
      }
    }
    out[i] = tail;
  }
  return out;
}
