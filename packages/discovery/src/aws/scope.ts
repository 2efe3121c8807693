// An AWS scope's provider config (Scope.config): the account, the role ctem assumes in it with
// the external id ctem generated, the regions and whether Inspector2 findings are read.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { ValidationError, formatIssuePath } from "@ctem/model";

export const AwsScopeConfig = z.object({
  accountId: z.string().regex(/^\d{12}$/, "an AWS account id is 12 digits"),
  roleArn: z
    .string()
    .max(2048)
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
      "not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
    ),
  /** sts:AssumeRole's ExternalId: 2–1224 characters of [\w+=,.@:/-]. */
  externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, "2–1224 characters of letters, digits and +=,.@:/-"),
  /** Empty: every region enabled in the account. */
  regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "not an AWS region name")).default([]),
  inspector2: z.boolean().default(false),
});
export type AwsScopeConfig = z.infer<typeof AwsScopeConfig>;

export function parseAwsScopeConfig(config: unknown, scopeName: string): AwsScopeConfig {
  const r = AwsScopeConfig.safeParse(config);
  if (!r.success) {
    const first = r.error.issues[0];
    const field = first ? formatIssuePath(first.path) : "?";
    throw new ValidationError(`scope '${scopeName}': config.${field}: ${first?.message ?? "invalid"}`, {
      field: `config.${field}`,
    });
  }
  if (!r.data.roleArn.includes(`::${r.data.accountId}:`))
    throw new ValidationError(`scope '${scopeName}': the role ARN is not in account ${r.data.accountId}`, {
      field: "config.roleArn",
    });
  return r.data;
}

/** An external id for a new scope: an identifier the customer puts in the role's trust policy. */
export function newExternalId(): string {
  return `ctem-${randomBytes(16).toString("hex")}`;
}

export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;
