// Who has which policies: a user's or role's identity statements are its inline and managed
// policies plus those of its groups (ATTACHED_POLICY, MEMBER_OF); a permission boundary is an
// ATTACHED_POLICY with `as: permissions_boundary` or the `permissionsBoundaryArn` prop. A policy
// the graph names but holds no document for stands in as "may allow anything" (policy_unknown).
import type { DeriveContext } from "../context.js";
import type { EstateNode } from "../graph.js";
import { AttachedPolicyProps, PolicyProps, PrincipalProps, T, readProps } from "../aws/shapes.js";
import type { Statement } from "./policy.js";
import { parsePolicy, unknownPolicy } from "./policy.js";
import type { Caller, Policies } from "./evaluate.js";

export interface PrincipalPolicies extends Policies {
  node: EstateNode;
  caller: Caller;
  identity: Statement[];
  boundary?: Statement[] | undefined;
  /** Groups the principal is a member of. */
  groups: EstateNode[];
  /** Policy ids whose statements apply to the principal (not the boundary). */
  policyIds: string[];
  /**
   * Per action, whether some Allow identity statement names it: the escalation techniques'
   * screen, filled as they ask (kept here rather than in a map keyed by the principal).
   */
  allowNames: Map<string, boolean> | undefined;
}

const policyCache = new WeakMap<object, Map<string, Statement[]>>();
const principalCache = new WeakMap<object, Map<string, PrincipalPolicies>>();

/** Drops what statementsOf and policiesOf cached for this derive. */
export function forgetPolicies(ctx: DeriveContext): void {
  policyCache.delete(ctx);
  principalCache.delete(ctx);
}

export const partitionOf = (arn: string) => arn.split(":")[1] || "aws";

export function statementsOf(ctx: DeriveContext, policyId: string): Statement[] {
  let cache = policyCache.get(ctx);
  if (!cache) policyCache.set(ctx, (cache = new Map<string, Statement[]>()));
  const hit = cache.get(policyId);
  if (hit) return hit;
  const n = ctx.g.node(policyId);
  const doc = n && !n.stub ? readProps(PolicyProps, n.props).value.document : undefined;
  const sts = doc === undefined ? unknownPolicy(policyId) : parsePolicy(doc, policyId, partitionOf(policyId));
  cache.set(policyId, sts);
  return sts;
}

function attached(ctx: DeriveContext, id: string): { policies: string[]; boundaries: string[] } {
  const policies: string[] = [];
  const boundaries: string[] = [];
  for (const e of ctx.g.out(id, "ATTACHED_POLICY")) {
    const as = readProps(AttachedPolicyProps, e.props).value.as ?? [];
    if (as.includes("permissions_boundary")) boundaries.push(e.to);
    if (as.length === 0 || as.some((a) => a !== "permissions_boundary")) policies.push(e.to);
  }
  return { policies, boundaries };
}

export const isPrincipal = (n: EstateNode) => n.type === T.user || n.type === T.role || n.type === T.group;

export function policiesOf(ctx: DeriveContext, node: EstateNode): PrincipalPolicies {
  let cache = principalCache.get(ctx);
  if (!cache) principalCache.set(ctx, (cache = new Map<string, PrincipalPolicies>()));
  const hit = cache.get(node.id);
  if (hit) return hit;
  const own = attached(ctx, node.id);
  const groups =
    node.type === T.user ? ctx.g.outNodes(node.id, "MEMBER_OF").filter((g) => g.type === T.group) : [];
  const policyIds = [...own.policies];
  for (const g of groups) policyIds.push(...attached(ctx, g.id).policies);
  const boundaryArn = readProps(PrincipalProps, node.props).value.permissionsBoundaryArn;
  const boundaries = [...new Set([...own.boundaries, ...(boundaryArn ? [boundaryArn] : [])])];
  const unique = [...new Set(policyIds)];
  const p: PrincipalPolicies = {
    node,
    caller: { arn: node.id, accountId: node.accountId },
    identity: unique.flatMap((id) => statementsOf(ctx, id)),
    boundary: boundaries.length ? boundaries.flatMap((id) => statementsOf(ctx, id)) : undefined,
    groups,
    policyIds: unique,
    allowNames: undefined,
  };
  cache.set(node.id, p);
  return p;
}

/** Users, roles and groups of the estate. */
export function principals(ctx: DeriveContext): EstateNode[] {
  return [...ctx.g.ofType(T.user), ...ctx.g.ofType(T.role), ...ctx.g.ofType(T.group)];
}
