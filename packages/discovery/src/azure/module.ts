// What an Azure module is (CONVENTIONS 1 and 2), shaped like the AWS one: `collect` pages the ARM
// SDK and returns its own shapes; `transform` is a pure function from those to graph facts. Each
// module declares what it produces and the Azure RBAC actions it calls: the read-only custom role
// in infra/azure/ and docs/azure.md are generated from these.
import type { EdgeKind, GraphFacts, SourceKey } from "@ctem/model";
import type { AzureClients } from "./clients.js";
import type { GraphReader } from "./graph.js";

export interface AzureCollectContext {
  subscriptionId: string;
  clients: AzureClients;
  /** Microsoft Graph, when the scan reads it (opt-in). */
  graph?: GraphReader;
}

export interface AzureTransformContext {
  subscriptionId: string;
  /** The claim every fact of this module carries. */
  key: SourceKey;
}

export interface AzureModule<Raw = unknown> {
  /** kebab-case, persisted as the collector id. */
  id: string;
  description: string;
  produces: { nodes: string[]; edges: EdgeKind[] };
  /** Modules whose collected data `transform` also reads. */
  dependsOn: string[];
  /** The Azure RBAC actions `collect` needs: the custom role is the union of these. */
  permissions: string[];
  /** Microsoft Graph application permissions (granted in Entra, not by an Azure role). */
  graphPermissions?: string[];
  /** Runs only when the scan asks for it (`graph`: Microsoft Graph needs its own consent). */
  optIn?: "graph";
  collect(ctx: AzureCollectContext): Promise<Raw>;
  transform(raw: Raw, ctx: AzureTransformContext, deps: Record<string, unknown>): GraphFacts;
}

export function defineAzureModule<Raw>(m: AzureModule<Raw>): AzureModule {
  return m;
}
