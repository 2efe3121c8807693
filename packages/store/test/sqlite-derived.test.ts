// The SQLite derived-edge write on both of its paths (inline on the calling thread; a worker thread
// with its own connection): the same rows as zod's output would give, byte for byte, the same
// first_seen carry-over, the same errors with nothing written, rollback when the thread fails
// mid-generation, and the store's write lock held until the thread has committed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DerivedEdgeFact, parseItem } from "@ctem/model";
import type { AnalysisRun, DerivedEdgeFact as DerivedEdgeFactIn } from "@ctem/model";
import { openSqliteStores } from "../src/index.js";
import type { SqliteStores } from "../src/index.js";
import type { EdgeRow } from "../src/sqlite/rows.js";
import { describeGraphStoreContract, key, nodeFact, scanRun } from "../src/contract/graph-store.contract.js";

const MODES = ["inline", "worker"] as const;
type Mode = (typeof MODES)[number];

let dir: string;
const opened: SqliteStores[] = [];
const open = (mode: Mode, name: string = mode) => {
  const s = openSqliteStores(path.join(dir, `${name}.db`), { derivedWrite: mode });
  opened.push(s);
  return s;
};
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-derived-"));
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

type Row = Omit<EdgeRow, "srcs" | "derived">;
const rowsOf = (s: SqliteStores, gen: string) =>
  s.handle.reader
    .prepare<[string], Row>(
      `SELECT from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen
       FROM derived_edges WHERE generation = ? ORDER BY from_id, kind, to_id`,
    )
    .all(gen);
const pendingMarks = (s: SqliteStores) =>
  s.handle.reader
    .prepare<[], { key: string }>("SELECT key FROM meta WHERE key LIKE 'derived_pending:%' ORDER BY key")
    .all()
    .map((r) => r.key);

/** Rows of each table of the stored form (migration 7), and the texts the generations' ranges hold. */
const storedCounts = (s: SqliteStores) =>
  s.handle.reader
    .prepare(
      `SELECT (SELECT count(*) FROM derived_generations) AS generations, (SELECT count(*) FROM derived_rows) AS rows,
         (SELECT count(*) FROM derived_texts) AS texts,
         (SELECT coalesce(sum(texts_to - texts_from), 0) FROM derived_generations) AS ranged,
         (SELECT count(*) FROM derived_names) AS names,
         (SELECT coalesce(sum(names_to - names_from), 0) FROM derived_generations) AS rangedNames`,
    )
    .get();

/** What the zod path stores: each fact parsed, its parts as JSON; of two facts with one key the later. */
function expected(facts: unknown[]) {
  const byKey = new Map<string, Omit<Row, "first_seen" | "last_seen">>();
  facts.forEach((f, i) => {
    const e = parseItem(DerivedEdgeFact, f, "derived edge", `#${i}`);
    byKey.set(`${e.from}\u0000${e.kind}\u0000${e.to}`, {
      from_id: e.from,
      kind: e.kind,
      to_id: e.to,
      props: JSON.stringify(e.props),
      evidence: JSON.stringify(e.evidence),
      assumptions: JSON.stringify(e.assumptions),
    });
  });
  return [...byKey.values()].sort((a, b) =>
    a.from_id !== b.from_id
      ? a.from_id < b.from_id
        ? -1
        : 1
      : a.kind !== b.kind
        ? a.kind < b.kind
          ? -1
          : 1
        : a.to_id < b.to_id
          ? -1
          : a.to_id > b.to_id
            ? 1
            : 0,
  );
}

const role = (i: number) => `arn:aws:iam::111122223333:role/r-${String(i).padStart(6, "0")}`;

/** A class instance: zod reads it as an object; its JSON is not what zod's copy gives. */
class Ev {
  source = "aws-iam";
  ref = "instance";
}

/**
 * `n` facts as the engine hands them (frozen evidence, props and assumptions shared between edges,
 * out of key order), with the unusual shapes zod accepts (and strips, reorders or defaults) spread
 * over them, and a repeated key whose later fact must win.
 */
