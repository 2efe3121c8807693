// identity CAN_ACCESS data store / secret, with level read / write / admin: the evaluator decides
// each level's actions against the principal's identity policies, its boundary and the store's
// resource policy (explicit Deny wins). Candidate pairs come from a prefix index over store ARNs,
// so a principal is only paired with the stores its statements (or a resource policy) name —
// never principals × stores unless a statement really says `*`.
import type { Assumption, Evidence } from "@ctem/model";
import type { DeriveContext } from "../../context.js";
import type { AccessLevel } from "../../edges.js";
import type { EstateNode } from "../../graph.js";
import { BucketProps, SecretProps, T, readProps } from "../../aws/shapes.js";
import type { AccessProfile } from "../../iam/access.js";
import { accessProfiles } from "../../iam/access.js";
import { actionMatches, evaluate } from "../../iam/evaluate.js";
import { covers, intersects } from "../../iam/glob.js";
import type { Statement } from "../../iam/policy.js";
import { parsePolicy } from "../../iam/policy.js";
import type { PrincipalPolicies } from "../../iam/principals.js";
import { policiesOf, principals } from "../../iam/principals.js";
import { defineRule } from "../meta.js";

const RULE = "can-access-data";
const ORDER: AccessLevel[] = ["admin", "write", "read"];

export function resourcePolicyOf(store: EstateNode): Statement[] | undefined {
  const doc =
    store.type === T.bucket
      ? readProps(BucketProps, store.props).value.policy
      : store.type === T.secret
        ? readProps(SecretProps, store.props).value.resourcePolicy
        : undefined;
  return doc === undefined
    ? undefined
    : parsePolicy(doc, `${store.id}#policy`, store.id.split(":")[1] || "aws");
}

/** Literal prefix of a pattern, up to its first wildcard. */
const literalPrefix = (p: string) => {
  const i = p.search(/[*?]/);
  return i < 0 ? p : p.slice(0, i);
};

class StoreIndex {
  private readonly bases: string[];
  private readonly byBase = new Map<string, EstateNode[]>();
  constructor(
    readonly profile: AccessProfile,
    readonly stores: readonly EstateNode[],
  ) {
    for (const s of stores)
      for (const r of profile.resources(s)) {
        const b = literalPrefix(r);
        const list = this.byBase.get(b);
        if (list) list.push(s);
        else this.byBase.set(b, [s]);
      }
    this.bases = [...this.byBase.keys()].sort();
  }
  /** Stores one of whose resources may intersect the pattern. */
  candidates(pattern: string, out: Set<EstateNode>): void {
    const prefix = literalPrefix(pattern);
    // Bases that start with the prefix (the pattern's wildcard may reach them)…
    let lo = 0;
    let hi = this.bases.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.bases[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.bases.length && this.bases[i]!.startsWith(prefix); i++)
      for (const s of this.byBase.get(this.bases[i]!)!) out.add(s);
    // …and bases the prefix starts with (the pattern names part of a store).
    for (let k = 0; k < prefix.length; k++) {
      const hit = this.byBase.get(prefix.slice(0, k));
      if (hit) for (const s of hit) out.add(s);
    }
  }
}

export const canAccessData = defineRule(
  {
    id: RULE,
    title: "Identity can read, change or control a data store",
    edge: "CAN_ACCESS",
    severity: "high",
    risk: "Whoever holds this identity's credentials can read, change or take control of the data (level on the edge).",
    remediation: {
      aws: {
        title:
          "Narrow the statement's actions and resources to what the workload needs, or add an explicit Deny",
        cli: "aws iam create-policy-version --policy-arn <policy-arn> --policy-document file://least-privilege.json --set-as-default",
        terraform:
          'data "aws_iam_policy_document" "<name>" {\n  statement {\n    actions   = ["<only what is needed>"]\n    resources = ["<the one store>"]\n  }\n}',
      },
    },
    limitations: [
      "Conditions are not evaluated: they become `condition_not_evaluated` assumptions.",
      "Service control policies, resource control policies, session policies, KMS key policies and S3 access points are not read.",
      "Database access via rds-db:connect also needs a database user mapped to IAM authentication (an assumption).",
    ],
  },
  (ctx) => deriveAccess(ctx),
);

