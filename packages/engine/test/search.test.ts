// Path search against a naive reference (every simple path by depth-first enumeration) on random
// graphs: the same (source, target) pairs, the exact best probability, valid loop-free paths, and
// on acyclic graphs exactly the k best. Removing an edge never adds a pair nor raises a best path.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompactGraph, internIds } from "../src/search/compact.js";
import { LabelSearch, potentials, reachability, searchPaths } from "../src/search/search.js";
import type { FoundPath } from "../src/search/search.js";

interface G {
  n: number;
  edges: Array<{ from: number; to: number; w: number }>;
  targets: number[];
  sources: Array<{ node: number; p: number }>;
}

const graphArb = (acyclic: boolean) =>
  fc
    .integer({ min: 2, max: 9 })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        edges: fc.array(
          fc.record({
            from: fc.integer({ min: 0, max: n - 1 }),
            to: fc.integer({ min: 0, max: n - 1 }),
            // Weights on a coarse grid, so ties happen too.
            w: fc.integer({ min: 1, max: 10 }).map((x) => x / 10),
          }),
          { maxLength: n * 3 },
        ),
        targets: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 3 }),
        sources: fc.uniqueArray(
          fc.record({
            node: fc.integer({ min: 0, max: n - 1 }),
            p: fc.integer({ min: 1, max: 10 }).map((x) => x / 10),
          }),
          { minLength: 1, maxLength: 3, selector: (s) => s.node },
        ),
      }),
    )
    .map((g): G => {
      // Deduplicate (from, to) like derived edges keyed by (from, kind, to); drop self-loops.
      const seen = new Set<string>();
      const edges = g.edges.filter((e) => {
        if (e.from === e.to || (acyclic && e.from > e.to)) return false;
        const k = `${e.from}>${e.to}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
      return { ...g, edges };
    });

function compact(g: G) {
  const { ids, index } = internIds(Array.from({ length: g.n }, (_, i) => `n${i}`));
  const cg = new CompactGraph(
    ids,
    index,
    g.edges.map((e) => ({ from: `n${e.from}`, to: `n${e.to}` })),
  );
  const weight = new Float64Array(cg.slotCount);
  for (let s = 0; s < cg.slotCount; s++) weight[s] = g.edges[cg.eid[s]!]!.w;
  const isTarget = new Uint8Array(g.n);
  for (const t of g.targets) isTarget[t] = 1;
  return { cg, weight, isTarget };
}

function run(g: G, k: number, removed?: number) {
  const { cg, weight, isTarget } = compact(g);
  const mask = new Uint8Array(cg.slotCount);
  if (removed !== undefined) mask[cg.slotOf[removed]!] = 1;
  const found: FoundPath[] = [];
  searchPaths(cg, g.sources, { k, weight, isTarget, mask }, (p) => found.push(p));
  return { found, cg };
}

/** Every simple path from each source to each target, with its probability. */
function naive(g: G): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const adj = Array.from({ length: g.n }, () => [] as Array<{ to: number; w: number }>);
  for (const e of g.edges) adj[e.from]!.push({ to: e.to, w: e.w });
  const targets = new Set(g.targets);
  g.sources.forEach((s, si) => {
    const onPath = new Set<number>([s.node]);
    const walk = (u: number, p: number) => {
      if (targets.has(u)) {
        const key = `${si}:${u}`;
        out.set(key, [...(out.get(key) ?? []), p]);
      }
      for (const { to, w } of adj[u]!) {
        if (onPath.has(to)) continue;
        onPath.add(to);
        walk(to, p * w);
        onPath.delete(to);
      }
    };
    walk(s.node, s.p);
  });
  for (const list of out.values()) list.sort((a, b) => b - a);
  return out;
}

function byPair(found: FoundPath[]): Map<string, FoundPath[]> {
  const m = new Map<string, FoundPath[]>();
  for (const f of found) {
    const key = `${f.source}:${f.target}`;
    m.set(key, [...(m.get(key) ?? []), f]);
  }
  return m;
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

describe("search", () => {
  it("agrees with the naive search: pairs, best probability, valid loop-free paths (random graphs)", () => {
    fc.assert(
      fc.property(graphArb(false), fc.integer({ min: 1, max: 4 }), (g, k) => {
        const { found, cg } = run(g, k);
        const ref = naive(g);
        const got = byPair(found);
        expect(new Set(got.keys())).toEqual(new Set(ref.keys()));
        for (const [key, paths] of got) {
          const want = ref.get(key)!;
          expect(paths.length).toBeLessThanOrEqual(k);
          expect(close(paths[0]!.prob, want[0]!)).toBe(true);
          const seenPaths = new Set<string>();
          for (let i = 0; i < paths.length; i++) {
            const p = paths[i]!;
            if (i > 0) expect(p.prob).toBeLessThanOrEqual(paths[i - 1]!.prob + 1e-12);
            // A real path from the source to the target, no node twice, probability as multiplied.
            const src = g.sources[p.source]!;
            let at = src.node;
            let prob = src.p;
            const visited = new Set([at]);
            for (const s of p.slots) {
              const e = g.edges[cg.eid[s]!]!;
              expect(e.from).toBe(at);
              at = e.to;
              expect(visited.has(at)).toBe(false);
              visited.add(at);
              prob *= e.w;
            }
            expect(at).toBe(p.target);
            expect(close(prob, p.prob)).toBe(true);
            const sig = p.slots.join(",");
            expect(seenPaths.has(sig)).toBe(false);
            seenPaths.add(sig);
            expect(want.some((w) => close(w, p.prob))).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("finds exactly the k best paths on acyclic graphs", () => {
    fc.assert(
      fc.property(graphArb(true), fc.integer({ min: 1, max: 4 }), (g, k) => {
        const got = byPair(run(g, k).found);
        for (const [key, want] of naive(g)) {
          const probs = got.get(key)!.map((p) => p.prob);
          const top = want.slice(0, k);
          expect(probs.length).toBe(top.length);
          probs.forEach((p, i) => expect(close(p, top[i]!)).toBe(true));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("removing an edge never adds a pair and never raises a best path", () => {
    fc.assert(
      fc.property(
        graphArb(false).filter((g) => g.edges.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 3 }),
        (g, pick, k) => {
          const removed = pick % g.edges.length;
          const before = byPair(run(g, k).found);
          const after = byPair(run(g, k, removed).found);
          for (const [key, paths] of after) {
            expect(before.has(key)).toBe(true);
            expect(paths[0]!.prob).toBeLessThanOrEqual(before.get(key)![0]!.prob + 1e-12);
            // No kept path uses the removed edge.
            const { cg } = compact(g);
            for (const p of paths) expect(p.slots).not.toContain(cg.slotOf[removed]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("finds a 21-hop path (the hop limit is 32)", () => {
    const n = 22;
    const edges = Array.from({ length: n - 1 }, (_, i) => ({ from: i, to: i + 1, w: 0.99 }));
    const g: G = { n, edges, targets: [n - 1], sources: [{ node: 0, p: 1 }] };
    const got = byPair(run(g, 2).found);
    expect(got.get(`0:${n - 1}`)![0]!.slots).toHaveLength(n - 1);
  });

  it("pruning by potential is lossless: every pair whose best path clears the bound is found, with its exact best", () => {
    fc.assert(
      fc.property(
        graphArb(false),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        (g, k, m) => {
          const minProb = m / 100;
          const { cg, weight, isTarget } = compact(g);
          const tw = new Float64Array(g.n);
          g.targets.forEach((t, i) => (tw[t] = [1, 0.8, 0.6][i % 3]!));
          const potential = potentials(cg, weight, tw);
          const found: FoundPath[] = [];
          searchPaths(cg, g.sources, { k, weight, isTarget, potential, minProb }, (p) => found.push(p));
          const got = byPair(found);
          for (const [key, want] of naive(g)) {
            const target = Number(key.split(":")[1]);
            const best = want[0]! * tw[target]!;
            if (best >= minProb + 1e-12) expect(close(got.get(key)![0]!.prob, want[0]!)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("LabelSearch reports what searchPaths finds, each label's path read back before the next source; a graph built from node numbers equals one built from ids", () => {
    fc.assert(
      fc.property(graphArb(false), fc.integer({ min: 1, max: 3 }), (g, k) => {
        const { cg, weight, isTarget } = compact(g);
        const byNumber = new CompactGraph(cg.ids, cg.index, {
          from: Uint32Array.from(g.edges, (e) => e.from),
          to: Uint32Array.from(g.edges, (e) => e.to),
        });
        for (const f of ["off", "dst", "eid", "slotOf"] as const) expect(byNumber[f]).toEqual(cg[f]);
        const want: FoundPath[] = [];
        searchPaths(cg, g.sources, { k, weight, isTarget }, (p) => want.push(p));
        const got: Array<FoundPath & { mapped: number[] }> = [];
        const pending: Array<{ source: number; target: number; prob: number; label: number }> = [];
        const search: LabelSearch = new LabelSearch(cg, {
          k,
          weight,
          isTarget,
          // Read back when the source is done (its labels are reused by the next one).
          done: () => {
            for (const p of pending)
              got.push({
                source: p.source,
                target: p.target,
                prob: p.prob,
                slots: search.slots(p.label),
                mapped: search.mapped(p.label, (s) => 2 * s + 1, p.source),
              });
            pending.length = 0;
          },
        });
        search.run(g.sources, (source, target, prob, label) => {
          expect(search.depth(label)).toBe(want[got.length + pending.length]!.slots.length);
          pending.push({ source, target, prob, label });
        });
        expect(got.map(({ mapped: _, ...p }) => p)).toEqual(want);
        for (const p of got) expect(p.mapped).toEqual([p.source, ...p.slots.map((s) => 2 * s + 1)]);
      }),
      { numRuns: 300 },
    );
  });

  it("reachability counts the nodes each source reaches", () => {
    const g: G = {
      n: 5,
      edges: [
        { from: 0, to: 1, w: 1 },
        { from: 1, to: 2, w: 1 },
        { from: 3, to: 4, w: 1 },
      ],
      targets: [2],
      sources: [],
    };
    const { cg } = compact(g);
    expect([...reachability(cg, [0, 3, 2])]).toEqual([3, 2, 1]);
  });
});
