// Test and benchmark fixtures that need no test runner: an issue draft with every field of
// DESIGN's issue JSON filled, to override what a case is about. (graph-store.contract.ts imports
// vitest; this file must not, so the benchmark can use it.)
import { issueKey } from "@ctem/model";
import type { IssueDraft } from "@ctem/model";

export const FIXTURE_ENTRY = {
  id: "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
  kind: "compute" as const,
  type: "aws.ec2.instance",
  name: "web",
};
export const FIXTURE_TARGET = {
  id: "arn:aws:s3:::customer-data",
  kind: "data_store" as const,
  type: "aws.s3.bucket",
  name: "customer-data",
  tier: 1,
};

/** A critical, open, config-confirmed issue from `entry` (default a web instance) to `target`
 * (default the customer-data bucket); `key` follows entry and target unless given. */
export function issueDraft(over: Partial<IssueDraft> = {}): IssueDraft {
  const entry = over.entry ?? FIXTURE_ENTRY;
  const target = over.target ?? FIXTURE_TARGET;
  return {
    key: issueKey(entry.id, target.id),
    title: `Internet-exposed ${entry.name} can read ${target.name}`,
    rule: "exposed-compute-to-sensitive-data",
    severity: "critical",
    score: 9.4,
    confidence: "config_confirmed",
    status: "open",
    entry,
    target,
    paths: [
      {
        likelihood: 0.9,
        confidence: "config_confirmed",
        hops: [
          {
            from: "internet",
            to: entry.id,
            edge: "EXPOSES",
            evidence: [{ source: "aws-ec2-security-groups", ref: "sg-1#ingress[0]" }],
            assumptions: [],
          },
        ],
      },
    ],
    factors: [{ name: "tier", value: 1, source: "settings" }],
    remediation: [],
    firstSeen: "2026-01-01T00:00:00.000Z",
    lastSeen: "2026-01-01T00:00:00.000Z",
    dueAt: "2026-01-08T00:00:00.000Z",
    fixedAt: null,
    resolvedAt: null,
    reopenedAt: null,
    verificationFailedAt: null,
    reason: null,
    acceptedBy: null,
    expiresAt: null,
    assignee: {},
    statusBeforeResolution: null,
    demo: false,
    ...over,
  };
}
