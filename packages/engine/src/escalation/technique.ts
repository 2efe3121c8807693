// A privilege-escalation technique from the catalogue as a rule: for an attacker identity, the
// targets it could become (itself made admin, another user, a role, a group) and, per target, the
// actions on the resources the catalogue's `permissions.required` list names. The evaluator
// decides each one; every required permission allowed makes a CAN_ESCALATE edge whose evidence
// names the technique and each granting statement. Identities that are already admin-equivalent
// are skipped: escalating from there gains nothing. Self-escalation (iam-001, -005, -007…-011) is
// an edge from the identity to itself with `outcome: "admin"`: path search reads it as "this
// identity can make itself admin-equivalent"; `acts_as` means the attacker can act as the target,
// `member` that it can join the target group.
import type { Assumption, Evidence } from "@ctem/model";
import type { DeriveContext } from "../context.js";
import type { EstateNode } from "../graph.js";
import { actionMatches, evaluate } from "../iam/evaluate.js";
import { policiesOf } from "../iam/principals.js";
import { defineRule } from "../rules/meta.js";
import type { Rule } from "../rules/meta.js";
import { catalogueEntry } from "./catalogue.js";

export interface Check {
  action: string;
  resource: string;
}

export interface Target {
  target: EstateNode;
  checks: Check[];
  /** Requirements decided outside the evaluator (trust policy, RUNS_AS), already proven. */
  evidence?: Evidence[];
  assumptions?: Assumption[];
  /** Outcome on the edge: the attacker becomes admin-equivalent, or acts as the target. */
  outcome: "admin" | "acts_as" | "member";
}

export interface TechniqueSpec {
  /** kebab-case rule id, e.g. `iam-create-policy-version`. */
  id: string;
  /** pathfinding.cloud id, e.g. `iam-001`. */
  catalogueId: string;
  remediation: { title: string; cli: string; terraform: string };
  limitations?: string[];
  /** Attackers of these node types. */
  attackers: readonly string[];
  targets(
    ctx: DeriveContext,
    attacker: EstateNode,
  ): Iterable<Omit<Target, "checks"> & { checks: Check[] | undefined }>;
}

export const SEVERITY_BY_CATEGORY = { "self-escalation": "critical", "principal-access": "high" } as const;

export function defineTechnique(spec: TechniqueSpec): Rule & { spec: TechniqueSpec; required: string[] } {
  const entry = catalogueEntry(spec.catalogueId);
  const required = entry.permissions.required.map((r) => r.permission);
  const rule = defineRule(
    {
      id: spec.id,
      title: `${entry.name} (${entry.category})`,
      edge: "CAN_ESCALATE",
      severity: SEVERITY_BY_CATEGORY[entry.category as keyof typeof SEVERITY_BY_CATEGORY] ?? "high",
      risk: entry.description,
      remediation: { aws: spec.remediation },
      limitations: [...(spec.limitations ?? []), ...(entry.limitations ? [entry.limitations] : [])],
      catalogue: [entry.id],
    },
    (ctx) => {
      // Parts every edge of the technique shares (frozen: the sink keeps them shared).
      const named: Evidence = {
        source: "pathfinding.cloud",
        ref: entry.id,
        detail: { technique: spec.id, name: entry.name, category: entry.category },
      };
      const propsFor = {
        admin: Object.freeze({ techniques: Object.freeze([spec.id]), outcome: "admin" }),
        acts_as: Object.freeze({ techniques: Object.freeze([spec.id]), outcome: "acts_as" }),
        member: Object.freeze({ techniques: Object.freeze([spec.id]), outcome: "member" }),
      };
      for (const type of spec.attackers)
        for (const attacker of ctx.g.ofType(type)) {
          if (ctx.admins.has(attacker.id)) continue;
          const pol = policiesOf(ctx, attacker);
          // Cheap screen: every required permission must be named by some Allow statement.
          if (
            !required.every((a) => pol.identity.some((st) => st.effect === "Allow" && actionMatches(st, a)))
          )
            continue;
          for (const t of spec.targets(ctx, attacker)) {
            if (!t.checks) continue;
            const evidence: Evidence[] = [named, ...(t.evidence ?? [])];
            const assumptions: Assumption[] = [...(t.assumptions ?? [])];
            let ok = true;
            for (const c of t.checks) {
              const d = evaluate(
                { action: c.action, resource: c.resource },
                { identity: pol.identity, boundary: pol.boundary },
              );
              if (!d.allowed) {
                ok = false;
                break;
              }
              evidence.push(
                ...d.evidence.map((e) => ({
                  ...e,
                  detail: { ...e.detail, grants: c.action, on: c.resource },
                })),
              );
              assumptions.push(...d.assumptions);
            }
            if (!ok) continue;
            ctx.sink.add(attacker.id, "CAN_ESCALATE", t.target.id, {
              rule: spec.id,
              props: propsFor[t.outcome],
              evidence,
              assumptions: [...assumptions, ...ctx.stale(attacker)],
            });
          }
        }
    },
  );
  return { ...rule, spec, required };
}
