// Migration 7 (the compact derived-edge form) on a database written before it: every generation's
// rows read back through the derived_edges view exactly as stored, the current one served by the
// store's reads, and the next generation written on both paths carries first_seen over from the
// converted rows and drops the retired generations as before.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DerivedEdgeFact, Edge } from "@ctem/model";
import { openSqliteStores } from "../src/index.js";
import type { SqliteStores } from "../src/index.js";
import { MIGRATIONS } from "../src/sqlite/migrations.js";

let dir: string;
const opened: SqliteStores[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-derived-m7-"));
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

interface OldRow {
  generation: string;
  from_id: string;
  kind: string;
  to_id: string;
  props: string;
  evidence: string;
  assumptions: string;
  first_seen: string;
  last_seen: string;
}

const T1 = "2026-01-01T00:00:00.000Z";
const T2 = "2026-01-02T00:00:00.000Z";
const T3 = "2026-01-03T00:00:00.000Z";
const ev = (ref: string) => JSON.stringify([{ source: "aws-iam", ref, detail: { n: ref.length } }]);

/** Three generations as the old table held them: retired g-1, current g-2, g-3 awaiting promotion. */
function oldRows(): OldRow[] {
  const rows: OldRow[] = [];
  const shared = ev("shared");
  for (let i = 0; i < 40; i++) {
    const base = {
      from_id: `arn:aws:iam::1:role/r${i % 7}`,
      kind: i % 3 === 0 ? "CAN_ASSUME" : "CAN_REACH",
      to_id: `arn:aws:iam::1:role/t${i}`,
      assumptions: i % 4 === 0 ? '[{"code":"condition_not_evaluated"}]' : "[]",
    };
    rows.push({ ...base, generation: "g-1", props: "{}", evidence: shared, first_seen: T1, last_seen: T1 });
    rows.push({
      ...base,
      generation: "g-2",
      props: i % 5 === 0 ? `{"n":${i}}` : "{}",
      evidence: i % 2 === 0 ? shared : ev(`e${i} \u2028 "q"`),
      first_seen: i % 3 === 0 ? T2 : T1, // carried over from g-1, or new in g-2
      last_seen: T2,
    });
    if (i % 2 === 0)
      rows.push({
        ...base,
        generation: "g-3",
        props: "{}",
        evidence: ev(`g3 ${i}`),
        first_seen: T1,
        last_seen: T3,
      });
  }
  // A row whose last_seen differs from its generation's other rows: kept as it is.
  rows.push({
    generation: "g-2",
    from_id: "odd",
    kind: "EXPOSES",
    to_id: "x",
    props: "{}",
    evidence: ev("odd"),
    assumptions: "[]",
    first_seen: T1,
    last_seen: T1,
  });
  return rows;
}

/** A database at schema 6 (migrations 1-6) holding `rows`, g-2 current and g-3 awaiting promotion. */
function oldDatabase(file: string, rows: OldRow[]): void {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  for (let i = 0; i < 6; i++) db.exec(MIGRATIONS[i]!);
  db.pragma("user_version = 6");
  const insert = db.prepare(
    `INSERT INTO derived_edges (generation, from_id, kind, to_id, props, evidence, assumptions, first_seen, last_seen)
     VALUES (@generation, @from_id, @kind, @to_id, @props, @evidence, @assumptions, @first_seen, @last_seen)`,
  );
  db.transaction(() => {
    for (const r of rows) insert.run(r);
    db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run("derived_generation", "g-2");
    db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run("derived_pending:g-3", T3);
  })();
  db.close();
}

const byKey = (a: OldRow, b: OldRow) =>
  a.generation.localeCompare(b.generation, "en") ||
  (a.from_id < b.from_id ? -1 : a.from_id > b.from_id ? 1 : 0) ||
  (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) ||
  (a.to_id < b.to_id ? -1 : a.to_id > b.to_id ? 1 : 0);

const edgeOf = (r: OldRow): Edge => ({
  from: r.from_id,
  kind: r.kind as Edge["kind"],
  to: r.to_id,
  props: JSON.parse(r.props) as Edge["props"],
  evidence: JSON.parse(r.evidence) as Edge["evidence"],
  assumptions: JSON.parse(r.assumptions) as Edge["assumptions"],
  sources: [],
  derived: true,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
});

describe("migration 7: derived edges in the compact form", () => {
  it("converts every stored generation; readers get the same rows, in the same order", async () => {
    const rows = oldRows();
    const file = path.join(dir, "old.db");
    oldDatabase(file, rows);
    const s = openSqliteStores(file);
    opened.push(s);
    const r = s.handle.reader;
    expect(r.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    // Every generation, every column, as the old table held them.
    const all = r.prepare<[], OldRow>("SELECT * FROM derived_edges").all();
    expect([...all].sort(byKey)).toEqual([...rows].sort(byKey));
    // The current generation as the snapshot reads it (no ORDER BY): key order, as before.
    const current = r
      .prepare<[], OldRow>(
        "SELECT * FROM derived_edges WHERE generation = (SELECT value FROM meta WHERE key = 'derived_generation')",
      )
      .all();
    expect(current).toEqual(rows.filter((x) => x.generation === "g-2").sort(byKey));
    // Each generation's texts stored once.
    const texts = r.prepare<[], { n: number }>("SELECT count(*) AS n FROM derived_texts").get()!.n;
    const distinct = new Set(
      rows.flatMap((x) => [x.props, x.evidence, x.assumptions].map((t) => `${x.generation} ${t}`)),
    ).size;
    expect(texts).toBe(distinct);

    // The store's reads serve g-2.
    const from = "arn:aws:iam::1:role/r0";
    const out = await s.graph.neighbours(from, { direction: "out" });
    expect(out.filter((e) => e.derived)).toEqual(current.filter((x) => x.from_id === from).map(edgeOf));
    const to = "arn:aws:iam::1:role/t3";
    expect((await s.graph.neighbours(to, { direction: "in" })).filter((e) => e.derived)).toEqual(
      current.filter((x) => x.to_id === to).map(edgeOf),
    );
    const snap: Edge[] = [];
    for await (const item of s.graph.snapshot()) if (item.t === "edge" && item.v.derived) snap.push(item.v);
    expect(snap).toEqual(current.map(edgeOf));
  });

  it("the next generation carries first_seen over from the converted rows, on both paths", async () => {
    for (const mode of ["inline", "worker"] as const) {
      const rows = oldRows();
      const file = path.join(dir, `${mode}.db`);
      oldDatabase(file, rows);
      const s = openSqliteStores(file, { derivedWrite: mode });
      opened.push(s);
      const g2 = rows.filter((x) => x.generation === "g-2");
      const next: DerivedEdgeFact[] = g2
        .filter((_, i) => i % 2 === 0)
        .map((x) => ({
          from: x.from_id,
          kind: x.kind as Edge["kind"],
          to: x.to_id,
          props: {},
          evidence: [{ source: "s", ref: "g-4" }],
          assumptions: [],
          sources: [],
        }));
      next.push({
        from: "new",
        kind: "EXPOSES",
        to: "y",
        props: {},
        evidence: [{ source: "s", ref: "r" }],
        assumptions: [],
        sources: [],
      });
      await s.graph.replaceDerived("g-4", next);
      const r = s.handle.reader;
      const written = r.prepare<[], OldRow>("SELECT * FROM derived_edges WHERE generation = 'g-4'").all();
      expect(written).toHaveLength(next.length);
      const was = new Map(g2.map((x) => [`${x.from_id} ${x.kind} ${x.to_id}`, x.first_seen]));
      const now = written[0]!.last_seen;
      expect(now > T3).toBe(true);
      for (const w of written) {
        expect(w.first_seen).toBe(was.get(`${w.from_id} ${w.kind} ${w.to_id}`) ?? now);
        expect(w.last_seen).toBe(now);
      }
      // g-1 (retired) was dropped with its texts; g-2 (current) and g-3 (awaiting promotion) stay.
      const generations = r
        .prepare<[], string>("SELECT analysis_id FROM derived_generations ORDER BY 1")
        .pluck()
        .all();
      expect(generations).toEqual(["g-2", "g-3", "g-4"]);
      const counts = r
        .prepare<[], { texts: number; ranged: number }>(
          "SELECT (SELECT count(*) FROM derived_texts) AS texts, (SELECT sum(texts_to - texts_from) FROM derived_generations) AS ranged",
        )
        .get()!;
      expect(counts.texts).toBe(counts.ranged);
      expect(r.prepare("SELECT * FROM derived_edges WHERE generation = 'g-2'").all()).toEqual(g2.sort(byKey));
      // Promotion makes g-4 current; the next write drops g-2 and g-3.
      await s.graph.promoteDerived("g-4");
      const out = await s.graph.neighbours("new", { direction: "out" });
      expect(out.map((e) => e.to)).toEqual(["y"]);
      await s.graph.replaceDerived("g-5", next);
      expect(
        r.prepare<[], string>("SELECT analysis_id FROM derived_generations ORDER BY 1").pluck().all(),
      ).toEqual(["g-4", "g-5"]);
    }
  });
});
