// The scanner role's least-privilege policy, its CloudFormation template and the module table of
// docs/aws.md, generated from the module declarations (CONVENTIONS 2) by scripts/gen-aws-policy.ts.
// A test fails when the committed files differ from what these functions produce.
import type { AwsModule } from "./module.js";
import { AWS_MODULES } from "./modules/index.js";

/** Calls the scan makes itself, outside any module: the enabled regions when none are given. */
export const SCAN_PERMISSIONS = ["ec2:DescribeRegions"];

/** Actions every principal may call without a policy: not listed in the policy. */
const ALWAYS_ALLOWED = new Set(["sts:GetCallerIdentity"]);

export function scannerActions(modules: readonly AwsModule[] = AWS_MODULES): string[] {
  const actions = new Set<string>(SCAN_PERMISSIONS);
  for (const m of modules) for (const a of m.permissions) if (!ALWAYS_ALLOWED.has(a)) actions.add(a);
  return [...actions].sort();
}

/** One statement per service, so a reviewer sees what each service is asked for. */
export function scannerPolicy(modules: readonly AwsModule[] = AWS_MODULES) {
  const byService = new Map<string, string[]>();
  for (const a of scannerActions(modules)) {
    const service = a.split(":")[0]!;
    byService.set(service, [...(byService.get(service) ?? []), a]);
  }
  return {
    Version: "2012-10-17",
    Statement: [...byService].map(([service, actions]) => ({
      Sid: `CtemRead${service.replace(/(^|[-_])(\w)/g, (_m, _s, c: string) => c.toUpperCase())}`,
      Effect: "Allow",
      Action: actions,
      Resource: "*",
    })),
  };
}

/** A CloudFormation template for the scanner role, trusted by ctem's principal with an external id. */
export function scannerRoleTemplate(modules: readonly AwsModule[] = AWS_MODULES) {
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description:
      "ctem scanner role: read-only, least privilege (generated from the AWS module declarations; do not edit)",
    Parameters: {
      TrustedPrincipalArn: {
        Type: "String",
        Description: "The principal ctem runs as (a role or user ARN, or arn:aws:iam::<account>:root)",
      },
      ExternalId: {
        Type: "String",
        Description: "The external id `ctem scope add` printed for this account",
        MinLength: 2,
        MaxLength: 1224,
        AllowedPattern: "[\\w+=,.@:/-]*",
      },
      RoleName: { Type: "String", Default: "ctem-scanner" },
    },
    Resources: {
      ScannerRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          RoleName: { Ref: "RoleName" },
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: { Ref: "TrustedPrincipalArn" } },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } },
              },
            ],
          },
          Policies: [{ PolicyName: "ctem-scanner-read", PolicyDocument: scannerPolicy(modules) }],
        },
      },
    },
    Outputs: {
      RoleArn: {
        Description: "Pass to `ctem scope add … --role-arn`",
        Value: { "Fn::GetAtt": ["ScannerRole", "Arn"] },
      },
    },
  };
}

export const DOCS_BEGIN = "<!-- BEGIN generated: aws modules (scripts/gen-aws-policy.ts) -->";
export const DOCS_END = "<!-- END generated: aws modules -->";

/** The module table of docs/aws.md. */
export function awsModulesMarkdown(modules: readonly AwsModule[] = AWS_MODULES): string {
  const rows = modules.map((m) => {
    const produces = [
      ...m.produces.nodes.map((n) => `\`${n}\``),
      ...m.produces.edges.map((e) => `\`${e}\``),
      ...(m.produces.findings ? ["findings"] : []),
    ].join(", ");
    const where = m.scope === "global" ? "global" : "per region";
    const optIn = m.optIn ? ` (opt-in: \`--${m.optIn}\`)` : "";
    const deps = m.dependsOn.length ? ` Reads ${m.dependsOn.map((d) => `\`${d}\``).join(", ")}.` : "";
    return `| \`${m.id}\` | ${where}${optIn} | ${m.description}${deps} | ${produces} | ${m.permissions.map((p) => `\`${p}\``).join(", ")} |`;
  });
  return [
    DOCS_BEGIN,
    "| module | runs | what | produces | IAM actions |",
    "|---|---|---|---|---|",
    ...rows,
    DOCS_END,
  ].join("\n");
}

/** Replaces the generated block of a docs page (between the markers) with the current table. */
export function withModulesTable(page: string, modules: readonly AwsModule[] = AWS_MODULES): string {
  const a = page.indexOf(DOCS_BEGIN);
  const b = page.indexOf(DOCS_END);
  if (a < 0 || b < a) throw new Error("docs/aws.md: the generated-table markers are missing");
  return page.slice(0, a) + awsModulesMarkdown(modules) + page.slice(b + DOCS_END.length);
}
