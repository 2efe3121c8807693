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
import type { AccessProfile, LevelAction } from "../../iam/access.js";
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
  /** The lengths of the bases, ascending. */
  private readonly lengths: number[];
  private readonly byBase = new Map<string, EstateNode[]>();
  constructor(
    readonly profile: AccessProfile,
    readonly stores: readonly EstateNode[],
    resourcesOf: (s: EstateNode) => string[],
  ) {
    for (const s of stores)
      for (const r of resourcesOf(s)) {
        const b = literalPrefix(r);
        const list = this.byBase.get(b);
        if (list) list.push(s);
        else this.byBase.set(b, [s]);
      }
    this.bases = [...this.byBase.keys()].sort();
    this.lengths = [...new Set(this.bases.map((b) => b.length))].sort((a, b) => a - b);
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
    for (const k of this.lengths) {
      if (k >= prefix.length) break;
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

/** A profile's level actions in the order decide() tries them. */
interface Tried {
  level: AccessLevel;
  la: LevelAction;
}

function deriveAccess(ctx: DeriveContext): void {
  const profiles = accessProfiles(ctx.catalog);
  const tried = new Map<AccessProfile, Tried[]>(
    profiles.map((p) => [p, ORDER.flatMap((level) => p.levels[level].map((la) => ({ level, la })))]),
  );
  const conditional = new Map<AccessProfile, LevelAction[]>(
    profiles.map((p) => [p, tried.get(p)!.flatMap((t) => (t.la.when ? [t.la] : []))]),
  );
  // Per profile and statement: which of the profile's actions (in `tried` order) it names. That
  // depends on the statement's Action / NotAction lists alone, and statements share a few lists
  // (100k assets: 16.6k statement × profile pairs, 36 distinct lists × profile, each list matched
  // against every action of the profile): worked out once per list.
  const namedBy = new Map<AccessProfile, Map<Statement, Uint8Array>>(profiles.map((p) => [p, new Map()]));
  const byList = new Map<AccessProfile, Map<string, Uint8Array>>(profiles.map((p) => [p, new Map()]));
  const actionsOf = (st: Statement, p: AccessProfile): Uint8Array => {
    const m = namedBy.get(p)!;
    let bits = m.get(st);
    if (!bits) {
      const lists = byList.get(p)!;
      const key = JSON.stringify([st.action ?? null, st.notAction ?? null]);
      bits = lists.get(key);
      if (!bits) {
        const t = tried.get(p)!;
        bits = new Uint8Array(t.length);
        for (let i = 0; i < t.length; i++) bits[i] = actionMatches(st, t[i]!.la.action) ? 1 : 0;
        lists.set(key, bits);
      }
      m.set(st, bits);
    }
    return bits;
  };
  /** The actions some Allow statement of identity or resource names: no other can be allowed. */
  const allowable = (
    p: AccessProfile,
    identity: readonly Statement[],
    resource: readonly Statement[] | undefined,
  ) => {
    const out = new Uint8Array(tried.get(p)!.length);
    for (const sts of [identity, resource ?? []])
      for (const st of sts) {
        if (st.effect !== "Allow") continue;
        const bits = actionsOf(st, p);
        for (let i = 0; i < bits.length; i++) out[i]! |= bits[i]!;
      }
    return out;
  };
  // Each store's resources, once.
  const resources = new Map<EstateNode, string[]>();
  const resourcesOf = (p: AccessProfile, s: EstateNode) => {
    let r = resources.get(s);
    if (!r) resources.set(s, (r = p.resources(s)));
    return r;
  };
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
        (s) => resourcesOf(p, s),
      );
      indexes.set(k, idx);
    }
    return idx;
  };
  const resourcePolicies = new Map<string, Statement[]>();
  const storesNaming = new Map<string, EstateNode[]>(); // principal or account-root ARN → stores whose policy names it
  for (const p of profiles)
    for (const s of ctx.g.ofType(p.type)) {
      const rp = resourcePolicyOf(s);
      if (!rp) continue;
      resourcePolicies.set(s.id, rp);
      for (const st of rp)
        if (st.effect === "Allow")
          for (const a of st.principal?.aws ?? []) {
            const list = storesNaming.get(a);
            if (list) list.push(s);
            else storesNaming.set(a, [s]);
          }
    }
  const relevantCache = new WeakMap<Statement, Map<string, boolean>>();
  const actionRelevant = (st: Statement, p: AccessProfile) => {
    let m = relevantCache.get(st);
    if (!m) relevantCache.set(st, (m = new Map<string, boolean>()));
    let r = m.get(p.type);
    if (r === undefined) {
      r = actionsOf(st, p).includes(1);
      m.set(p.type, r);
    }
    return r;
  };

  for (const principal of principals(ctx)) {
    const pol = policiesOf(ctx, principal);
    const decisionCache = new Map<string, Result | typeof NO_ACCESS>();
    const root = `arn:${principal.id.split(":")[1] || "aws"}:iam::${principal.accountId ?? ""}:root`;
    profiles.forEach((profile) => {
      const idx = indexFor(profile, principal.accountId);
      // Decisions of this principal and profile by store account, then by the key below.
      let byAcct: Map<string, Map<number, Result | typeof NO_ACCESS>> | undefined;
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
      for (const named of [storesNaming.get(principal.id), storesNaming.get(root)])
        if (named) for (const s of named) if (s.type === profile.type) cands.add(s);
      for (const store of cands) {
        const rp = resourcePolicies.get(store.id);
        const res = resourcesOf(profile, store);
        let result: Result | undefined;
        if (rp) {
          const relevant = stmts.filter((st) =>
            st.resource ? st.resource.some((p) => res.some((r) => intersects(p, r))) : true,
          );
          result = decide(pol, tried.get(profile)!, allowable(profile, relevant, rp), store, relevant, rp);
        } else {
          // The decision depends on the profile, the store's account, which conditional actions
          // apply to it (the others always do) and, per statement (by its place in `stmts`,
          // fixed for this principal and profile), whether it is relevant and which of its
          // patterns intersect or cover each of the store's resources: stores alike in all of
          // that share one decision. Within this principal and profile that is a number: the
          // store's resource count, then one bit per conditional action, then per statement a
          // relevance bit and, when relevant, two bits per pattern and resource (a fixed width
          // once the resource count is known), so no key string is built per store. One too
          // wide for a double's 53 bits is spelled out as a string instead.
          const conds = conditional.get(profile)!;
          let key = res.length;
          let width = 0;
          for (const la of conds) key = key * 2 + (la.when!(store) ? 1 : 0);
          width += conds.length;
          const relevant: Statement[] = [];
          for (let i = 0; i < stmts.length; i++) {
            const st = stmts[i]!;
            const pats = st.resource ?? st.notResource ?? [];
            let bits = 0;
            let meets = false;
            for (let j = 0; j < res.length; j++) {
              const r = res[j]!;
              for (const p of pats) {
                const x = intersects(p, r);
                if (x) meets = true;
                bits = bits * 4 + (x ? 2 : 0) + (covers(p, r) ? 1 : 0);
              }
            }
            width += 1;
            // A statement naming resources is relevant when one of them meets the store's.
            if (st.resource && !meets) {
              key = key * 2;
              continue;
            }
            relevant.push(st);
            const w = 2 * pats.length * res.length;
            key = (key * 2 + 1) * 2 ** w + bits;
            width += w;
          }
          let byKey: Map<number, Result | typeof NO_ACCESS> | undefined;
          let sig: string | undefined;
          if (width + Math.log2(res.length + 1) <= 52) {
            const acct = store.accountId ?? "";
            byAcct ??= new Map<string, Map<number, Result | typeof NO_ACCESS>>();
            byKey = byAcct.get(acct);
            if (!byKey) byAcct.set(acct, (byKey = new Map<number, Result | typeof NO_ACCESS>()));
          } else sig = stringSig(profile, store, conds, stmts, res);
          const hit = byKey ? byKey.get(key) : decisionCache.get(sig!);
          if (hit !== undefined) result = hit === NO_ACCESS ? undefined : hit;
          else {
            result = decide(
              pol,
              tried.get(profile)!,
              allowable(profile, relevant, undefined),
              store,
              relevant,
              undefined,
            );
            if (byKey) byKey.set(key, result ?? NO_ACCESS);
            else decisionCache.set(sig!, result ?? NO_ACCESS);
          }
        }
        if (!result) continue;
        // One evidence array per decision (a cached decision serves many stores), frozen: shared.
        const evidence = (result.granted ??= Object.freeze(
          result.evidence.map((e) => ({ ...e, detail: { ...e.detail, grants: result.action } })),
        ));
        const staleP = ctx.stale(principal);
        const staleS = ctx.stale(store);
        const mapping = store.type === T.dbInstance && result.action === "rds-db:connect";
        let assumptions: readonly Assumption[] = result.assumptions;
        if (staleP.length || staleS.length || mapping) {
          const all = [...result.assumptions, ...staleP, ...staleS];
          if (mapping) all.push({ code: "database_user_mapping_unknown", detail: { db: store.id } });
          assumptions = all;
        } else if (!Object.isFrozen(assumptions)) assumptions = Object.freeze(assumptions);
        ctx.sink.add(principal.id, "CAN_ACCESS", store.id, {
          rule: RULE,
          props: (result.props ??= levelProps(result.level, result.action)),
          evidence,
          assumptions,
        });
      }
    });
  }
}

