// S3 buckets: the listing (global), each bucket's region, bucket policy, ACL, default encryption,
// tags and public access block, with the account-level block (S3 Control) on every bucket. "There is none" answers (NoSuchBucketPolicy…) mean none; any other
// failure of a per-bucket read is recorded on the bucket as unreadable (the engine must treat it as
// unknown), while the listing itself succeeded. Object data is never read.
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  paginateListBuckets,
} from "@aws-sdk/client-s3";
import type {
  Bucket,
  GetBucketAclOutput,
  PublicAccessBlockConfiguration,
  ServerSideEncryptionRule,
  Tag,
} from "@aws-sdk/client-s3";
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { allPages, awsErrorCode, mapLimit } from "../errors.js";
import { defineModule } from "../module.js";
import { iso, sink, tagsOf } from "../facts.js";
import { decodePolicy } from "./iam.js";

export interface S3Raw {
  /** The account-level block (S3 Control); absent when unreadable (see accountUnreadable). */
  accountPublicAccessBlock?: PublicAccessBlockConfiguration;
  accountUnreadable?: string;
  buckets: BucketDetails[];
}

export interface BucketDetails {
  bucket: Bucket;
  region?: string;
  policy?: string;
  acl?: Pick<GetBucketAclOutput, "Owner" | "Grants">;
  encryption?: ServerSideEncryptionRule[];
  tags?: Tag[];
  publicAccessBlock?: PublicAccessBlockConfiguration;
  /** Per-bucket reads that failed, with the AWS error code. */
  unreadable: Record<string, string>;
}

/** GetBucketLocation's answer as a region: none means us-east-1, "EU" is eu-west-1 (legacy). */
export function bucketRegion(constraint: string | undefined | null): string {
  if (!constraint) return "us-east-1";
  return constraint === "EU" ? "eu-west-1" : constraint;
}

const NO_BLOCK: PublicAccessBlockConfiguration = {
  BlockPublicAcls: false,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};

const NONE: Record<string, string> = {
  policy: "NoSuchBucketPolicy",
  encryption: "ServerSideEncryptionConfigurationNotFoundError",
  tags: "NoSuchTagSet",
  publicAccessBlock: "NoSuchPublicAccessBlockConfiguration",
};

const FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;

/** What applies to a bucket: a flag is on when the account or the bucket turns it on. */
export function effectiveBlock(
  account: PublicAccessBlockConfiguration | undefined,
  bucket: PublicAccessBlockConfiguration | undefined,
): PublicAccessBlockConfiguration | undefined {
  if (!account || !bucket) return undefined;
  return Object.fromEntries(FLAGS.map((f) => [f, Boolean(account[f]) || Boolean(bucket[f])]));
}

export const s3Buckets = defineModule<S3Raw>({
  id: "aws-s3-buckets",
  description:
    "S3 buckets: region, bucket policy, ACL, default encryption, tags, account- and bucket-level public access block (no object reads).",
  scope: "global",
  produces: { nodes: ["aws.s3.bucket"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: [
    "s3:ListAllMyBuckets",
    "s3:GetBucketLocation",
    "s3:GetBucketPolicy",
    "s3:GetBucketAcl",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketTagging",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetAccountPublicAccessBlock",
  ],
  async collect({ clients, accountId }) {
    const raw: S3Raw = { buckets: [] };
    try {
      const r = await clients
        .s3control()
        .send(new GetAccountPublicAccessBlockCommand({ AccountId: accountId }));
      raw.accountPublicAccessBlock = r.PublicAccessBlockConfiguration;
    } catch (e) {
      const code = awsErrorCode(e);
      if (code === NONE.publicAccessBlock) raw.accountPublicAccessBlock = NO_BLOCK;
      else raw.accountUnreadable = code;
    }
    const buckets = await allPages(
      "s3:ListAllMyBuckets",
      paginateListBuckets({ client: clients.s3() }, {}),
      (p) => p.Buckets,
    );
    const details = await mapLimit(buckets, 4, async (bucket): Promise<BucketDetails | undefined> => {
      const Bucket = bucket.Name!;
      const d: BucketDetails = { bucket, unreadable: {} };
      let gone = false;
      const read = async <T>(part: string, f: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await f();
        } catch (e) {
          const code = awsErrorCode(e);
          if (code === "NoSuchBucket") gone = true;
          else if (code !== NONE[part]) d.unreadable[part] = code;
          return undefined;
        }
      };
      const loc = await read("location", () => clients.s3().send(new GetBucketLocationCommand({ Bucket })));
      if (gone) return undefined;
      if (loc) d.region = bucketRegion(loc.LocationConstraint);
      const s3 = clients.s3(d.region);
      d.policy = (await read("policy", () => s3.send(new GetBucketPolicyCommand({ Bucket }))))?.Policy;
      const acl = await read("acl", () => s3.send(new GetBucketAclCommand({ Bucket })));
      if (acl) d.acl = { Owner: acl.Owner, Grants: acl.Grants };
      d.encryption = (await read("encryption", () => s3.send(new GetBucketEncryptionCommand({ Bucket }))))
        ?.ServerSideEncryptionConfiguration?.Rules;
      d.tags = (await read("tags", () => s3.send(new GetBucketTaggingCommand({ Bucket }))))?.TagSet;
      const pab = await read("publicAccessBlock", () => s3.send(new GetPublicAccessBlockCommand({ Bucket })));
      // No configuration blocks nothing; an unreadable one stays unknown (in `unreadable`).
      d.publicAccessBlock = pab
        ? pab.PublicAccessBlockConfiguration
        : d.unreadable.publicAccessBlock
          ? undefined
          : NO_BLOCK;
      return gone ? undefined : d;
    });
    raw.buckets = details.filter((d): d is BucketDetails => d !== undefined);
    return raw;
  },
  transform(raw, ctx) {
    const s = sink(ctx);
    for (const d of raw.buckets) {
      const name = d.bucket.Name;
      if (!name) continue;
      const id = `arn:${ctx.partition}:s3:::${name}`;
      const policy = decodePolicy(d.policy);
      s.node({
        id,
        kind: "data_store",
        type: "aws.s3.bucket",
        name,
        region: d.region,
        tags: tagsOf(d.tags),
        props: {
          creationDate: iso(d.bucket.CreationDate),
          policy: policy.document,
          policyUnparsed: policy.unparsed,
          acl: d.acl
            ? {
                ownerId: d.acl.Owner?.ID,
                grants: (d.acl.Grants ?? []).map((g) => ({
                  type: g.Grantee?.Type,
                  id: g.Grantee?.ID,
                  uri: g.Grantee?.URI,
                  email: g.Grantee?.EmailAddress,
                  permission: g.Permission,
                })),
              }
            : undefined,
          encryption: d.encryption?.map((r) => ({
            algorithm: r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
            kmsKeyId: r.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID,
            bucketKeyEnabled: r.BucketKeyEnabled,
          })),
          publicAccessBlock: d.publicAccessBlock,
          accountPublicAccessBlock: raw.accountPublicAccessBlock,
          // Unknown when either level could not be read.
          effectivePublicAccessBlock: effectiveBlock(raw.accountPublicAccessBlock, d.publicAccessBlock),
          unreadable:
            Object.keys(d.unreadable).length || raw.accountUnreadable
              ? {
                  ...d.unreadable,
                  ...(raw.accountUnreadable ? { accountPublicAccessBlock: raw.accountUnreadable } : {}),
                }
              : undefined,
        },
      });
      s.contains(id);
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});
