// The SQLite snapshot on both of its paths (read on the calling thread; read on a worker thread with
// its own connection): the same items in the same order, with the same sharing, on an estate with
// claims from several sources, derived edges and findings from several tools; errors of the reading
// named; and a snapshot given up early leaving no reader behind.
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GraphFacts, GraphStore, SnapshotItem } from "@ctem/model";
import { openSqliteStores } from "../src/index.js";
import type { SqliteStores } from "../src/index.js";
import { snapshot } from "../src/sqlite/snapshot.js";
import { BACKGROUND_NICE } from "../src/sqlite/thread-priority.mjs";
import {
  all,
  describeGraphStoreContract,
  edgeFact,
  key,
  nodeFact,
  scanRun,
  vulnFact,
} from "../src/contract/graph-store.contract.js";

const MODES = ["inline", "worker"] as const;

for (const mode of MODES)
  describeGraphStoreContract(
    `sqlite, snapshot read ${mode === "inline" ? "inline" : "on a worker thread"}`,
    () => {
      const d = mkdtempSync(path.join(tmpdir(), "ctem-snapshot-"));
      const stores = openSqliteStores(path.join(d, "ctem.db"), { snapshotRead: mode });
      return Promise.resolve({
        store: stores.graph,
        async dispose() {
          await stores.close();
          rmSync(d, { recursive: true, force: true });
        },
      });
    },
  );

