// Who a technique can reach, as graph lookups shared by the technique rules.
import type { DeriveContext } from "../context.js";
import type { EstateNode } from "../graph.js";
import { AccessKeyProps, PrincipalProps, T, readProps } from "../aws/shapes.js";
import { parsePolicy } from "../iam/policy.js";
import { matches } from "../iam/glob.js";
import { policiesOf } from "../iam/principals.js";

export const isCustomerManaged = (policyId: string) =>
  policyId.includes(":policy/") &&
  !policyId.includes(":iam::aws:policy/") &&
  !policyId.includes("#inline-policy/");

/** Customer-managed policies that apply to the node (directly, or through a group for users). */
export function customerPolicies(ctx: DeriveContext, node: EstateNode): string[] {
  return policiesOf(ctx, node).policyIds.filter(isCustomerManaged);
}

/** Other identities of the type in the attacker's account: IAM calls act on the caller's own account only. */
export const others = (ctx: DeriveContext, type: string, attacker: EstateNode) =>
  ctx.g.ofType(type).filter((n) => n.id !== attacker.id && sameAccount(n, attacker));

export const sameAccount = (a: EstateNode, b: EstateNode) =>
  !a.accountId || !b.accountId || a.accountId === b.accountId;

export function groupsOf(ctx: DeriveContext, user: EstateNode): EstateNode[] {
  return policiesOf(ctx, user).groups;
}

/** Roles a service may assume (trust policy Allow for `service`), and their instance profiles. */
export function serviceRoles(
  ctx: DeriveContext,
  service: string,
): ReadonlyArray<{ role: EstateNode; profiles: string[] }> {
  // Once per derive and service: every attacker of the PassRole techniques asks the same.
  let byService = serviceRolesCache.get(ctx);
  if (!byService)
    serviceRolesCache.set(
      ctx,
      (byService = new Map<string, Array<{ role: EstateNode; profiles: string[] }>>()),
    );
  let out = byService.get(service);
  if (!out) byService.set(service, (out = findServiceRoles(ctx, service)));
  return out;
}

const serviceRolesCache = new WeakMap<object, Map<string, Array<{ role: EstateNode; profiles: string[] }>>>();

function findServiceRoles(
  ctx: DeriveContext,
  service: string,
): Array<{ role: EstateNode; profiles: string[] }> {
  const out: Array<{ role: EstateNode; profiles: string[] }> = [];
  for (const role of ctx.g.ofType(T.role)) {
    const p = readProps(PrincipalProps, role.props).value;
    const trusted =
      (Array.isArray(role.props.trustedServices) &&
        (role.props.trustedServices as unknown[]).includes(service)) ||
      parsePolicy(p.trustPolicy, `${role.id}#trust`).some(
        (st) => st.effect === "Allow" && (st.principal?.service ?? []).some((s) => matches(s, service)),
      );
    if (!trusted) continue;
    out.push({ role, profiles: ctx.g.out(role.id, "MEMBER_OF").map((e) => e.to) });
  }
  return out;
}

const keyCounts = new WeakMap<object, Map<string, number | undefined>>();

/** Drops what keyCount and serviceRoles cached for this derive. */
export function forgetTargets(ctx: DeriveContext): void {
  keyCounts.delete(ctx);
  serviceRolesCache.delete(ctx);
}

/** How many access keys a user holds, when known. */
export function keyCount(ctx: DeriveContext, user: EstateNode): number | undefined {
  let cache = keyCounts.get(ctx);
  if (!cache) keyCounts.set(ctx, (cache = new Map<string, number | undefined>()));
  if (cache.has(user.id)) return cache.get(user.id);
  const n = countKeys(ctx, user);
  cache.set(user.id, n);
  return n;
}

function countKeys(ctx: DeriveContext, user: EstateNode): number | undefined {
  const nodes = ctx.g
    .outNodes(user.id, "HAS_KEY")
    .filter((k) => readProps(AccessKeyProps, k.props).value.status !== undefined);
  const listed = readProps(PrincipalProps, user.props).value.accessKeys;
  if (nodes.length) return nodes.length;
  if (listed) return listed.length;
  return undefined;
}

export function hasLoginProfile(user: EstateNode): boolean | undefined {
  return readProps(PrincipalProps, user.props).value.hasLoginProfile;
}
