// A rule's metadata, validated (CONVENTIONS 8): what it derives, why it matters, how to fix what
// it finds (CLI and Terraform per provider) and what it cannot see. Each rule folder exports one.
import { EdgeKind } from "@ctem/model";
import { z } from "zod";
import type { DeriveContext } from "../context.js";

export const RuleMeta = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "rule ids are kebab-case"),
  title: z.string().min(1),
  /** The attack edge the rule derives; none for rules that mark entries. */
  edge: EdgeKind.optional(),
  severity: z.enum(["critical", "high", "medium", "low"]),
  risk: z.string().min(1),
  /** Per provider: AWS rules give `aws`, GCP rules `gcp`; at least one. */
  remediation: z
    .object({
      aws: z
        .object({ title: z.string().min(1), cli: z.string().min(1), terraform: z.string().min(1) })
        .optional(),
      gcp: z
        .object({ title: z.string().min(1), cli: z.string().min(1), terraform: z.string().min(1) })
        .optional(),
      azure: z
        .object({ title: z.string().min(1), cli: z.string().min(1), terraform: z.string().min(1) })
        .optional(),
    })
    .refine((r) => Object.values(r).some(Boolean), "a rule gives remediation for at least one provider"),
  limitations: z.array(z.string()).default([]),
  /** pathfinding.cloud ids the rule implements, when it comes from the catalogue. */
  catalogue: z.array(z.string()).default([]),
});
export type RuleMeta = z.infer<typeof RuleMeta>;

export interface Rule {
  meta: RuleMeta;
  derive(ctx: DeriveContext): void;
}

export function defineRule(meta: z.input<typeof RuleMeta>, derive: (ctx: DeriveContext) => void): Rule {
  return { meta: RuleMeta.parse(meta), derive };
}
