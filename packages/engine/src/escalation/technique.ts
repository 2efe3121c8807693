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
import type { PrincipalPolicies } from "../iam/principals.js";
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

/**
 * Whether some Allow identity statement of the principal names the action, once per principal and
 * action: every technique screens every attacker with its required actions (25 techniques, 7,000
 * principals at 100k), and the techniques share many of them.
 */
function someAllowNames(pol: PrincipalPolicies, action: string): boolean {
  const byAction = (pol.allowNames ??= new Map<string, boolean>());
  let r = byAction.get(action);
  if (r === undefined) {
    r = false;
    for (const st of pol.identity)
      if (st.effect === "Allow" && actionMatches(st, action)) {
        r = true;
        break;
      }
    byAction.set(action, r);
  }
  return r;
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
          let screened = true;
          for (const a of required)
            if (!someAllowNames(pol, a)) {
              screened = false;
              break;
            }
          if (!screened) continue;
          const policies = { identity: pol.identity, boundary: pol.boundary };
          const stale = ctx.stale(attacker);
          for (const t of spec.targets(ctx, attacker)) {
            if (!t.checks) continue;
            // The edge's evidence and assumptions, built in place: the technique, the target's
            // own, then per check its granting statements (naming the action and resource) and
            // what they rest on, then the attacker's staleness.
            const evidence: Evidence[] = [named];
            if (t.evidence) for (const e of t.evidence) evidence.push(e);
            const assumptions: Assumption[] = t.assumptions ? t.assumptions.slice() : [];
            let ok = true;
            for (const c of t.checks) {
              const d = evaluate({ action: c.action, resource: c.resource }, policies);
              if (!d.allowed) {
                ok = false;
                break;
              }
              for (const e of d.evidence)
                evidence.push({ ...e, detail: { ...e.detail, grants: c.action, on: c.resource } });
              for (const a of d.assumptions) assumptions.push(a);
            }
            if (!ok) continue;
            for (const a of stale) assumptions.push(a);
            ctx.sink.add(attacker.id, "CAN_ESCALATE", t.target.id, {
              rule: spec.id,
              props: propsFor[t.outcome],
              evidence,
              assumptions,
            });
          }
        }
    },
  );
  return { ...rule, spec, required };
}