function deriveAccess(ctx: DeriveContext): void {
  const profiles = accessProfiles(ctx.catalog);
  // One index per (profile, account): identity statements reach stores of the principal's own
  // account; other accounts' stores only through a resource policy naming the principal or its
  // account (both sides must allow across accounts).
  const indexes = new Map<string, StoreIndex>();
  const indexFor = (p: AccessProfile, account: string | undefined) => {
    const k = `${p.type}|${account ?? ""}`;
    let idx = indexes.get(k);
    if (!idx) {
      idx = new StoreIndex(
        p,
        ctx.g.ofType(p.type).filter((s) => (s.accountId ?? "") === (account ?? "")),
      );
      indexes.set(k, idx);
    }
    return idx;
  };
  const resourcePolicies = new Map<string, Statement[]>();
  const namedBy = new Map<string, EstateNode[]>(); // principal or account-root ARN → stores whose policy names it
  for (const p of profiles)
    for (const s of ctx.g.ofType(p.type)) {
      const rp = resourcePolicyOf(s);
      if (!rp) continue;
      resourcePolicies.set(s.id, rp);
      for (const st of rp)
        if (st.effect === "Allow")
          for (const a of st.principal?.aws ?? []) {
            const list = namedBy.get(a);
            if (list) list.push(s);
            else namedBy.set(a, [s]);
          }
    }
  const relevantCache = new WeakMap<Statement, Map<string, boolean>>();
  const actionRelevant = (st: Statement, p: AccessProfile) => {
    let m = relevantCache.get(st);
    if (!m) relevantCache.set(st, (m = new Map<string, boolean>()));
    let r = m.get(p.type);
    if (r === undefined) {
      r = ORDER.some((l) => p.levels[l].some((a) => actionMatches(st, a.action)));
      m.set(p.type, r);
    }
    return r;
  };

  for (const principal of principals(ctx)) {
    const pol = policiesOf(ctx, principal);
    const decisionCache = new Map<string, Result | undefined>();
    const root = `arn:${principal.id.split(":")[1] || "aws"}:iam::${principal.accountId ?? ""}:root`;
    profiles.forEach((profile) => {
      const idx = indexFor(profile, principal.accountId);
      const stmts = pol.identity.filter((st) => actionRelevant(st, profile));
      const cands = new Set<EstateNode>();
      for (const st of stmts) {
        if (st.effect !== "Allow") continue;
        if (st.notResource || !st.resource) {
          for (const s of idx.stores) cands.add(s);
          break;
        }
        for (const r of st.resource) idx.candidates(r, cands);
      }
      for (const s of [...(namedBy.get(principal.id) ?? []), ...(namedBy.get(root) ?? [])])
        if (s.type === profile.type) cands.add(s);
      for (const store of cands) {
        const rp = resourcePolicies.get(store.id);
        const res = profile.resources(store);
        const relevant = stmts.filter((st) =>
          st.resource ? st.resource.some((p) => res.some((r) => intersects(p, r))) : true,
        );
        let result: Result | undefined;
        if (rp) result = decide(pol, profile, store, relevant, rp);
        else {
          const applies = ORDER.map((l) =>
            profile.levels[l].map((la) => (la.when ? +la.when(store) : 1)).join(""),
          ).join("/");
          const sig = `${profile.type}|${store.accountId ?? ""}|${applies}|${relevant
            .map(
              (st) =>
                `${st.ref}:${res.map((r) => (st.resource ?? st.notResource ?? []).map((p) => `${+intersects(p, r)}${+covers(p, r)}`).join("")).join("/")}`,
            )
            .join(",")}`;
          if (decisionCache.has(sig)) result = decisionCache.get(sig);
          else {
            result = decide(pol, profile, store, relevant, undefined);
            decisionCache.set(sig, result);
          }
        }
        if (!result) continue;
        const evidence: Evidence[] = result.evidence.map((e) => ({
          ...e,
          detail: { ...e.detail, grants: result.action },
        }));
        const assumptions: Assumption[] = [
          ...result.assumptions,
          ...ctx.stale(principal),
          ...ctx.stale(store),
        ];
        if (store.type === T.dbInstance && result.action === "rds-db:connect")
          assumptions.push({ code: "database_user_mapping_unknown", detail: { db: store.id } });
        ctx.sink.add(principal.id, "CAN_ACCESS", store.id, {
          rule: RULE,
          props: { level: result.level, action: result.action },
          evidence,
          assumptions,
        });
      }
    });
  }
}

interface Result {
  level: AccessLevel;
  action: string;
  evidence: Evidence[];
  assumptions: Assumption[];
}

function decide(
  pol: PrincipalPolicies,
  profile: AccessProfile,
  store: EstateNode,
  identity: Statement[],
  resource: Statement[] | undefined,
): Result | undefined {
  let conditional: Result | undefined;
  for (const level of ORDER)
    for (const la of profile.levels[level]) {
      if (la.when && !la.when(store)) continue;
      const d = evaluate(
        {
          action: la.action,
          resource: la.resource(store),
          caller: pol.caller,
          resourceAccount: store.accountId,
        },
        { identity, boundary: pol.boundary, resource },
      );
      if (!d.allowed) continue;
      const r = { level, action: la.action, evidence: d.evidence, assumptions: d.assumptions };
      // The highest level reached without assumptions wins; else the highest at all.
      if (!d.assumptions.length)
        return conditional && ORDER.indexOf(conditional.level) < ORDER.indexOf(level) ? conditional : r;
      conditional ??= r;
    }
  return conditional;
}
