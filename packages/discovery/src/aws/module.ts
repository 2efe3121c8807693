// What an AWS module is (CONVENTIONS 1 and 2): `collect` pages the SDK and returns the API's own
// shapes; `transform` is a pure function from those shapes to graph facts. Each module declares
// what it produces, which modules' output its transform also reads, and the IAM actions it calls;
// the scanner policy, the CloudFormation template and docs/aws.md are generated from these.
import type { EdgeKind, GraphFacts, SourceKey } from "@ctem/model";
import type { AwsClients } from "./clients.js";

export interface AwsCollectContext {
  accountId: string;
  partition: string;
  /** The region listed ("global" for global modules; their calls go to the home region). */
  region: string;
  clients: AwsClients;
}

export interface AwsTransformContext {
  accountId: string;
  partition: string;
  region: string;
  /** The claim every fact of this module carries. */
  key: SourceKey;
}

export interface AwsModule<Raw = unknown> {
  /** kebab-case, persisted as the collector id. */
  id: string;
  description: string;
  /** `global` modules run once per scan (IAM, S3 ListBuckets, the account itself). */
  scope: "regional" | "global";
  /** Only when the scope enables it (Inspector2 costs money and is often not enabled). */
  optIn?: "inspector2";
  produces: { nodes: string[]; edges: EdgeKind[]; findings?: boolean };
  /** Modules of the same region whose collected data `transform` also reads. */
  dependsOn: string[];
  /** The IAM actions `collect` calls: the scanner policy is the union of these. */
  permissions: string[];
  collect(ctx: AwsCollectContext): Promise<Raw>;
  transform(raw: Raw, ctx: AwsTransformContext, deps: Record<string, unknown>): GraphFacts;
}

/** Erases the module's raw type for the registry while checking collect/transform agree. */
export function defineModule<Raw>(m: AwsModule<Raw>): AwsModule {
  return m;
}