/**
 * The decision key of a store without a resource policy, spelled out (profile, account, which
 * conditional actions apply, per relevant statement its place and which of its patterns intersect
 * or cover each resource): for the rare store whose numeric key would not fit.
 */
function stringSig(
  profile: AccessProfile,
  store: EstateNode,
  conds: readonly LevelAction[],
  stmts: readonly Statement[],
  res: readonly string[],
): string {
  let sig = `${profile.type}|${store.accountId ?? ""}|`;
  for (const la of conds) sig += la.when!(store) ? "1" : "0";
  for (let i = 0; i < stmts.length; i++) {
    const st = stmts[i]!;
    const pats = st.resource ?? st.notResource ?? [];
    let bits = "";
    let meets = false;
    for (let j = 0; j < res.length; j++) {
      if (j) bits += "/";
      const r = res[j]!;
      for (const p of pats) {
        const x = intersects(p, r);
        if (x) meets = true;
        bits += x ? (covers(p, r) ? "11" : "10") : covers(p, r) ? "01" : "00";
      }
    }
    if (st.resource && !meets) continue;
    sig += `|${i}:${bits}`;
  }
  return sig;
}

interface Result {
  level: AccessLevel;
  action: string;
  evidence: Evidence[];
  assumptions: Assumption[];
  /** The evidence as the edge holds it (each entry names the granted action), made once. */
  granted?: readonly Evidence[];
  props?: Readonly<Record<string, unknown>>;
}

/** A decision cached as "no access". */
const NO_ACCESS = Symbol("no access");

const levelPropsCache = new Map<string, Readonly<Record<string, unknown>>>();
/** `{ level, action }`, one frozen object per pair: the sink shares it between edges. */
function levelProps(level: AccessLevel, action: string): Readonly<Record<string, unknown>> {
  const k = `${level} ${action}`;
  let p = levelPropsCache.get(k);
  if (!p) levelPropsCache.set(k, (p = Object.freeze({ level, action })));
  return p;
}

function decide(
  pol: PrincipalPolicies,
  tried: readonly Tried[],
  allowable: Uint8Array,
  store: EstateNode,
  identity: Statement[],
  resource: Statement[] | undefined,
): Result | undefined {
  let conditional: Result | undefined;
  for (let i = 0; i < tried.length; i++) {
    // Only an action some Allow statement names can be allowed.
    if (!allowable[i]) continue;
    const { level, la } = tried[i]!;
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