function facts(n: number, tag: string): DerivedEdgeFactIn[] {
  const sharedEvidence = Object.freeze([
    Object.freeze({ source: "aws-iam", ref: `trust ${tag}`, detail: Object.freeze({ principal: "*" }) }),
  ]);
  const sharedProps = Object.freeze({ rules: Object.freeze(["iam-assume-role"]) });
  const sharedAssumptions = Object.freeze([Object.freeze({ code: "condition_not_evaluated" })]);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const j = (i * 7919) % n; // out of key order
    out.push({
      from: role(j % 613),
      kind: j % 3 === 0 ? "CAN_ASSUME" : "CAN_ESCALATE",
      to: role(j),
      props: j % 5 === 0 ? { level: "admin", rules: ["x"], n: j } : sharedProps,
      evidence: j % 4 === 0 ? [{ source: "iam-policy", ref: `p#${j}`, detail: { j } }] : sharedEvidence,
      assumptions: j % 6 === 0 ? sharedAssumptions : [],
    });
  }
  const odd: Array<Record<string, unknown>> = [
    { evidence: [{ source: "s", ref: "no props, no assumptions" }] },
    { sources: [], evidence: [{ source: "s", ref: "empty sources" }] },
    { evidence: [{ ref: "keys out of order", source: "s" }] },
    { evidence: [{ source: "s", ref: "unknown key stripped", extra: 1 }] },
    { note: "an unknown fact key", evidence: [{ source: "s", ref: "r" }] },
    { props: JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as object, evidence: [{ source: "s", ref: "r" }] },
    { evidence: [{ source: "s", ref: "detail undefined", detail: undefined }] },
    { props: Object.assign(Object.create(null) as object, { a: 1 }), evidence: [{ source: "s", ref: "r" }] },
    { props: { constructor: "x" }, evidence: [{ source: "s", ref: "r" }] },
    { evidence: [new Ev()] },
    { evidence: [{ source: "s", ref: "r" }], assumptions: [{ detail: { b: 1 }, code: "out_of_order" }] },
    { evidence: [{ source: "s", ref: "r" }], assumptions: [{ code: "with_detail", detail: { b: [1, 2] } }] },
    {
      sources: [{ source: "aws:111122223333", region: "global", collector: "aws-iam" }],
      evidence: [{ source: "s", ref: "sources given" }],
    },
  ];
  odd.forEach((o, k) => {
    const at = Math.floor(((k + 1) * n) / (odd.length + 2));
    out.splice(at, 0, { from: `odd-${k}`, kind: "CAN_REACH", to: "internet", ...o });
  });
  // The same key twice: the later fact wins.
  out.push({ ...(out[1] as object), evidence: [{ source: "s", ref: `later ${tag}` }] });
  // Typed as the port takes them; the odd shapes are what a caller may still hand over.
  return out as DerivedEdgeFactIn[];
}

