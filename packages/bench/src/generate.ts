// A simple generated graph for the ingest measurement (engine part 1's synthetic estate will
// replace it): n compute nodes, each with `fanout` CAN_REACH-free inventory edges to other nodes.
import type { EdgeFact, GraphFacts, NodeFact, SourceKey } from "@ctem/model";

export const BENCH_KEY: SourceKey = {
  source: "aws:000000000000",
  region: "us-east-1",
  collector: "aws-ec2-instances",
};

export const benchNodeId = (i: number) =>
  `arn:aws:ec2:us-east-1:000000000000:instance/i-${i.toString(16).padStart(17, "0")}`;

/** Chunks of `chunk` nodes with their outgoing edges; edge targets are spread over the whole graph. */
export function* generateGraph(n: number, fanout: number, chunk = 5_000): Generator<GraphFacts> {
  for (let start = 0; start < n; start += chunk) {
    const nodes: NodeFact[] = [];
    const edges: EdgeFact[] = [];
    for (let i = start; i < Math.min(start + chunk, n); i++) {
      nodes.push({
        id: benchNodeId(i),
        kind: "compute",
        type: "aws.ec2.instance",
        provider: "aws",
        accountId: "000000000000",
        region: "us-east-1",
        name: `bench-${i}`,
        tags: { env: i % 3 ? "prod" : "dev" },
        props: { state: "running", privateIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
        sources: [BENCH_KEY],
      });
      for (let j = 0; j < fanout; j++) {
        const to = (i * 7 + j * 13 + 1) % n;
        edges.push({
          from: benchNodeId(i),
          kind: j % 2 ? "IN_SUBNET" : "PROTECTED_BY",
          to: benchNodeId(to),
          sources: [BENCH_KEY],
        });
      }
    }
    yield { nodes, edges };
  }
}
