// service account CAN_ACCESS a GCP data store — Cloud Storage bucket, Cloud SQL instance, BigQuery
// dataset, Spanner instance or database, Bigtable instance: a binding naming the service account
// in a role that reads, writes or administers the store, on the store itself or inherited from
// its instance, project, folders or organization (src/gcp/iam.ts); for a BigQuery dataset also an
// entry of the dataset's own ACL naming the service account (READER / WRITER / OWNER). The
// highest level wins.
import type { Evidence } from "@ctem/model";
import type { AccessLevel } from "../../edges.js";
import { readProps } from "../../aws/shapes.js";
import {
  GCP_DATA_STORE_TYPES,
  appliedBindings,
  bindingEvidence,
  conditionAssumption,
  dataLevel,
  datasetAclLevel,
  datasetAclMember,
  memberOf,
  normMember,
} from "../../gcp/iam.js";
import { GCP_COLLECTOR, GT, GcpDatasetProps, GcpServiceAccountProps } from "../../gcp/shapes.js";
import { defineRule } from "../meta.js";

export const gcpCanAccessData = defineRule(
  {
    id: "gcp-can-access-data",
    title:
      "Service account can read or change a GCP data store (bucket, Cloud SQL, BigQuery, Spanner, Bigtable)",
    edge: "CAN_ACCESS",
    severity: "medium",
    risk: "Whoever acts as the service account reaches the data the binding (or the BigQuery dataset's ACL) grants, wherever it is granted in the hierarchy.",
    remediation: {
      gcp: {
        title:
          "Remove the binding or the dataset ACL entry (or grant a narrower role on the one resource that needs it)",
        cli: "gcloud projects remove-iam-policy-binding <project> --member=serviceAccount:<email> --role=<role>  # a BigQuery dataset ACL entry: bq show --format=prettyjson <project>:<dataset> > d.json, drop the entry, bq update --source d.json <project>:<dataset>",
        terraform:
          "# remove the google_project_iam_member (or bucket/dataset/Spanner/Bigtable/folder/organization IAM member, or the google_bigquery_dataset_access / access block) granting <role> to serviceAccount:<email>",
      },
    },
    limitations: [
      "Custom roles and group membership are not expanded; principalSet and domain members are not matched.",
      "IAM deny policies are not read.",
      "BigQuery table-level IAM policies and authorized views are not read; the dataset's projectReaders/projectWriters/projectOwners ACL groups are read as the project's basic-role bindings.",
    ],
  },
  (ctx) => {
    const sas = ctx.g.ofType(GT.serviceAccount);
    if (!sas.length) return;
    const byMember = new Map(
      sas
        .map((sa) => [readProps(GcpServiceAccountProps, sa.props).value.email, sa] as const)
        .filter(([e]) => !!e)
        .map(([e, sa]) => [memberOf(e!), sa]),
    );
    for (const store of GCP_DATA_STORE_TYPES.flatMap((t) => ctx.g.ofType(t))) {
      for (const ab of appliedBindings(ctx.g, store.id)) {
        const level = dataLevel(ab.binding.role, store.type);
        if (!level) continue;
        for (const m of ab.binding.members) {
          const sa = byMember.get(normMember(m));
          if (!sa) continue;
          ctx.sink.add(sa.id, "CAN_ACCESS", store.id, {
            rule: "gcp-can-access-data",
            props: { level },
            evidence: [bindingEvidence(ab, { member: m })],
            assumptions: [...conditionAssumption(ab), ...ctx.stale(ctx.g.node(ab.policyId))],
          });
        }
      }
      if (store.type !== GT.bigqueryDataset) continue;
      (readProps(GcpDatasetProps, store.props).value.access ?? []).forEach((entry, i) => {
        const level: AccessLevel | undefined = datasetAclLevel(entry.role);
        const m = datasetAclMember(entry);
        const sa = m ? byMember.get(m) : undefined;
        if (!level || !sa) return;
        const ev: Evidence = {
          source: GCP_COLLECTOR.resource,
          ref: `${store.id}#access[${i}]`,
          detail: { role: entry.role, member: m, on: store.id, level: "dataset-acl" },
        };
        ctx.sink.add(sa.id, "CAN_ACCESS", store.id, {
          rule: "gcp-can-access-data",
          props: { level },
          evidence: [ev],
          assumptions: [...ctx.stale(store)],
        });
      });
    }
  },
);
