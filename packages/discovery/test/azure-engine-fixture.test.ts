// The engine's Azure tests (packages/engine/test/azure-analysis.test.ts) analyse the graph this
// connector writes for the small hand-written subscription. The engine may not import the
// connector, so that graph is committed there as facts; this test keeps it equal to what a scan
// through the real SDK writes today.
import { readFileSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { graphState } from "@ctem/store/contract";
import { startAzureReplayServer } from "@ctem/testkit";
import { SMALL_SUB, scan, serveSmallEstate, tempStores } from "./azure-helpers.js";

const FACTS = new URL("../../engine/test/azure-small-estate.facts.json", import.meta.url);

const replay = serveSmallEstate(await startAzureReplayServer());
const stores = tempStores();
afterAll(async () => {
  await replay.close();
  await stores.dispose();
});

async function scannedFacts() {
  await scan(stores, replay, SMALL_SUB);
  const st = await graphState(stores.graph);
  const nodes = [...st.nodes.values()]
    .map((n) => ({
      id: n.id,
      kind: n.kind,
      type: n.type,
      provider: n.provider,
      accountId: n.accountId,
      ...(n.region ? { region: n.region } : {}),
      name: n.name,
      tags: n.tags,
      props: n.props,
      sources: n.sources,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const edges = [...st.edges.values()]
    .map((e) => ({
      from: e.from,
      kind: e.kind,
      to: e.to,
      props: e.props,
      evidence: [],
      assumptions: [],
      sources: e.sources,
    }))
    .sort((a, b) => `${a.from} ${a.kind} ${a.to}`.localeCompare(`${b.from} ${b.kind} ${b.to}`));
  return { nodes, edges };
}

it("the engine's small-estate facts are what the connector writes", async () => {
  const committed = JSON.parse(readFileSync(FACTS, "utf8")) as unknown;
  expect(await scannedFacts()).toEqual(committed);
});
