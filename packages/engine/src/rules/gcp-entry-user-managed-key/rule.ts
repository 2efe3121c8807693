// Entries (DESIGN "Prioritization" step 2): service accounts with a user-managed key — a JSON key
// file can leak from a laptop, a repository or a CI log. System-managed keys never leave Google;
// disabled or expired keys do not count.
import { readProps } from "../../aws/shapes.js";
import { GCP_COLLECTOR, GT, GcpKeyProps } from "../../gcp/shapes.js";
import { defineRule } from "../meta.js";

export const gcpEntryUserManagedKey = defineRule(
  {
    id: "gcp-entry-user-managed-key",
    title: "Service account with a user-managed key is an entry",
    severity: "medium",
    risk: "A downloaded service account key acts as the service account from anywhere until it is deleted.",
    remediation: {
      gcp: {
        title: "Delete user-managed keys; use workload identity federation or attached service accounts",
        cli: "gcloud iam service-accounts keys delete <key-id> --iam-account=<email>",
        terraform: "# remove the google_service_account_key resource for <email>",
      },
    },
    limitations: ["Key last use is not read."],
  },
  (ctx) => {
    const now = Date.now();
    for (const sa of ctx.g.ofType(GT.serviceAccount)) {
      const keys = ctx.g.outNodes(sa.id, "HAS_KEY").filter((k) => {
        if (k.type !== GT.serviceAccountKey) return false;
        const p = readProps(GcpKeyProps, k.props).value;
        if (p.keyType !== "USER_MANAGED" || p.disabled) return false;
        return !p.validBeforeTime || Date.parse(p.validBeforeTime) > now;
      });
      if (!keys.length) continue;
      ctx.entries.set(sa.id, {
        id: sa.id,
        reason: "access_key",
        evidence: keys.map((k) => ({
          source: GCP_COLLECTOR.resource,
          ref: k.id,
          detail: { keyType: "USER_MANAGED", keyId: k.name },
        })),
        assumptions: ctx.stale(sa),
      });
    }
  },
);
