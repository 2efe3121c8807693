// Small builders shared by the Azure transforms: every fact carries the module's claim and the
// subscription as its account; `rg CONTAINS resource` keeps the scope hierarchy that role
// assignments are evaluated against.
import type { EdgeFact, EdgeKind, NodeFact, NodeKind } from "@ctem/model";
import { clean } from "../aws/facts.js";
import { resourceGroupOf, subscriptionId } from "./ids.js";
import type { AzureTransformContext } from "./module.js";

export interface AzureSink {
  nodes: NodeFact[];
  edges: EdgeFact[];
  node(n: {
    id: string;
    kind: NodeKind;
    type: string;
    name: string;
    location?: string | undefined;
    tags?: Record<string, string> | undefined;
    props?: Record<string, unknown>;
  }): void;
  edge(from: string, kind: EdgeKind, to: string, props?: Record<string, unknown>): void;
  /** The resource group (or the subscription, for resources outside one) CONTAINS id. */
  contains(id: string): void;
}

export function azureSink(ctx: AzureTransformContext): AzureSink {
  const nodes: NodeFact[] = [];
  const edges: EdgeFact[] = [];
  const seen = new Set<string>();
  const s: AzureSink = {
    nodes,
    edges,
    node(n) {
      nodes.push({
        id: n.id,
        kind: n.kind,
        type: n.type,
        provider: "azure",
        accountId: ctx.subscriptionId,
        // ARM listings are global; a resource's location is where it lives.
        ...(n.location ? { region: n.location.toLowerCase().replace(/\s+/g, "") } : {}),
        name: n.name,
        tags: n.tags ?? {},
        props: clean(n.props ?? {}),
        sources: [ctx.key],
      });
    },
    edge(from, kind, to, props = {}) {
      const k = `${from}\u0000${kind}\u0000${to}`;
      if (seen.has(k)) return;
      seen.add(k);
      edges.push({ from, kind, to, props: clean(props), evidence: [], assumptions: [], sources: [ctx.key] });
    },
    contains(id) {
      s.edge(resourceGroupOf(id) ?? subscriptionId(ctx.subscriptionId), "CONTAINS", id);
    },
  };
  return s;
}
