// internet EXPOSES bucket: a bucket policy statement or an ACL grant to everyone (AllUsers, or
// AuthenticatedUsers — any AWS account), unless S3 Block Public Access (bucket or account)
// neutralises it: RestrictPublicBuckets for policies, IgnorePublicAcls for ACLs. The level is
// what the grant allows (read / write / admin), judged with the same action sets as CAN_ACCESS.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Assumption, Evidence } from "@ctem/model";
import type { AccessLevel } from "../../edges.js";
import { BucketProps, COLLECTOR_OF, T, readProps } from "../../aws/shapes.js";
import type { PublicAccessBlock } from "../../aws/shapes.js";
import { accessProfiles } from "../../iam/access.js";
import { evaluate } from "../../iam/evaluate.js";
import { resourcePolicyOf } from "../can-access-data/rule.js";
import { defineRule } from "../meta.js";

const RULE = "exposes-s3-bucket";
const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTH_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const ACL_LEVEL: Record<string, AccessLevel> = {
  READ: "read",
  READ_ACP: "read",
  WRITE: "write",
  WRITE_ACP: "admin",
  FULL_CONTROL: "admin",
};
const ORDER: AccessLevel[] = ["admin", "write", "read"];
/** Nobody's ARN: a request from outside every account, matched only by `Principal: "*"`. */
const ANONYMOUS = { arn: "arn:aws:iam::anonymous:user/anonymous", accountId: "anonymous" };

type Bucket = ReturnType<typeof readProps<typeof BucketProps>>["value"];

/**
 * A block flag as it applies: the effective block when the connector computed it; else on when
 * either level turns it on, unknown when either level was not read.
 */
function blockFlag(p: Bucket, k: keyof PublicAccessBlock): boolean | undefined {
  const eff = p.effectivePublicAccessBlock;
  if (eff) return eff[k] === true;
  const b = p.publicAccessBlock?.[k];
  const a = p.accountPublicAccessBlock?.[k];
  if (b === true || a === true) return true;
  if (b === undefined || a === undefined) return undefined;
  return false;
}

export const exposesS3Bucket = defineRule(
  {
    id: RULE,
    title: "Bucket readable or writable by anyone",
    edge: "EXPOSES",
    severity: "critical",
    risk: "Anyone on the internet can read, change or take over the bucket's data, depending on the level.",
    remediation: {
      aws: {
        title:
          "Turn on S3 Block Public Access for the bucket (and the account), and remove the public statement or grant",
        cli: "aws s3api put-public-access-block --bucket <bucket> --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        terraform:
          'resource "aws_s3_bucket_public_access_block" "<name>" {\n  bucket                  = "<bucket>"\n  block_public_acls       = true\n  ignore_public_acls      = true\n  block_public_policy     = true\n  restrict_public_buckets = true\n}',
      },
    },
    limitations: [
      "Object ACLs and access points are not read; a bucket public only through object ACLs is not found.",
    ],
  },
  (ctx) => {
    const profile = accessProfiles(ctx.catalog).find((p) => p.type === T.bucket)!;
    for (const bucket of ctx.g.ofType(T.bucket)) {
      const p = readProps(BucketProps, bucket.props).value;
      const eff = p.effectivePublicAccessBlock;
      const flag = (k: keyof PublicAccessBlock) => blockFlag(p, k);
      const unreadable = p.unreadable ?? {};
      const base: Assumption[] = [...ctx.stale(bucket)];
      const pabUnknown = (k: keyof PublicAccessBlock): Assumption[] =>
        flag(k) === undefined
          ? [{ code: "public_access_block_unknown", detail: { bucket: bucket.id, flag: k } }]
          : [];
      const found: Array<{ level: AccessLevel; evidence: Evidence[]; assumptions: Assumption[] }> = [];
      // The bucket policy, as seen by a caller from nowhere.
      const rp = resourcePolicyOf(bucket);
      if (rp && flag("restrictPublicBuckets") !== true)
        for (const level of ORDER) {
          const hit = profile.levels[level]
            .map((la) => ({
              la,
              d: evaluate(
                { action: la.action, resource: la.resource(bucket), caller: ANONYMOUS },
                { identity: [], resource: rp },
              ),
            }))
            .find((x) => x.d.allowed);
          if (!hit) continue;
          found.push({
            level,
            evidence: hit.d.evidence.map((e) => ({ ...e, detail: { ...e.detail, grants: hit.la.action } })),
            assumptions: [...hit.d.assumptions, ...pabUnknown("restrictPublicBuckets")],
          });
          break;
        }
      // A policy that exists but could not be read or parsed may be public: unknown, never safe.
      if (
        !rp &&
        (p.policyUnparsed !== undefined || unreadable.policy !== undefined) &&
        flag("restrictPublicBuckets") !== true
      )
        found.push({
          level: "read",
          evidence: [
            {
              source: COLLECTOR_OF.buckets,
              ref: `${bucket.id}#policy`,
              detail: { unreadable: unreadable.policy ?? "unparsed" },
            },
          ],
          assumptions: [
            { code: "bucket_policy_unknown", detail: { bucket: bucket.id } },
            ...pabUnknown("restrictPublicBuckets"),
          ],
        });
      if (flag("ignorePublicAcls") !== true)
        (p.acl?.grants ?? []).forEach((g, i) => {
          const uri = g.uri ?? g.granteeUri;
          if (uri !== ALL_USERS && uri !== AUTH_USERS) return;
          const level = ACL_LEVEL[(g.permission ?? "").toUpperCase()];
          if (!level) return;
          found.push({
            level,
            evidence: [
              {
                source: COLLECTOR_OF.buckets,
                ref: `${bucket.id}#acl[${i}]`,
                detail: { grantee: uri, permission: g.permission },
              },
            ],
            assumptions: pabUnknown("ignorePublicAcls"),
          });
        });
      // Nothing stored about the bucket's access because its listing failed: unknown.
      if (
        !found.length &&
        p.policy === undefined &&
        p.acl === undefined &&
        ctx.failed(COLLECTOR_OF.buckets, bucket)
      )
        found.push({
          level: "read",
          evidence: [
            {
              source: COLLECTOR_OF.buckets,
              ref: bucket.id,
              detail: { note: "bucket policy and ACL not read" },
            },
          ],
          assumptions: [{ code: "bucket_access_unknown", detail: { bucket: bucket.id } }],
        });
      const pabEvidence: Evidence[] =
        eff || p.publicAccessBlock || p.accountPublicAccessBlock
          ? [
              {
                source: COLLECTOR_OF.buckets,
                ref: `${bucket.id}#publicAccessBlock`,
                detail: {
                  effective: eff ?? null,
                  bucket: p.publicAccessBlock ?? null,
                  account: p.accountPublicAccessBlock ?? null,
                },
              },
            ]
          : [];
      for (const f of found)
        ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", bucket.id, {
          rule: RULE,
          props: { level: f.level, ports: [{ protocol: "tcp", from: 443, to: 443, label: "tcp/443" }] },
          evidence: [...f.evidence, ...pabEvidence],
          assumptions: [...base, ...f.assumptions],
        });
    }
  },
);
