// identity CAN_ACCESS storage account or SQL server through role assignments at the resource or
// any scope above it. Levels: read (blob read data action, e.g. Storage Blob Data Reader), write
// (blob write/delete data actions, e.g. Storage Blob Data Contributor), admin (control of the
// resource: storage account write or listKeys while shared-key access is on, SQL server or
// administrator write — Owner and Contributor have these — or role-assignment write at a scope
// covering the resource, which lets the identity grant itself any data role there).
import type { Assumption, Evidence } from "@ctem/model";
import type { AccessLevel } from "../../edges.js";
import { LEVELS } from "../../edges.js";
import { allows, grantEvidence, rbacIndex, scopeCovers } from "../../azure/rbac.js";
import type { Grant } from "../../azure/rbac.js";
import { AZ, StorageProps, readProps } from "../../azure/shapes.js";
import { defineRule } from "../meta.js";
import { AUTHZ_WRITE } from "../azure-admin-equivalent/rule.js";

const BLOB = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs";

function storageLevel(g: Grant, sharedKey: boolean | undefined): { level?: AccessLevel; via: string[] } {
  const via: string[] = [];
  if (allows(g, "Microsoft.Storage/storageAccounts/write"))
    via.push("Microsoft.Storage/storageAccounts/write");
  if (sharedKey !== false && allows(g, "Microsoft.Storage/storageAccounts/listKeys/action"))
    via.push("Microsoft.Storage/storageAccounts/listKeys/action");
  if (allows(g, AUTHZ_WRITE)) via.push(AUTHZ_WRITE);
  if (via.length) return { level: "admin", via };
  for (const a of [`${BLOB}/write`, `${BLOB}/delete`]) if (allows(g, a, true)) via.push(a);
  if (via.length) return { level: "write", via };
  if (allows(g, `${BLOB}/read`, true)) return { level: "read", via: [`${BLOB}/read`] };
  return { via };
}

function sqlLevel(g: Grant): { level?: AccessLevel; via: string[] } {
  const via = ["Microsoft.Sql/servers/write", "Microsoft.Sql/servers/administrators/write"].filter((a) =>
    allows(g, a),
  );
  return via.length ? { level: "admin", via } : { via };
}

export const azureCanAccessData = defineRule(
  {
    id: "azure-can-access-data",
    title: "Azure identity can read or change a storage account or SQL server",
    edge: "CAN_ACCESS",
    severity: "high",
    risk: "Whoever acts as the identity can read, change or take over the data store.",
    remediation: {
      azure: {
        title:
          "Scope the role assignment to the containers or resources the workload needs, with the least role (Reader instead of Contributor)",
        cli: "az role assignment delete --assignee <principal-id> --role <role> --scope <scope>",
        terraform:
          "# narrow the azurerm_role_assignment for <principal>: a smaller scope and a data-only role",
      },
    },
    limitations: [
      "SQL data access through Entra database users and SQL logins is not read; only control of the server is.",
      "Deny assignments and ABAC conditions are not evaluated (conditional grants carry an assumption).",
    ],
  },
  (ctx) => {
    const rbac = rbacIndex(ctx);
    const stores = [...ctx.g.ofType(AZ.storage), ...ctx.g.ofType(AZ.sqlServer)];
    for (const ident of rbac.identities()) {
      const grants = rbac.grantsOf(ident);
      if (!grants.length) continue;
      for (const store of stores) {
        let best = -1;
        const evidence: Evidence[] = [];
        const assumptions: Assumption[] = [];
        const sharedKey =
          store.type === AZ.storage
            ? readProps(StorageProps, store.props).value.allowSharedKeyAccess
            : undefined;
        for (const g of grants) {
          if (!scopeCovers(g.scope, store.id)) continue;
          const r = store.type === AZ.storage ? storageLevel(g, sharedKey) : sqlLevel(g);
          if (!r.level) continue;
          best = Math.max(best, LEVELS.indexOf(r.level));
          evidence.push(grantEvidence(g, { level: r.level, grants: r.via }));
          assumptions.push(...g.assumptions);
        }
        if (best < 0) continue;
        ctx.sink.add(ident.id, "CAN_ACCESS", store.id, {
          rule: "azure-can-access-data",
          props: { level: LEVELS[best] },
          evidence,
          assumptions: [...assumptions, ...ctx.stale(ident), ...ctx.stale(store)],
        });
      }
    }
  },
);
