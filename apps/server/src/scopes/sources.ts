// The sources a scope's scans claim with (DESIGN "Claims"): `aws:<account>`, `azure:<subscription>`
// per subscription, `gcp:<project, folder or organization id>` — the connectors' own naming
// (discovery's azureSource / gcpSource), so scope removal and the scope filters find the data.
import { azureSource, gcpSource } from "@ctem/discovery";
import type { Scope } from "@ctem/model";

export function sourcesOf(scope: Pick<Scope, "id" | "provider" | "config">): string[] {
  const c = scope.config;
  if (scope.provider === "aws" && typeof c.accountId === "string") return [`aws:${c.accountId}`];
  if (scope.provider === "azure" && Array.isArray(c.subscriptions))
    return c.subscriptions.filter((s): s is string => typeof s === "string").map(azureSource);
  if (scope.provider === "gcp" && typeof c.parent === "string") return [gcpSource(c.parent)];
  return [`${scope.provider}:${scope.id}`];
}
