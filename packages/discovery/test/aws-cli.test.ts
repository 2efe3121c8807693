// `ctem scan aws`, `ctem scope …` and `ctem scan --scope` end to end: the real binary in a child
// process, the real SDK inside it, AWS_ENDPOINT_URL pointing at the testkit's replay server.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAwsReplayServer } from "@ctem/testkit";
import type { AwsReplayServer } from "@ctem/testkit";
import { denyActions, scriptRecordedAccount } from "./aws-helpers.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("ctem scan aws / scope / scan --scope against the replay server", () => {
  let aws: AwsReplayServer;
  let dir: string;

  const ctem = (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "apps/server/src/bin/ctem.ts", "--data", dir, ...args],
        {
          cwd: root,
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            AWS_ENDPOINT_URL: aws.url,
            AWS_ACCESS_KEY_ID: "AKIATESTKIT",
            AWS_SECRET_ACCESS_KEY: "testkit",
            AWS_REGION: "us-east-1",
            AWS_CONFIG_FILE: path.join(dir, "none"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "none"),
            AWS_MAX_ATTEMPTS: "2",
          },
          timeout: 60_000,
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    aws = scriptRecordedAccount(await startAwsReplayServer());
    dir = mkdtempSync(path.join(tmpdir(), "ctem-aws-cli-"));
  });
  afterAll(async () => {
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("scans, prints progress and the summary, exits 0; a denied listing exits 3 and keeps the data", async () => {
    const ok = await ctem(["--json", "scan", "aws", "--regions", "us-east-1,us-west-2"]);
    expect(ok.stderr).toContain(
      "scanning AWS account 123456789012 (source aws:123456789012) in us-east-1, us-west-2",
    );
    expect(ok.stderr).toMatch(/us-east-1\s+aws-ec2-instances\s+ok\s+3 nodes, 12 edges/);
    // The analysis runs after the scan (DESIGN "Command line").
    expect(ok.stderr).toMatch(/analysis \S+: /);
    expect(ok.code).toBe(0);
    const summary = JSON.parse(ok.stdout) as {
      analysis: { analysisId: string; issues: Record<string, number> };
      status: string;
      collectors: Array<{ name: string; region: string; status: string; found: number; written: number }>;
      elapsedMs: number;
    };
    expect(summary.status).toBe("complete");
    expect(summary.analysis.analysisId).toMatch(/.+/);
    const issues = await ctem(["--json", "issues", "list"]);
    expect(issues.code).toBe(0);
    const issueCount = Object.values(summary.analysis.issues).reduce((a, b) => a + b, 0);
    // The recorded account has an internet-facing path worth an issue (seen: 1 high, 1 medium).
    expect(issueCount).toBeGreaterThan(0);
    expect((JSON.parse(issues.stdout) as { items: unknown[] }).items).toHaveLength(issueCount);
    expect(summary.collectors).toHaveLength(4 + 12 * 2);
    expect(summary.collectors.find((c) => c.name === "aws-iam")).toMatchObject({
      status: "ok",
      found: 45,
      written: 45,
    });

    denyActions(aws, ["DescribeInstances"]);
    const partial = await ctem(["scan", "aws", "--regions", "us-east-1", "--no-analyze"]);
    expect(partial.code).toBe(3);
    expect(partial.stderr).toMatch(
      /us-east-1\s+aws-ec2-instances\s+FAILED\s+ec2:DescribeInstances: UnauthorizedOperation/,
    );
    expect(partial.stderr).toContain("analysis: skipped (--no-analyze)");
    expect(partial.stdout).toContain(
      "failed: us-east-1 aws-ec2-instances: ec2:DescribeInstances: UnauthorizedOperation",
    );
    aws.reset();
    scriptRecordedAccount(aws);

    const listed = await ctem(["--json", "assets", "list", "--type", "aws.ec2.instance"]);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { items: unknown[] }).items).toHaveLength(5);
  }, 60_000);

  it("adds a scope with a generated external id, scans it by assuming the role, removes it", async () => {
    const add = await ctem([
      "--json",
      "scope",
      "add",
      "prod",
      "--provider",
      "aws",
      "--account",
      "123456789012",
      "--role-arn",
      "arn:aws:iam::123456789012:role/ctem-scanner",
      "--regions",
      "us-east-1",
    ]);
    expect(add.code).toBe(0);
    const scope = JSON.parse(add.stdout) as { id: string; config: { externalId: string } };
    expect(scope.config.externalId).toMatch(/^ctem-[0-9a-f]{32}$/);

    const before = aws.calls.length;
    const scan = await ctem(["scan", "--scope", "prod"]);
    expect(scan.code).toBe(0);
    const assume = aws.calls.slice(before).filter((c) => c.action === "AssumeRole");
    expect(assume).toHaveLength(1);
    expect(assume[0]!.params).toMatchObject({
      RoleArn: "arn:aws:iam::123456789012:role/ctem-scanner",
      ExternalId: scope.config.externalId,
    });

    const removed = await ctem(["--json", "scope", "remove", "prod"]);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ removedData: true, sources: ["aws:123456789012"] });
    const listed = await ctem(["--json", "assets", "list", "--source", "aws:123456789012"]);
    expect((JSON.parse(listed.stdout) as { items: unknown[] }).items).toEqual([]);
  }, 90_000);
});
