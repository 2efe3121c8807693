// The IAM evaluator: identity policies (managed, inline, group), the resource's policy,
// permission boundaries, explicit Deny wins, wildcards, NotAction / NotResource / NotPrincipal.
// Conditions are not evaluated: an Allow resting on one is granted with a
// `condition_not_evaluated` assumption, a Deny resting on one does not block but is named the same
// way (it might apply): unknown is never safe. Written from AWS's documented evaluation logic;
// no AGPL evaluator is used (DESIGN "Node and licences").
import type { Assumption, Evidence } from "@ctem/model";
import { covers, intersects, matches } from "./glob.js";
import { attackerControlled } from "./conditions.js";
import type { Principals, Statement } from "./policy.js";

export interface Caller {
  /** The principal's ARN (user or role). */
  arn: string;
  accountId?: string | undefined;
}

export interface Request {
  action: string;
  /** The resource, or a set of resources as a pattern (`arn:aws:s3:::b/*`). */
  resource: string;
  /** Needed only when a resource policy is given. */
  caller?: Caller;
  /** The account owning the resource; the caller's when unknown. */
  resourceAccount?: string | undefined;
}

export interface Policies {
  identity: readonly Statement[];
  /** The permission boundary's statements; undefined when the principal has none. */
  boundary?: readonly Statement[] | undefined;
  resource?: readonly Statement[] | undefined;
}

export interface Decision {
  allowed: boolean;
  /** An explicit Deny without conditions applies. */
  denied: boolean;
  /** The statements that grant (or deny) it. */
  evidence: Evidence[];
  /** Conditions the grant rests on, and conditional Denies that might block it. */
  assumptions: Assumption[];
}

/**
 * The evidence naming a statement in a role, made once per statement and role and frozen: every
 * decision the statement grants (or denies) shares it. Consumers copy it to add to its detail.
 */
const evCache = new Map<string, WeakMap<Statement, Evidence>>();
function ev(st: Statement, role: string): Evidence {
  let byStatement = evCache.get(role);
  if (!byStatement) evCache.set(role, (byStatement = new WeakMap<Statement, Evidence>()));
  let e = byStatement.get(st);
  if (!e) {
    e = makeEv(st, role);
    Object.freeze(e.detail);
    byStatement.set(st, Object.freeze(e));
  }
  return e;
}

const makeEv = (st: Statement, role: string): Evidence => ({
  source: "iam-policy",
  ref: st.ref,
  detail: {
    role,
    effect: st.effect,
    ...(st.sid ? { sid: st.sid } : {}),
    ...(st.action ? { action: st.action } : { notAction: st.notAction ?? [] }),
    ...(st.resource ? { resource: st.resource } : st.notResource ? { notResource: st.notResource } : {}),
    ...(st.condition ? { condition: st.condition } : {}),
  },
});

/** Needs no assumption: no condition, or only conditions the caller satisfies at will. */
const free = (st: Statement) => !st.unknown && attackerControlled(st.condition);

const condition = (st: Statement): Assumption =>
  st.unknown
    ? { code: "policy_unknown", detail: { policy: st.policy } }
    : {
        code: "condition_not_evaluated",
        detail: { statement: st.ref, effect: st.effect, condition: st.condition },
      };

export function actionMatches(st: Statement, action: string): boolean {
  if (st.action) return st.action.some((p) => matches(p, action, true));
  if (st.notAction) return !st.notAction.some((p) => matches(p, action, true));
  return false;
}

/** Allow: some resource of the request is named. Deny: every resource of the request is. */
function resourceMatches(st: Statement, resource: string, mode: "some" | "all"): boolean {
  if (st.resource)
    return st.resource.some((p) => (mode === "some" ? intersects(p, resource) : covers(p, resource)));
  if (st.notResource)
    return mode === "some"
      ? !st.notResource.some((p) => covers(p, resource))
      : !st.notResource.some((p) => intersects(p, resource));
  // Trust policies have no Resource: the role itself.
  return true;
}

const accountRoot = (arn: string, accountId: string | undefined) => {
  const partition = arn.split(":")[1] || "aws";
  const acct = accountId ?? arn.split(":")[4];
  return acct ? `arn:${partition}:iam::${acct}:root` : undefined;
};

/** How a resource-policy principal block names the caller: directly, through its account, or not. */
export function principalMatch(p: Principals | undefined, caller: Caller): "direct" | "account" | undefined {
  if (!p) return undefined;
  if (p.any) return "direct";
  if (p.aws.some((a) => matches(a, caller.arn))) return "direct";
  const root = accountRoot(caller.arn, caller.accountId);
  if (root && p.aws.includes(root)) return "account";
  return undefined;
}

