// The small Azure subscription as the connector writes it (azure-small-estate.facts.json), for the
// tests in the Azure rules' folders: the facts, an estate built from them (optionally edited), and
// short ids.
import { readFileSync } from "node:fs";
import type { EdgeFact, GraphFacts, NodeFact } from "@ctem/model";
import { estateFromFacts } from "../src/graph.js";
import type { Estate } from "../src/graph.js";

export const AZ_SUB = "/subscriptions/11111111-1111-1111-1111-111111111111";

export function azureFacts(): { nodes: NodeFact[]; edges: EdgeFact[] } {
  return JSON.parse(readFileSync(new URL("./azure-small-estate.facts.json", import.meta.url), "utf8")) as {
    nodes: NodeFact[];
    edges: EdgeFact[];
  };
}

export function azureEstate(edit?: (f: { nodes: NodeFact[]; edges: EdgeFact[] }) => void): Estate {
  const f = azureFacts();
  edit?.(f);
  const facts: GraphFacts = { nodes: f.nodes, edges: f.edges, findings: [] };
  return estateFromFacts([facts]);
}

/** `rg/name` (or the principal id) of an Azure id, for readable expectations. */
export const az = (id: string): string =>
  id.replace(`${AZ_SUB}/resourcegroups/`, "").replace(/providers\/[^/]+\/[^/]+\//, "");

/** `from -> to` (short ids) of the edges of a kind, sorted. */
export const azPairs = (edges: ReadonlyArray<{ kind: string; from: string; to: string }>, kind: string) =>
  edges
    .filter((e) => e.kind === kind)
    .map((e) => `${az(e.from)} -> ${az(e.to)}`)
    .sort();
