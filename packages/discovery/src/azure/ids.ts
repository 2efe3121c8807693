// Azure ids (DESIGN "The security graph"): resource ids lower-cased, so the same resource is one
// node whichever API spelled it (ARM is case-insensitive and mixes `resourceGroups`/`resourcegroups`).
// Entra principals without an ARM id (system-assigned identities, users, groups, applications)
// are `azure-principal:<object id>`.

export function azId(id: string): string {
  return id.toLowerCase().replace(/\/+$/, "");
}

export function subscriptionId(sub: string): string {
  return `/subscriptions/${sub.toLowerCase()}`;
}

export function principalNodeId(principalId: string): string {
  return `azure-principal:${principalId.toLowerCase()}`;
}

/** `/subscriptions/s/resourcegroups/rg` of a resource id, if it has one. */
export function resourceGroupOf(id: string): string | undefined {
  const m = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)/i.exec(id);
  return m ? azId(m[1]!) : undefined;
}

/** The resource group name of a resource id, as the API spelled it (the SDK's per-RG calls need it). */
export function resourceGroupName(id: string): string | undefined {
  return /\/resourcegroups\/([^/]+)/i.exec(id)?.[1];
}

/** The last segment (the resource's name). */
export function nameOf(id: string): string {
  return id.replace(/\/+$/, "").split("/").pop() ?? id;
}

/** The parent resource of a child id (subnet → VNet, NIC ipConfiguration → NIC). */
export function parentOf(id: string, levels = 2): string {
  return azId(id.split("/").slice(0, -levels).join("/"));
}
