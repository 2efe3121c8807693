// Child process for the crash test: applies scan number `gen` to the store file, then exits.
// The parent kills it with SIGKILL at a random moment. Scan `gen` writes nodes gen*500 … gen*500+N-1
// (so each scan drops 500 nodes and adds 500), every node with props.gen = gen, and a chain of edges.
import { openSqliteStores } from "../../src/index.js";
import type { GraphFacts, NodeFact, EdgeFact } from "@ctem/model";

export const N = 12_000;
export const CHUNK = 1_000;
const k = { source: "aws:111122223333", region: "us-east-1", collector: "aws-ec2-instances" };

export const nodeId = (i: number) =>
  `arn:aws:ec2:us-east-1:111122223333:instance/i-${String(i).padStart(17, "0")}`;

export function* facts(gen: number): Generator<GraphFacts> {
  const first = gen * 500;
  for (let c = 0; c < N; c += CHUNK) {
    const nodes: NodeFact[] = [];
    const edges: EdgeFact[] = [];
    for (let i = first + c; i < first + Math.min(c + CHUNK, N); i++) {
      nodes.push({
        id: nodeId(i),
        kind: "compute",
        type: "aws.ec2.instance",
        provider: "aws",
        name: `n${i}`,
        props: { gen, pad: "x".repeat(200) },
        sources: [k],
      });
      if (i > first)
        edges.push({ from: nodeId(i - 1), kind: "CAN_REACH", to: nodeId(i), props: { gen }, sources: [k] });
    }
    yield { nodes, edges };
  }
}

async function run(): Promise<void> {
  const [file, genArg] = process.argv.slice(2);
  const gen = Number(genArg);
  const stores = openSqliteStores(file!);
  process.stdout.write("started\n");
  await stores.graph.applyScan(
    {
      id: `scan-${gen}`,
      trigger: { kind: "adhoc" },
      status: "complete",
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, gen)).toISOString(),
      collectors: [{ ...k, status: "ok", counts: {} }],
    },
    facts(gen),
  );
  await stores.close();
  process.stdout.write("done\n");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) await run();
