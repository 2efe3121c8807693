// Types of snapshot-reader.mjs (plain JavaScript: it is also a worker thread's entry file).
import type Database from "better-sqlite3";

/** A chunk of the snapshot: the claim keys, or rows of one kind as one JSON text. */
export type SnapshotChunk =
  | { keys: Array<[id: number, source: string, region: string, collector: string]> }
  | { t: "node" | "edge" | "derived" | "finding"; json: string };

export declare function snapshotChunks(
  db: Database.Database,
  withDerived: boolean,
  rows: number,
  /** Edges as their structure alone: [from, kind, to, props] rows. */
  structure?: boolean,
): Generator<SnapshotChunk, void, undefined>;