let dir: string;
let stores: SqliteStores;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-snapshot-"));
  stores = openSqliteStores(path.join(dir, "ctem.db"));
});
afterEach(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const acct = "aws:111122223333";
const ec2 = key(acct, "us-east-1", "aws-ec2-instances");
const sg = key(acct, "us-east-1", "aws-ec2-security-groups");
const iam = key(acct, "global", "aws-iam");
const insp = key("import:inspector2:111122223333", "global", "import-inspector2");
const trivy = key("import:trivy:111122223333", "global", "import-trivy");
const inst = (i: number) => `arn:aws:ec2:us-east-1:111122223333:instance/i-${String(i).padStart(17, "0")}`;
const group = (i: number) => `arn:aws:ec2:us-east-1:111122223333:security-group/sg-${i}`;

/**
 * An estate of 60 nodes, about 130 edges and 31 findings: nodes and edges claimed by one or two
 * collectors, short (shared) and long JSON values, Unicode, a stub, findings from one or two tools
 * and one that matches no node; a promoted derived generation and a newer one not promoted.
 */
async function seed(s: GraphStore): Promise<void> {
  const long = (i: number) => ({
    description: `${"long text ".repeat(8)}${i}`,
    port: i,
    nested: { a: [i, "ü"] },
  });
  const first: GraphFacts = { nodes: [], edges: [], findings: [] };
  const second: GraphFacts = { nodes: [], edges: [], findings: [] };
  for (let i = 0; i < 50; i++) {
    first.nodes!.push(
      nodeFact(inst(i), ec2, {
        name: i % 7 === 0 ? `数据库 — ${i} 🔐` : `web-${i}`,
        props: i % 4 === 0 ? long(i) : i % 4 === 1 ? { port: 8080 } : {},
        tags: i % 2 ? { env: "prod", Ünïcødé: "✓" } : {},
      }),
    );
    if (i % 3 === 0) second.nodes!.push(nodeFact(inst(i), sg));
    first.edges!.push(edgeFact(inst(i), "CAN_REACH", inst((i + 1) % 50), ec2, { props: { port: 22 } }));
    if (i % 3 === 0)
      second.edges!.push(edgeFact(inst(i), "CAN_REACH", inst((i + 1) % 50), sg, { props: { port: 22 } }));
    second.edges!.push(
      edgeFact(inst(i), "PROTECTED_BY", group(i % 10), sg, {
        evidence: i % 5 === 0 ? [{ source: "aws-ec2", ref: `${"rule ".repeat(20)}${i}` }] : [],
      }),
    );
    if (i % 2 === 0) {
      first.findings!.push(vulnFact(`CVE-2024-${1000 + i}`, inst(i), insp, "inspector2"));
      if (i % 4 === 0) second.findings!.push(vulnFact(`CVE-2024-${1000 + i}`, inst(i), trivy, "trivy"));
    }
  }
  for (let i = 0; i < 10; i++)
    second.nodes!.push(nodeFact(group(i), sg, { kind: "firewall", type: "aws.ec2.security_group" }));
  // An edge to a node no collector returned: the store keeps a stub for it.
  first.edges!.push(edgeFact(inst(1), "CAN_ASSUME", "arn:aws:iam::111122223333:role/unknown", iam));
  first.findings!.push(
    vulnFact("CVE-2024-9999", "arn:aws:ec2:us-east-1:111122223333:instance/i-gone", insp, "inspector2"),
  );
  await s.applyScan(scanRun([ec2, sg, iam, insp, trivy]), [first, second]);
  const derived = (g: string) =>
    Array.from({ length: 25 }, (_, i) => ({
      from: "internet",
      kind: "EXPOSES" as const,
      to: inst(i),
      props: i % 2 ? { ports: [22, 443], rules: ["exposes-instance"] } : {},
      evidence: [{ source: "rule", ref: `${g} ${"evidence ".repeat(i % 3 ? 1 : 10)}${i}` }],
      assumptions: i % 4 ? [] : [{ code: "attack_vector_unknown" }],
    }));
  await s.replaceDerived("g1", derived("g1"));
  await s.promoteDerived("g1");
  await s.replaceDerived("g2", derived("g2").slice(0, 3));
}

/** Which items share an object (by first index of each object) and which of those are frozen. */
function sharing(items: SnapshotItem[]): string {
  const ids = new Map<object, number>();
  const id = (o: object) => {
    let i = ids.get(o);
    if (i === undefined) ids.set(o, (i = ids.size));
    return `${i}${Object.isFrozen(o) ? "f" : ""}`;
  };
  return items
    .map((x) =>
      x.t === "node"
        ? [x.v.sources, x.v.tags, x.v.props].map(id).join()
        : x.t === "edge"
          ? [x.v.sources, x.v.props, x.v.evidence, x.v.assumptions].map(id).join()
          : id(x.v.sources),
    )
    .join(";");
}

describe("snapshot: inline and on a worker thread", () => {
  it("gives the same items, in the same order and with the same sharing, in chunks of any size", async () => {
    await seed(stores.graph);
    const h = stores.handle;
    for (const derived of [true, false]) {
      const inline = await all(snapshot(h, derived, "inline"));
      // What the inline snapshot gives is what the store's own reads give.
      const nodes = inline.filter((x) => x.t === "node").map((x) => x.v);
      expect(nodes).toHaveLength(61);
      expect(nodes).toEqual(await Promise.all(nodes.map(async (n) => stores.graph.getNode(n.id))));
      const findings = inline.filter((x) => x.t === "finding").map((x) => x.v);
      expect(findings).toEqual((await stores.graph.listFindings({}, { limit: 100 })).items);
      expect(findings.filter((f) => f.sources.length === 2)).toHaveLength(13);
      const edges = inline.filter((x) => x.t === "edge").map((x) => x.v);
      expect(edges.filter((e) => e.derived)).toHaveLength(derived ? 25 : 0);
      expect(edges.filter((e) => e.derived && e.evidence[0]!.ref.startsWith("g2"))).toEqual([]);
      expect(edges.filter((e) => !e.derived)).toHaveLength(101);
      expect(edges.filter((e) => e.sources.length === 2)).toHaveLength(17);
      const text = JSON.stringify(inline);
      // The same with each edge's structure alone (edgeDetail: false), every other item whole.
      const structure = inline.map((x) =>
        x.t === "edge"
          ? {
              t: "edge",
              v: { from: x.v.from, kind: x.v.kind, to: x.v.to, props: x.v.props, derived: x.v.derived },
            }
          : x,
      );
      for (const mode of MODES)
        for (const rows of [1, 7, 10_000]) {
          const got = await all(snapshot(h, derived, mode, rows));
          expect(JSON.stringify(got), `${mode}, ${rows} rows a chunk`).toBe(text);
          expect(got).toStrictEqual(inline);
          expect(sharing(got)).toBe(sharing(inline));
          const lean = await all(snapshot(h, derived, mode, rows, false));
          expect(lean, `${mode}, ${rows} rows a chunk, structure`).toStrictEqual(structure);
        }
    }
  });

  it("names the snapshot and what it was reading when a stored value cannot be read", async () => {
    await seed(stores.graph);
    const h = stores.handle;
    const props = h.reader
      .prepare<[string], { props: string }>("SELECT props FROM nodes WHERE id = ?")
      .pluck();
    const before = props.get(inst(4)) as unknown as string;
    expect(before.length).toBeGreaterThan(64);
    for (const mode of MODES) {
      // A long JSON value (SQLite reads it) and a short one (parsed by the consuming thread).
      h.writer.prepare("UPDATE nodes SET props = ? WHERE id = ?").run(before.slice(0, -1), inst(4));
      await expect(all(snapshot(h, false, mode))).rejects.toThrow(
        /^snapshot of .*ctem\.db: reading nodes: SQLITE_ERROR: malformed JSON$/,
      );
      h.writer.prepare("UPDATE nodes SET props = ? WHERE id = ?").run(`{"port":`, inst(4));
      await expect(all(snapshot(h, false, mode))).rejects.toThrow(
        `snapshot of ${h.file}: node ${inst(4)}: Unexpected end of JSON input`,
      );
      h.writer.prepare("UPDATE nodes SET props = ? WHERE id = ?").run(before, inst(4));
      // An edge is named by its ends' ids (the reader sends them as node positions).
      const edgeProps = h.writer.prepare(
        "UPDATE edges SET props = ? WHERE from_id = ? AND kind = 'CAN_REACH'",
      );
      edgeProps.run(`{"port":`, inst(0));
      await expect(all(snapshot(h, false, mode))).rejects.toThrow(
        `snapshot of ${h.file}: edge ${inst(0)} -CAN_REACH-> ${inst(1)}: Unexpected end of JSON input`,
      );
      // Its structure alone (no id before its ends): named the same way.
      await expect(all(snapshot(h, false, mode, undefined, false))).rejects.toThrow(
        `snapshot of ${h.file}: edge ${inst(0)} -CAN_REACH-> ${inst(1)}: Unexpected end of JSON input`,
      );
      edgeProps.run(`{"port":22}`, inst(0));
    }
  });

  it("names the snapshot when a query fails, after the items read before it", async () => {
    await seed(stores.graph);
    const h = stores.handle;
    h.writer.exec("ALTER TABLE finding_sources RENAME TO finding_sources_gone");
    for (const mode of MODES) {
      const seen: string[] = [];
      await expect(
        (async () => {
          for await (const x of snapshot(h, true, mode, 7)) seen.push(x.t);
        })(),
      ).rejects.toThrow(
        /^snapshot of .*ctem\.db: reading findings: SQLITE_ERROR: no such table: finding_sources$/,
      );
      expect(seen.filter((t) => t === "node")).toHaveLength(61);
      expect(seen.filter((t) => t === "edge")).toHaveLength(126);
      expect(seen.filter((t) => t === "finding")).toHaveLength(0);
    }
    h.writer.exec("ALTER TABLE finding_sources_gone RENAME TO finding_sources");
  });

  it("names the snapshot when the reader thread cannot open the file", async () => {
    await seed(stores.graph);
    const h = stores.handle;
    const moved = `${h.file}.moved`;
    renameSync(h.file, moved);
    try {
      await expect(all(snapshot(h, true, "worker"))).rejects.toThrow(
        /^snapshot of .*ctem\.db: SQLITE_CANTOPEN: unable to open database file$/,
      );
    } finally {
      renameSync(moved, h.file);
    }
  });

  it.each(MODES)("%s: a snapshot given up early ends its read transaction and its thread", async (mode) => {
    await seed(stores.graph);
    const h = stores.handle;
    // A commit, then a checkpoint: it copies every frame of the WAL back unless a reader still
    // holds an older view.
    const writeAndCheckpoint = async (i: number) => {
      await stores.graph.applyScan(scanRun([ec2]), [{ nodes: [nodeFact(inst(100 + i), ec2)] }]);
      const [r] = h.writer.pragma("wal_checkpoint(PASSIVE)") as Array<{ log: number; checkpointed: number }>;
      return r!;
    };
    // One row a chunk: the reader thread, a few chunks ahead, is still reading when given up.
    const it = snapshot(h, true, mode, 1)[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) expect((await it.next()).done).toBe(false);
    const held = await writeAndCheckpoint(1);
    expect(held.checkpointed).toBeLessThan(held.log);
    await it.return(undefined);
    const freed = await writeAndCheckpoint(2);
    expect(freed.checkpointed).toBe(freed.log);
    // The same through for-await's break, and the store closes (afterEach) without waiting.
    for await (const x of snapshot(h, false, mode, 1)) if (x.t === "edge") break;
    const again = await writeAndCheckpoint(3);
    expect(again.checkpointed).toBe(again.log);
  });

  /** This process' threads now at the background priority (Linux: /proc/self/task/<tid>/stat). */
  const background = (): Set<string> =>
    new Set(
      readdirSync("/proc/self/task").filter((t) => {
        try {
          const f = readFileSync(`/proc/self/task/${t}/stat`, "utf8").split(") ")[1]!.split(" ");
          return Number(f[16]) === BACKGROUND_NICE;
        } catch {
          return false; // the thread has exited
        }
      }),
    );

  it.runIf(process.platform === "linux")(
    "worker: the reader thread lowers its priority for the findings (read beside derive), not before",
    async () => {
      await seed(stores.graph);
      // More findings than the reader reads ahead (AHEAD, 64 chunks): when the consumer takes the
      // first one the reader is still reading (waiting for it), not done and exited. With only the
      // seed's 26 it could finish before its priority was looked at (seen once, in a fresh clone).
      const grype = key("import:grype:111122223333", "global", "import-grype");
      await stores.graph.applyScan(scanRun([grype]), [
        {
          findings: Array.from({ length: 100 }, (_, i) =>
            vulnFact(`CVE-2025-${2000 + i}`, inst(i % 50), grype, "grype"),
          ),
        },
      ]);
      const before = background();
      const added = () => [...background()].filter((t) => !before.has(t));
      // One row a chunk: at the first node the reader is at most AHEAD (64) chunks on, still among
      // the nodes and edges (about 190 of them before the first finding).
      const it = snapshot(stores.handle, false, "worker", 1)[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.done ? undefined : first.value.t).toBe("node");
      expect(added()).toEqual([]);
      let x = first;
      while (!x.done && x.value.t !== "finding") x = await it.next();
      expect(x.done ? undefined : x.value.t).toBe("finding");
      expect(added()).toHaveLength(1);
      while (!(await it.next()).done);
    },
  );
});
