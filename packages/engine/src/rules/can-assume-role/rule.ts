// identity CAN_ASSUME role: the role's trust policy admits the caller (by ARN, by its account, or
// anyone) AND the caller may call sts:AssumeRole on it. Within one account a trust policy that
// names the caller's own ARN suffices on its own (AWS's rule for resource policies naming a
// principal); an account principal only delegates to the account's identity policies. This is
// pathfinding.cloud's sts-001.
import type { Assumption, Evidence } from "@ctem/model";
import type { DeriveContext } from "../../context.js";
import type { EstateNode } from "../../graph.js";
import { PrincipalProps, T, readProps } from "../../aws/shapes.js";
import { attackerControlled } from "../../iam/conditions.js";
import { actionMatches, evaluate, principalMatch } from "../../iam/evaluate.js";
import type { Decision } from "../../iam/evaluate.js";
import { matches } from "../../iam/glob.js";
import type { Statement } from "../../iam/policy.js";
import { parsePolicy } from "../../iam/policy.js";
import { policiesOf } from "../../iam/principals.js";
import { defineRule } from "../meta.js";

export const ASSUME = "sts:AssumeRole";

export interface AssumeResult {
  evidence: Evidence[];
  assumptions: Assumption[];
}

/** Whether `caller` may assume `role`, with the statements that say so; undefined when not. */
export function canAssume(
  ctx: DeriveContext,
  caller: EstateNode,
  role: EstateNode,
  trust: Statement[] | undefined,
): AssumeResult | undefined {
  if (caller.id === role.id) return undefined;
  const pol = policiesOf(ctx, caller);
  const identity: Decision = evaluate(
    { action: ASSUME, resource: role.id },
    { identity: pol.identity, boundary: pol.boundary },
  );
  if (identity.denied) return undefined;
  const sameAccount = !role.accountId || !caller.accountId || role.accountId === caller.accountId;
  const evidence: Evidence[] = [];
  const assumptions: Assumption[] = [];
  let direct = false;
  if (trust === undefined) {
    assumptions.push({ code: "trust_policy_unknown", detail: { role: role.id } });
  } else {
    const applies = (st: Statement) => {
      if (!actionMatches(st, ASSUME)) return undefined;
      if (st.principal) return principalMatch(st.principal, pol.caller);
      if (st.notPrincipal) return principalMatch(st.notPrincipal, pol.caller) ? undefined : "direct";
      return undefined;
    };
    if (trust.some((st) => st.effect === "Deny" && !st.condition && applies(st))) return undefined;
    const allows = trust.filter((st) => st.effect === "Allow" && applies(st));
    if (!allows.length) return undefined;
    const best = allows.find((st) => attackerControlled(st.condition)) ?? allows[0]!;
    direct = applies(best) === "direct" && !(best.principal?.any ?? false);
    evidence.push({
      source: "iam-trust-policy",
      ref: best.ref,
      detail: {
        principal: best.principal ?? { notPrincipal: best.notPrincipal },
        action: best.action ?? best.notAction,
      },
    });
    if (!attackerControlled(best.condition))
      assumptions.push({
        code: "condition_not_evaluated",
        detail: { statement: best.ref, condition: best.condition },
      });
  }
  if (!(sameAccount && direct)) {
    if (!identity.allowed) return undefined;
    evidence.push(...identity.evidence);
    assumptions.push(...identity.assumptions);
  } else if (identity.allowed) evidence.push(...identity.evidence);
  return { evidence, assumptions: [...assumptions, ...ctx.stale(role), ...ctx.stale(caller)] };
}

export function trustOf(role: EstateNode): Statement[] | undefined {
  const p = readProps(PrincipalProps, role.props).value;
  if (p.trustPolicy === undefined) return undefined;
  return parsePolicy(p.trustPolicy, `${role.id}#trust`, role.id.split(":")[1] || "aws");
}

/** Users and roles with any identity statement that can allow sts:AssumeRole. */
export function assumers(ctx: DeriveContext): EstateNode[] {
  return [...ctx.g.ofType(T.user), ...ctx.g.ofType(T.role)].filter((n) =>
    policiesOf(ctx, n).identity.some((st) => st.effect === "Allow" && actionMatches(st, ASSUME)),
  );
}

export const canAssumeRole = defineRule(
  {
    id: "can-assume-role",
    title: "Identity can assume a role",
    edge: "CAN_ASSUME",
    severity: "medium",
    risk: "The caller obtains the role's permissions; a broad trust policy lets many identities become the role.",
    remediation: {
      aws: {
        title:
          "Name only the principals that need the role in its trust policy, and scope sts:AssumeRole in the callers' policies",
        cli: "aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json",
        terraform:
          'data "aws_iam_policy_document" "trust" {\n  statement {\n    actions = ["sts:AssumeRole"]\n    principals {\n      type        = "AWS"\n      identifiers = ["<the one caller>"]\n    }\n  }\n}',
      },
    },
    limitations: [
      "Trust-policy conditions (sts:ExternalId, aws:PrincipalOrgID, MFA) are not evaluated: they become assumptions.",
      "Web-identity and SAML federation (AssumeRoleWithWebIdentity / WithSAML) are not derived.",
      "A permission boundary is not applied when a same-account trust policy names the caller directly.",
    ],
    catalogue: ["sts-001"],
  },
  (ctx) => {
    const callers = assumers(ctx);
    const byArn = new Map([...ctx.g.ofType(T.user), ...ctx.g.ofType(T.role)].map((n) => [n.id, n]));
    for (const role of ctx.g.ofType(T.role)) {
      const trust = trustOf(role);
      const cands = new Set<EstateNode>();
      if (trust === undefined) for (const c of callers) cands.add(c);
      else
        for (const st of trust) {
          if (st.effect !== "Allow" || !actionMatches(st, ASSUME)) continue;
          const p = st.principal;
          if (!p || p.any || st.notPrincipal) {
            for (const c of callers) cands.add(c);
            continue;
          }
          for (const a of p.aws) {
            if (a.endsWith(":root")) {
              const acct = a.split(":")[4];
              for (const c of callers) if (c.accountId === acct) cands.add(c);
            } else if (a.includes("*") || a.includes("?")) {
              for (const c of callers) if (matches(a, c.id)) cands.add(c);
            } else {
              const n = byArn.get(a);
              if (n) cands.add(n);
            }
          }
        }
      for (const c of cands) {
        const r = canAssume(ctx, c, role, trust);
        if (r)
          ctx.sink.add(c.id, "CAN_ASSUME", role.id, {
            rule: "can-assume-role",
            evidence: r.evidence,
            assumptions: r.assumptions,
          });
      }
    }
  },
);
