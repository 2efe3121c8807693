// Azure RBAC as the engine reads it: role assignments (scope, principal, role, condition) joined to
// identities by principal object id, role definitions by their GUID, and the question "does this
// grant allow action A (or data action D) on resource R". A grant applies to R when its scope is R
// or above it: the tenant root `/`, a management group (assignments above the subscription are
// listed only when they apply to it), the subscription, the resource group, or R's parents.
// Actions are matched case-insensitively with `*` wildcards, minus NotActions. Deny assignments
// and ABAC conditions are not evaluated: a conditional grant carries an assumption.
import type { Assumption, Evidence } from "@ctem/model";
import type { DeriveContext } from "../context.js";
import type { EstateNode } from "../graph.js";
import {
  AZ,
  AZURE_IDENTITY_TYPES,
  AZ_COLLECTOR,
  RoleAssignmentProps,
  RoleDefinitionProps,
  readProps,
} from "./shapes.js";

type Permission = RoleDefinitionProps["permissions"][number];

/** Azure's built-in roles the analysis needs, by their documented ids: used when the definition was not read. */
export const BUILTIN_ROLES: Record<string, { roleName: string; permissions: Permission[] }> = {
  "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": {
    roleName: "Owner",
    permissions: [{ actions: ["*"], notActions: [], dataActions: [], notDataActions: [] }],
  },
  "b24988ac-6180-42a0-ab88-20f7382dd24c": {
    roleName: "Contributor",
    permissions: [
      {
        actions: ["*"],
        notActions: [
          "Microsoft.Authorization/*/Delete",
          "Microsoft.Authorization/*/Write",
          "Microsoft.Authorization/elevateAccess/Action",
          "Microsoft.Blueprint/blueprintAssignments/write",
          "Microsoft.Blueprint/blueprintAssignments/delete",
          "Microsoft.Compute/galleries/share/action",
        ],
        dataActions: [],
        notDataActions: [],
      },
    ],
  },
  "acdd72a7-3385-48ef-bd42-f606fba81ae7": {
    roleName: "Reader",
    permissions: [{ actions: ["*/read"], notActions: [], dataActions: [], notDataActions: [] }],
  },
  "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": {
    roleName: "User Access Administrator",
    permissions: [
      {
        actions: ["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
        notActions: [],
        dataActions: [],
        notDataActions: [],
      },
    ],
  },
  "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": {
    roleName: "Storage Blob Data Reader",
    permissions: [
      {
        actions: [
          "Microsoft.Storage/storageAccounts/blobServices/containers/read",
          "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
        ],
        notActions: [],
        dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
        notDataActions: [],
      },
    ],
  },
  "ba92f5b4-2d11-453d-a403-e96b0029c9fe": {
    roleName: "Storage Blob Data Contributor",
    permissions: [
      {
        actions: [
          "Microsoft.Storage/storageAccounts/blobServices/containers/delete",
          "Microsoft.Storage/storageAccounts/blobServices/containers/read",
          "Microsoft.Storage/storageAccounts/blobServices/containers/write",
          "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
        ],
        notActions: [],
        dataActions: [
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
          "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
        ],
        notDataActions: [],
      },
    ],
  },
  "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": {
    roleName: "Storage Blob Data Owner",
    permissions: [
      {
        actions: [
          "Microsoft.Storage/storageAccounts/blobServices/containers/*",
          "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action",
        ],
        notActions: [],
        dataActions: ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
        notDataActions: [],
      },
    ],
  },
};

export interface Grant {
  assignmentId: string;
  scope: string;
  roleDefinitionId: string;
  roleName: string;
  permissions: Permission[];
  assumptions: Assumption[];
}

const patterns = new Map<string, RegExp>();
function pattern(p: string): RegExp {
  let re = patterns.get(p);
  if (!re) {
    re = new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i");
    patterns.set(p, re);
  }
  return re;
}
const anyMatch = (ps: readonly string[], action: string) => ps.some((p) => pattern(p).test(action));

/** Whether the grant's role allows `action` (a control-plane action) or, with `data`, a data action. */
export function allows(g: Grant, action: string, data = false): boolean {
  return g.permissions.some((p) =>
    data
      ? anyMatch(p.dataActions, action) && !anyMatch(p.notDataActions, action)
      : anyMatch(p.actions, action) && !anyMatch(p.notActions, action),
  );
}

/** Whether a grant at `scope` applies to the resource `id` (both lower-cased ARM ids). */
export function scopeCovers(scope: string, id: string): boolean {
  if (scope === "/" || scope === "") return true;
  if (scope.startsWith("/providers/microsoft.management/managementgroups/")) return true;
  return id === scope || id.startsWith(`${scope}/`);
}

/** A scope at the subscription or above (management group, tenant root). */
export function isSubscriptionOrAbove(scope: string): boolean {
  return (
    scope === "/" ||
    scope.startsWith("/providers/microsoft.management/managementgroups/") ||
    /^\/subscriptions\/[^/]+$/.test(scope)
  );
}

export function grantEvidence(g: Grant, detail: Record<string, unknown> = {}): Evidence {
  return {
    source: AZ_COLLECTOR.roleAssignments,
    ref: g.assignmentId,
    detail: { role: g.roleName, roleDefinitionId: g.roleDefinitionId, scope: g.scope, ...detail },
  };
}

export interface RbacIndex {
  /** Every grant naming the identity's principal id. */
  grantsOf(identity: EstateNode): Grant[];
  /** Identities (by node) that role assignments can name. */
  identities(): EstateNode[];
}

// Per derive context, not per estate: its grants carry that derive's collector_failed assumptions,
// and an entry keyed by the estate would keep the context (its caches and sink) alive with it.
const cache = new WeakMap<DeriveContext, RbacIndex>();

export function rbacIndex(ctx: DeriveContext): RbacIndex {
  const hit = cache.get(ctx);
  if (hit) return hit;
  const defs = new Map<string, { node: EstateNode; props: RoleDefinitionProps }>();
  for (const d of ctx.g.ofType(AZ.roleDefinition)) {
    const r = readProps(RoleDefinitionProps, d.props);
    if (r.ok) defs.set(d.id.split("/").pop()!, { node: d, props: r.value as RoleDefinitionProps });
  }
  const byPrincipal = new Map<string, Grant[]>();
  for (const a of ctx.g.ofType(AZ.roleAssignment)) {
    const r = readProps(RoleAssignmentProps, a.props);
    if (!r.ok) continue;
    const p = r.value;
    const guid = p.roleDefinitionId!.toLowerCase().split("/").pop()!;
    const assumptions: Assumption[] = [...ctx.stale(a)];
    let roleName: string;
    let permissions: Permission[];
    const def = defs.get(guid);
    if (def) {
      roleName = def.props.roleName ?? guid;
      permissions = def.props.permissions;
      assumptions.push(...ctx.stale(def.node));
    } else if (BUILTIN_ROLES[guid]) {
      ({ roleName, permissions } = BUILTIN_ROLES[guid]);
      assumptions.push({
        code: "role_definition_not_read",
        detail: { roleDefinitionId: p.roleDefinitionId, builtIn: roleName },
      });
    } else continue; // an unknown custom role: nothing can be said about it
    if (p.condition)
      assumptions.push({
        code: "condition_not_evaluated",
        detail: { assignment: a.id, condition: p.condition },
      });
    const g: Grant = {
      assignmentId: a.id,
      scope: p.scope!.toLowerCase(),
      roleDefinitionId: p.roleDefinitionId!.toLowerCase(),
      roleName,
      permissions,
      assumptions,
    };
    const key = p.principalId!.toLowerCase();
    byPrincipal.set(key, [...(byPrincipal.get(key) ?? []), g]);
  }
  const idents = AZURE_IDENTITY_TYPES.flatMap((t) => [...ctx.g.ofType(t)]);
  const index: RbacIndex = {
    grantsOf(identity) {
      const pid = identity.props.principalId;
      return typeof pid === "string" ? (byPrincipal.get(pid.toLowerCase()) ?? []) : [];
    },
    identities: () => idents,
  };
  cache.set(ctx, index);
  return index;
}
