// The writer thread's sink (write-sink.ts ThreadSink → sql-writer.mjs): executions travel as flat
// chunks (numbers, kinds, an array of strings), so every kind of SQL value must arrive as it was sent,
// in order, across chunk boundaries, and match what the same executions write inline.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqlite } from "../src/sqlite/db.js";
import type { SqliteHandle } from "../src/sqlite/db.js";
import { InlineSink, ThreadSink } from "../src/sqlite/write-sink.js";
import type { SqlValue, WriteSink } from "../src/sqlite/write-sink.js";

let dir: string;
let h: SqliteHandle;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-sink-"));
  h = openSqlite(path.join(dir, "ctem.db"));
  h.writer.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, a, b, c)");
});
afterEach(async () => {
  await h.idle();
  h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rows with every kind of value the sink carries, strings of both widths and of every length. */
function rows(count: number): SqlValue[][] {
  const out: SqlValue[][] = [];
  const texts = ["", "x", "plain ascii", 'quotes " and \\ and \n', "é→ü 日本", "🔥 emoji", "a".repeat(5000)];
  for (let n = 0; n < count; n++)
    out.push([
      n,
      n % 7 === 0 ? null : texts[n % texts.length]! + String(n),
      n % 5 === 0 ? 2n ** 60n + BigInt(n) : n % 3 === 0 ? -n / 4 : Number.MAX_SAFE_INTEGER - n,
      n % 2 === 0 ? texts[(n + 3) % texts.length]! : n + 0.5,
    ]);
  return out;
}

function write(sink: WriteSink, data: SqlValue[][]): void {
  const insert = sink.stmt("INSERT INTO t (n, a, b, c) VALUES (?, ?, ?, ?)");
  const update = sink.stmt("UPDATE t SET a = ? WHERE n = ?");
  for (const r of data) sink.run(insert, r);
  // Later executions see earlier ones: order is kept across chunks.
  sink.run(update, ["updated", 3]);
}

const readBack = () =>
  h.reader
    .prepare("SELECT n, a, b, c, typeof(b) AS tb, typeof(c) AS tc FROM t ORDER BY n")
    .safeIntegers(true)
    .all();

describe("ThreadSink", () => {
  it("writes every kind of value as the writer connection does, across many chunks", async () => {
    // 30,000 executions of 4 values: several chunks.
    const data = rows(30_000);
    h.writer.transaction(() => write(new InlineSink(h.writer), data))();
    const inline = readBack();
    h.writer.exec("DELETE FROM t");

    const sink = new ThreadSink(h.file, "test write");
    h.background(sink.exited);
    await sink.began;
    write(sink, data);
    await sink.finish();
    const threaded = readBack();

    expect(threaded).toHaveLength(30_000);
    expect(threaded).toEqual(inline);
    expect(threaded[3]).toMatchObject({ a: "updated" });
    expect(threaded[5]).toMatchObject({ b: 2n ** 60n + 5n, tb: "integer" });
    expect(threaded[7]).toMatchObject({ a: null });
    expect(threaded.find((r) => String((r as { a: unknown }).a).startsWith("🔥"))).toBeDefined();
  });

  it("carries executions with many parameters, which outgrow a chunk's arrays", async () => {
    // 1,500 parameters an execution: the 34th does not fit the chunk's 51,024 slots.
    const width = 1_500;
    const cols = Array.from({ length: width }, (_, i) => `c${i}`);
    h.writer.exec(`CREATE TABLE wide (${cols.join(", ")})`);
    const sink = new ThreadSink(h.file, "test write");
    h.background(sink.exited);
    await sink.began;
    const insert = sink.stmt(`INSERT INTO wide VALUES (${cols.map(() => "?").join(", ")})`);
    const sent: SqlValue[][] = [];
    for (let r = 0; r < 40; r++) {
      const row = cols.map((_, i) => ((i + r) % 3 === 0 ? `r${r}c${i}` : (i + r) % 3 === 1 ? r * i : null));
      sent.push(row);
      sink.run(insert, row);
    }
    await sink.finish();
    expect(h.reader.prepare("SELECT * FROM wide ORDER BY rowid").raw().all()).toEqual(sent);
  });

  it("rolls back and names the statement when an execution fails", async () => {
    const sink = new ThreadSink(h.file, "test write");
    h.background(sink.exited);
    await sink.began;
    const insert = sink.stmt("INSERT INTO t (n, a) VALUES (?, ?)");
    sink.run(insert, [1, "one"]);
    sink.run(insert, [1, "again"]);
    await expect(sink.finish()).rejects.toThrow(/test write was not written: .*UNIQUE.*INSERT INTO t/);
    expect(readBack()).toEqual([]);
  });
});
