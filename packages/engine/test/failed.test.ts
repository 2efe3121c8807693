// failedCollectorsOf: per (source, region, collector), the newest finished run decides.
import { describe, expect, it } from "vitest";
import type { ScanRun } from "@ctem/model";
import { failedCollectorsOf } from "../src/failed.js";

const run = (
  id: string,
  at: string,
  collectors: Array<[string, string, string, "ok" | "failed"]>,
  status = "complete",
) =>
  ({
    id,
    trigger: { kind: "adhoc" },
    status,
    startedAt: at,
    collectors: collectors.map(([source, region, collector, st]) => ({
      source,
      region,
      collector,
      status: st,
      counts: {},
    })),
  }) as ScanRun;

const appWith = (runs: ScanRun[]) => ({
  scanRuns: {
    start: () => Promise.resolve(),
    finish: () => Promise.resolve(),
    get: () => Promise.resolve(undefined),
    // Newest first, two per page, as the AppStore pages them.
    list: (page: { cursor?: string; limit: number }) => {
      const sorted = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      const from = page.cursor ? Number(page.cursor) : 0;
      const items = sorted.slice(from, from + 2);
      return Promise.resolve(from + 2 < sorted.length ? { items, next: String(from + 2) } : { items });
    },
  },
});

describe("failedCollectorsOf", () => {
  it("keeps an older failure in a region a newer scan did not cover, drops one a newer run fixed", async () => {
    const a = "aws:111122223333";
    const runs = [
      run("r1", "2026-01-01T00:00:00Z", [
        [a, "us-east-1", "aws-ec2-security-groups", "failed"],
        [a, "eu-west-1", "aws-ec2-network-acls", "failed"],
      ]),
      run("r2", "2026-01-02T00:00:00Z", [[a, "us-east-1", "aws-ec2-security-groups", "ok"]]),
      run("r3", "2026-01-03T00:00:00Z", [[a, "global", "aws-iam", "failed"]]),
      run("r4", "2026-01-04T00:00:00Z", [[a, "global", "aws-iam", "ok"]], "running"),
    ];
    expect(await failedCollectorsOf(appWith(runs))).toEqual([
      { source: a, region: "global", collector: "aws-iam" },
      { source: a, region: "eu-west-1", collector: "aws-ec2-network-acls" },
    ]);
  });
});