describe("derived edges: inline and from the writer thread", () => {
  it("store what zod's output gives, byte for byte, on both paths, and carry first_seen over", async () => {
    const n = 12_500; // more than one message to the thread
    for (const mode of MODES) {
      const s = open(mode);
      const g1 = facts(n, "g1");
      await s.graph.replaceDerived("g1", g1);
      const r1 = rowsOf(s, "g1");
      expect(r1.map(({ first_seen: _f, last_seen: _l, ...r }) => r)).toEqual(expected(g1));
      expect(pendingMarks(s)).toEqual(["derived_pending:g1"]);
      await s.graph.promoteDerived("g1");
      await new Promise((r) => setTimeout(r, 5)); // a later clock for the next generation
      // Half the keys again (different evidence), half new.
      const g2 = facts(n, "g2").filter((_, i) => i % 2 === 0);
      g2.push({ from: "new", kind: "EXPOSES", to: "edge", evidence: [{ source: "s", ref: "r" }] });
      await s.graph.replaceDerived("g2", g2);
      const r2 = rowsOf(s, "g2");
      expect(r2.map(({ first_seen: _f, last_seen: _l, ...r }) => r)).toEqual(expected(g2));
      const before = new Map(r1.map((r) => [`${r.from_id} ${r.kind} ${r.to_id}`, r.first_seen]));
      const now = r2[0]!.last_seen;
      expect(now > r1[0]!.last_seen).toBe(true);
      let carried = 0;
      for (const r of r2) {
        expect(r.last_seen).toBe(now);
        const was = before.get(`${r.from_id} ${r.kind} ${r.to_id}`);
        expect(r.first_seen).toBe(was ?? now);
        if (was) carried++;
      }
      expect(carried).toBeGreaterThan(n / 3);
    }
    // The two paths wrote the same bytes.
    const [a, b] = opened;
    expect(rowsOf(b!, "g2").map(({ first_seen: _f, last_seen: _l, ...r }) => r)).toEqual(
      rowsOf(a!, "g2").map(({ first_seen: _f, last_seen: _l, ...r }) => r),
    );
  });

  it("a bad fact gets zod's error naming it and its field, and nothing of the generation is written", async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ from: "a", kind: "EXPOSES", to: "b", evidence: [] }, /field evidence/],
      [{ from: "a", kind: "NOT_A_KIND", to: "b", evidence: [{ source: "s", ref: "r" }] }, /field kind/],
      [{ from: "", kind: "EXPOSES", to: "b", evidence: [{ source: "s", ref: "r" }] }, /field from/],
      [
        { from: "a", kind: "EXPOSES", to: "b", evidence: [{ source: "", ref: "r" }] },
        /field evidence\[0\]\.source/,
      ],
      [
        {
          from: "a",
          kind: "EXPOSES",
          to: "b",
          evidence: [{ source: "s", ref: "r" }],
          assumptions: [{ code: "Bad" }],
        },
        /field assumptions\[0\]\.code/,
      ],
      [
        {
          from: "a",
          kind: "EXPOSES",
          to: "b",
          props: { [Symbol("x")]: 1 },
          evidence: [{ source: "s", ref: "r" }],
        },
        /field props/,
      ],
      [
        { from: "a", kind: "EXPOSES", to: "b", props: [], evidence: [{ source: "s", ref: "r" }] },
        /field props/,
      ],
      [
        { from: "a", kind: "EXPOSES", to: "b", evidence: [{ source: "s", ref: "r" }], sources: [{}] },
        /field sources/,
      ],
      ["not an object", /derived edge #11000/],
    ];
    for (const mode of MODES) {
      const s = open(mode);
      await s.graph.replaceDerived("g1", facts(50, "g1"));
      await s.graph.promoteDerived("g1");
      for (const [fact, message] of bad) {
        // In the middle of a generation the thread has already been given rows for.
        const all = facts(12_000, "g2");
        all.splice(11_000, 0, fact as DerivedEdgeFactIn);
        const zod = (() => {
          try {
            parseItem(DerivedEdgeFact, fact, "derived edge", "#11000");
          } catch (e) {
            return (e as Error).message;
          }
        })();
        const err = await s.graph.replaceDerived("g2", all).then(
          () => undefined,
          (e: unknown) => e as Error & { details?: unknown },
        );
        expect(err?.name, `${mode}: ${String(zod)}`).toBe("ValidationError");
        expect(err?.message).toBe(zod);
        expect(err?.message).toMatch(message);
        expect(rowsOf(s, "g2")).toEqual([]);
        expect(pendingMarks(s)).toEqual([]);
      }
      // The lock was let go and the store works on.
      await s.graph.replaceDerived("g2", facts(20, "g2"));
      expect(rowsOf(s, "g2")).toHaveLength(expected(facts(20, "g2")).length);
      expect(pendingMarks(s)).toEqual(["derived_pending:g2"]);
      expect(rowsOf(s, "g1").length).toBeGreaterThan(0);
    }
  });

  it("checks each fact's own parts, whatever the facts before it shared", async () => {
    const evidence = Object.freeze([Object.freeze({ source: "s", ref: "shared" })]);
    const props = Object.freeze({ rules: Object.freeze(["r"]) });
    for (const mode of MODES) {
      const s = open(mode, `own-${mode}`);
      // The first fact of a generation without evidence; then one after a run sharing its parts.
      for (const [all, from] of [
        [[{ from: "a", kind: "EXPOSES", to: "b" }], "a"],
        [
          [
            ...Array.from({ length: 30 }, (_, i) => ({
              from: `a${i}`,
              kind: "EXPOSES",
              to: "b",
              props,
              evidence,
            })),
            { from: "z", kind: "EXPOSES", to: "b", props },
          ],
          "z",
        ],
      ] as const) {
        const err = await s.graph.replaceDerived("g", all as unknown as DerivedEdgeFactIn[]).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(err?.message).toMatch(new RegExp(`'${from} -EXPOSES-> b'.*field evidence`));
      }
      const good = Array.from({ length: 30 }, (_, i) => ({
        from: `a${i}`,
        kind: "EXPOSES",
        to: "b",
        props,
        evidence,
      }));
      await s.graph.replaceDerived("g", good as unknown as DerivedEdgeFactIn[]);
      expect(rowsOf(s, "g").map(({ first_seen: _f, last_seen: _l, ...r }) => r)).toEqual(expected(good));
    }
  });

  it("the writer thread failing mid-generation rolls it back and says why", async () => {
    const s = open("worker");
    await s.graph.replaceDerived("g1", facts(100, "g1"));
    await s.graph.promoteDerived("g1");
    // A real SQLite failure partway through the thread's inserts.
    const other = new Database(s.handle.file);
    other.exec(`CREATE TRIGGER fail_midway BEFORE INSERT ON derived_rows
      WHEN (SELECT name FROM derived_names WHERE id = NEW.from_id) = '${role(600)}' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    const before = storedCounts(s);
    await expect(s.graph.replaceDerived("g2", facts(12_000, "g2"))).rejects.toThrow(
      /derived generation g2 was not written: .*disk on fire/,
    );
    expect(rowsOf(s, "g2")).toEqual([]);
    expect(pendingMarks(s)).toEqual([]);
    // Nothing of g2 stays: no generation, no texts (written as they came), no rows.
    expect(storedCounts(s)).toEqual(before);
    expect(await s.graph.neighbours(role(1), { direction: "out" })).toHaveLength(1);
    expect(rowsOf(s, "g1")).toHaveLength(expected(facts(100, "g1")).length);
    other.exec("DROP TRIGGER fail_midway");
    other.close();
    await s.graph.replaceDerived("g2", facts(12_000, "g2"));
    expect(rowsOf(s, "g2")).toHaveLength(expected(facts(12_000, "g2")).length);
  });

  it("validates and hands the edges over within the call, and holds the write lock until committed", async () => {
    const s = open("worker");
    const ec2 = key("aws:111122223333", "us-east-1", "aws-ec2-instances");
    const i1 = "arn:aws:ec2:us-east-1:111122223333:instance/i-1";
    let consumed = false;
    function* edges() {
      yield* facts(15_000, "a1");
      consumed = true;
    }
    const order: string[] = [];
    const write = s.graph.replaceDerived("a1", edges()).then(() => order.push("derived"));
    expect(consumed).toBe(true);
    // Writes that wait on the same lock: a scan, then the analysis commit promoting the generation.
    const scan = s.graph
      .applyScan(scanRun([ec2]), [{ nodes: [nodeFact(i1, ec2)] }])
      .then(() => order.push("scan"));
    const run: AnalysisRun = { id: "a1", startedAt: "2026-01-01T00:00:00.000Z", status: "running" };
    const commit = s.app
      .commitAnalysis(run, { issues: [], paths: [], tiers: [], findingPriorities: [], fixPlan: [] })
      .then(() => order.push("commit"));
    await Promise.all([write, scan, commit]);
    expect(order).toEqual(["derived", "scan", "commit"]);
    expect((await s.app.currentAnalysis())?.id).toBe("a1");
    expect(await s.graph.getNode(i1)).toBeDefined();
    const out = await s.graph.neighbours(role(0), { direction: "out" });
    expect(out.length).toBeGreaterThan(0);
    expect(out.every((e) => e.derived)).toBe(true);
  });

  it("promotion retires the other generations; the next write drops them, keeping one awaiting promotion", async () => {
    for (const mode of MODES) {
      const s = open(mode);
      const generations = () =>
        s.handle.reader
          .prepare<[], string>("SELECT DISTINCT generation FROM derived_edges ORDER BY 1")
          .pluck()
          .all();
      const seen = async () =>
        (await s.graph.neighbours(role(1), { direction: "out" })).map((e) => e.evidence[0]?.ref);
      await s.graph.replaceDerived("g1", facts(200, "g1"));
      await s.graph.promoteDerived("g1");
      await s.graph.replaceDerived("g2", facts(200, "g2"));
      await s.graph.promoteDerived("g2");
      expect(generations()).toEqual(["g1", "g2"]); // g1 retired: no reader sees it
      expect(await seen()).toEqual(["trust g2"]);
      await s.graph.replaceDerived("g3", facts(200, "g3"));
      expect(generations()).toEqual(["g2", "g3"]);
      // g3 awaits promotion (another analysis' commit may still promote it): kept.
      await s.graph.replaceDerived("g4", facts(200, "g4"));
      expect(generations()).toEqual(["g2", "g3", "g4"]);
      await s.graph.promoteDerived("g3");
      expect(await seen()).toEqual(["trust g3"]);
      expect(rowsOf(s, "g3")).toHaveLength(expected(facts(200, "g3")).length);
      await expect(s.graph.promoteDerived("g4")).rejects.toThrow(/no derived generation g4/);
      await s.graph.replaceDerived("g5", facts(200, "g5"));
      expect(generations()).toEqual(["g3", "g5"]);
      // The dropped generations' texts went with them: what is left is what the two ranges hold.
      const left = storedCounts(s) as {
        generations: number;
        texts: number;
        ranged: number;
        names: number;
        rangedNames: number;
      };
      expect(left.generations).toBe(2);
      expect(left.texts).toBe(left.ranged);
      expect(left.names).toBe(left.rangedNames);
    }
  });

  it("keeps ids and texts holding control characters as they are, on both paths", async () => {
    for (const mode of MODES) {
      const s = open(mode);
      // U+0001 separates the texts sent to the thread; a text never holds it raw (JSON escapes it).
      const all = facts(6_000, "g1");
      all.push(
        {
          from: "a\u0001b\nc",
          kind: "CAN_REACH",
          to: "\u0000to",
          evidence: [{ source: "s", ref: "\u0001" }],
        },
        {
          from: "x",
          kind: "CAN_REACH",
          to: "y",
          props: { "k\u0001": "v\u0001\u2028" },
          evidence: [{ source: "s", ref: "r" }],
        },
      );
      await s.graph.replaceDerived("g1", all);
      expect(rowsOf(s, "g1").map(({ first_seen: _f, last_seen: _l, ...r }) => r)).toEqual(expected(all));
    }
  });

  it("reads a generation back in SQLite's order of its ids, beyond U+FFFF too, on both paths", async () => {
    for (const mode of MODES) {
      const s = open(mode);
      // UTF-16 puts a surrogate pair (U+1F600) before U+E000-U+FFFF; SQLite's BINARY order after.
      const ids = ["a", "a\u{1F600}", "a\uE000", "a\uFFFF", "a\u00e9", "b", "a\u{10FFFF}z", "A"];
      const all: DerivedEdgeFactIn[] = [];
      for (const from of ids)
        for (const to of ids)
          for (const kind of ["EXPOSES", "CAN_REACH"] as const)
            all.push({
              from,
              kind,
              to,
              props: {},
              evidence: [{ source: "s", ref: `${from}>${to}` }],
              assumptions: [],
              sources: [],
            });
      all.push(...facts(6_000, "g1"));
      await s.graph.replaceDerived("g1", all);
      const walk = s.handle.reader
        .prepare<[], Row>(
          "SELECT from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen FROM derived_edges WHERE generation = 'g1'",
        )
        .all();
      expect(walk).toEqual(rowsOf(s, "g1"));
      const js = (rows: Array<Omit<Row, "first_seen" | "last_seen">>) =>
        rows.map((r) => JSON.stringify(r)).sort();
      expect(js(walk.map(({ first_seen: _f, last_seen: _l, ...r }) => r))).toEqual(js(expected(all)));
      // The astral id sorts after U+E000-U+FFFF, as SQLite orders text.
      const froms = [...new Set(walk.map((r) => r.from_id))].filter(
        (f) => f.startsWith("a") && f.length <= 3,
      );
      expect(froms).toEqual(["a", "a\u00e9", "a\uE000", "a\uFFFF", "a\u{1F600}"]);
      await s.graph.promoteDerived("g1");
      for (const id of ids) {
        const into = await s.graph.neighbours(id, { direction: "in" });
        expect(into.map((e) => `${e.from} ${e.kind}`)).toEqual(
          walk.filter((r) => r.to_id === id).map((r) => `${r.from_id} ${r.kind}`),
        );
        const out = await s.graph.neighbours(id, { direction: "out" });
        expect(out.map((e) => `${e.kind} ${e.to}`)).toEqual(
          walk.filter((r) => r.from_id === id).map((r) => `${r.kind} ${r.to_id}`),
        );
      }
    }
  });

  it("stores an id with a lone surrogate as SQLite keeps its text (U+FFFD), one key with its twin", async () => {
    for (const mode of MODES) {
      const s = open(mode);
      const all = facts(6_000, "g1");
      all.push(
        { from: "x\uD800", kind: "CAN_REACH", to: "y", evidence: [{ source: "s", ref: "first" }] },
        { from: "x\uFFFD", kind: "CAN_REACH", to: "y", evidence: [{ source: "s", ref: "second" }] },
      );
      await s.graph.replaceDerived("g1", all);
      const rows = rowsOf(s, "g1").filter((r) => r.from_id.startsWith("x"));
      expect(rows.map((r) => [r.from_id, r.evidence])).toEqual([
        ["x\uFFFD", '[{"source":"s","ref":"second"}]'],
      ]);
      await s.graph.promoteDerived("g1");
      // The next generation carries its first_seen over.
      await new Promise((r) => setTimeout(r, 5));
      await s.graph.replaceDerived("g2", all);
      const again = rowsOf(s, "g2").filter((r) => r.from_id.startsWith("x"));
      expect(again.map((r) => r.first_seen)).toEqual(rows.map((r) => r.first_seen));
      expect(again[0]!.last_seen > rows[0]!.last_seen).toBe(true);
    }
  });

  it("takes async iterables on both paths", async () => {
    for (const mode of MODES) {
      const s = open(mode);
      const all = facts(11_000, "g1");
      async function* edges() {
        for (const f of all) yield await Promise.resolve(f);
      }
      await s.graph.replaceDerived("g1", edges());
      expect(rowsOf(s, "g1").map(({ first_seen: _f, last_seen: _l, ...r }) => r)).toEqual(expected(all));
    }
  });
});

// The whole GraphStore contract with every derived generation written from the writer thread.
describeGraphStoreContract("sqlite (derived edges from the writer thread)", () => {
  const d = mkdtempSync(path.join(tmpdir(), "ctem-store-"));
  const stores = openSqliteStores(path.join(d, "ctem.db"), { derivedWrite: "worker" });
  return Promise.resolve({
    store: stores.graph,
    async dispose() {
      await stores.close();
      rmSync(d, { recursive: true, force: true });
    },
  });
});