function appliesToCaller(st: Statement, caller: Caller | undefined): "direct" | "account" | undefined {
  if (!caller) return undefined;
  if (st.principal) return principalMatch(st.principal, caller);
  if (st.notPrincipal) return principalMatch(st.notPrincipal, caller) ? undefined : "direct";
  return undefined;
}

interface Grant {
  ok: boolean;
  evidence: Evidence[];
  assumptions: Assumption[];
}

const NO: Grant = { ok: false, evidence: [], assumptions: [] };

/** The best allowing statement: one without conditions if there is one. */
function best(sts: readonly Statement[], role: string): Grant {
  let conditional: Statement | undefined;
  for (const st of sts) {
    if (free(st)) return { ok: true, evidence: [ev(st, role)], assumptions: [] };
    conditional ??= st;
  }
  return conditional
    ? { ok: true, evidence: [ev(conditional, role)], assumptions: [condition(conditional)] }
    : NO;
}

const and = (a: Grant, b: Grant): Grant =>
  a.ok && b.ok
    ? {
        ok: true,
        evidence: [...a.evidence, ...b.evidence],
        assumptions: [...a.assumptions, ...b.assumptions],
      }
    : NO;
const or = (a: Grant, b: Grant): Grant => {
  if (!a.ok) return b;
  if (!b.ok) return a;
  return a.assumptions.length <= b.assumptions.length ? a : b;
};

interface Deny {
  st: Statement;
  role: string;
}

function collectDenies(
  sts: readonly Statement[] | undefined,
  role: string,
  isResource: boolean,
  req: Request,
  out: Deny[],
): void {
  if (!sts) return;
  for (const st of sts) {
    if (st.effect !== "Deny" || !actionMatches(st, req.action) || !resourceMatches(st, req.resource, "all"))
      continue;
    if (isResource && !appliesToCaller(st, req.caller)) continue;
    // A Deny the caller can step around (TLS, region, headers) does not stop them.
    if (st.condition && attackerControlled(st.condition)) continue;
    out.push({ st, role });
  }
}

function allowsOf(sts: readonly Statement[] | undefined, req: Request): Statement[] {
  const out: Statement[] = [];
  if (sts)
    for (const st of sts)
      if (st.effect === "Allow" && actionMatches(st, req.action) && resourceMatches(st, req.resource, "some"))
        out.push(st);
  return out;
}

const ANYONE: Grant = { ok: true, evidence: [], assumptions: [] };

export function evaluate(req: Request, pol: Policies): Decision {
  const denies: Deny[] = [];
  collectDenies(pol.identity, "identity", false, req, denies);
  collectDenies(pol.boundary, "boundary", false, req, denies);
  collectDenies(pol.resource, "resource", true, req, denies);
  const hard = denies.find((d) => !d.st.condition);
  if (hard) return { allowed: false, denied: true, evidence: [ev(hard.st, hard.role)], assumptions: [] };

  const identity = best(allowsOf(pol.identity, req), "identity");
  const boundary = pol.boundary === undefined ? ANYONE : best(allowsOf(pol.boundary, req), "boundary");
  const resAllows = allowsOf(pol.resource, req);
  const direct = resAllows.length
    ? best(
        resAllows.filter((st) => appliesToCaller(st, req.caller) === "direct"),
        "resource",
      )
    : NO;
  const viaAccount = resAllows.length
    ? best(
        resAllows.filter((st) => appliesToCaller(st, req.caller) !== undefined),
        "resource",
      )
    : NO;
  const callerAccount = req.caller ? (req.caller.accountId ?? req.caller.arn.split(":")[4]) : undefined;
  const sameAccount = !req.resourceAccount || !callerAccount || req.resourceAccount === callerAccount;
  const viaIdentity = and(identity, boundary);
  // Same account: the identity path or a resource policy naming the caller. Across accounts:
  // both sides must allow.
  const g = sameAccount ? or(viaIdentity, direct) : and(viaIdentity, viaAccount);
  if (!g.ok) return { allowed: false, denied: false, evidence: [], assumptions: [] };
  const softDenies = denies.map((d) => ({ ...condition(d.st), code: "deny_condition_not_evaluated" }));
  return {
    allowed: true,
    denied: false,
    evidence: g.evidence,
    assumptions: [...g.assumptions, ...softDenies],
  };
}
