// What a GCP module is (CONVENTIONS 1 and 2), as for AWS: `collect` pages the Cloud Asset API and
// returns its assets; `transform` is the pure, shared Cloud Asset transform. Each module declares
// what it produces and the IAM permissions `collect` needs: infra/gcp/ and docs/gcp.md are
// generated from these (scripts/gen-gcp-roles.ts).
import type { EdgeKind, GraphFacts, SourceKey } from "@ctem/model";
import type { CaiAsset } from "./assets.js";
import type { GcpAssetClient } from "./client.js";

export interface GcpCollectContext {
  /** `projects/<id>` | `folders/<n>` | `organizations/<n>`. */
  parent: string;
  client: GcpAssetClient;
}

export interface GcpTransformContext {
  parent: string;
  key: SourceKey;
}

export interface GcpModule {
  /** kebab-case, persisted as the collector id. */
  id: string;
  description: string;
  /** The Cloud Asset content type it lists. */
  contentType: "RESOURCE" | "IAM_POLICY";
  /** The asset types it asks for (empty: all). */
  assetTypes: readonly string[];
  produces: { nodes: string[]; edges: EdgeKind[] };
  dependsOn: string[];
  /** IAM permissions `collect` needs on the parent. */
  permissions: string[];
  /** The predefined roles that grant them (the narrowest first). */
  roles: string[];
  collect(ctx: GcpCollectContext): Promise<CaiAsset[]>;
  transform(raw: CaiAsset[], ctx: GcpTransformContext): GraphFacts;
}
