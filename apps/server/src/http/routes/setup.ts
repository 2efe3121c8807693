// The guided AWS setup of a scope (admin): the scanner role's least-privilege policy and its
// CloudFormation template, both generated from the AWS module declarations (the same functions
// that write infra/aws/), with this scope's external id and role name filled in as the template's
// defaults, and the command that deploys it. Nothing here is secret: the external id is an
// identifier (DESIGN "Server and UI").
import { z } from "zod";
import { parseAwsScopeConfig, scannerPolicy, scannerRoleTemplate } from "@ctem/discovery";
import { ConflictError, NotFoundError } from "@ctem/model";
import type { RouteContext, ZodApp } from "../app.js";
import { withErrors } from "../schemas.js";

const PolicyDocument = z
  .object({
    Version: z.string(),
    Statement: z.array(
      z.object({
        Sid: z.string(),
        Effect: z.string(),
        Action: z.array(z.string()),
        Resource: z.string(),
      }),
    ),
  })
  .meta({ id: "IamPolicyDocument" });

const SetupOut = z
  .object({
    scope: z.object({ id: z.string(), name: z.string(), provider: z.string() }),
    accountId: z.string(),
    roleArn: z.string(),
    roleName: z.string(),
    externalId: z.string(),
    policy: PolicyDocument,
    template: z.record(z.string(), z.unknown()).describe("CloudFormation template (JSON)"),
    templateFile: z.string(),
    deployCommand: z.string(),
  })
  .meta({ id: "ScopeSetup" });

/** The role's name from its ARN (a role under a path keeps only its last segment, as RoleName wants). */
const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);

export function registerSetupRoutes(app: ZodApp, ctx: RouteContext): void {
  app.get(
    "/api/scopes/:id/setup",
    {
      config: { access: ["admin"] },
      schema: {
        operationId: "scopeSetup",
        tags: ["scopes"],
        summary:
          "An AWS scope's guided setup: the scanner policy and the CloudFormation template with the scope's external id filled in",
        params: z.object({ id: z.string().min(1).max(128) }),
        response: withErrors({ 200: SetupOut }, 404, 409),
      },
    },
    async (req) => {
      const scope = await ctx.deps.app.scopes.get(req.params.id);
      if (!scope) throw new NotFoundError(`no scope ${req.params.id}`);
      if (scope.provider !== "aws")
        throw new ConflictError(
          `scope '${scope.name}' is a ${scope.provider} scope; the guided setup is for AWS`,
        );
      const config = parseAwsScopeConfig(scope.config, scope.name);
      const roleName = roleNameOf(config.roleArn);
      const template = scannerRoleTemplate();
      const filled = {
        ...template,
        Parameters: {
          ...template.Parameters,
          ExternalId: { ...template.Parameters.ExternalId, Default: config.externalId },
          RoleName: { ...template.Parameters.RoleName, Default: roleName },
        },
      };
      const templateFile = `ctem-scanner-${scope.name}.json`;
      const deployCommand = [
        "aws cloudformation deploy",
        `--stack-name ctem-scanner-${scope.name.replace(/[^A-Za-z0-9-]/g, "-")}`,
        `--template-file ${templateFile}`,
        "--capabilities CAPABILITY_NAMED_IAM",
        "--parameter-overrides TrustedPrincipalArn=<the ARN ctem runs as>",
        `ExternalId=${config.externalId}`,
        `RoleName=${roleName}`,
      ].join(" \\\n  ");
      return {
        scope: { id: scope.id, name: scope.name, provider: scope.provider },
        accountId: config.accountId,
        roleArn: config.roleArn,
        roleName,
        externalId: config.externalId,
        policy: scannerPolicy(),
        template: filled,
        templateFile,
        deployCommand,
      };
    },
  );
}
