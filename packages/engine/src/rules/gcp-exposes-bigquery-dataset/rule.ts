// internet EXPOSES a BigQuery dataset: allUsers or allAuthenticatedUsers granted a data role,
// either by an IAM binding (on the dataset or inherited from above it) or by an entry of the
// dataset's own ACL (`iamMember: allUsers`, `specialGroup: allAuthenticatedUsers`).
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Assumption, Evidence } from "@ctem/model";
import { readProps } from "../../aws/shapes.js";
import {
  appliedBindings,
  bindingEvidence,
  conditionAssumption,
  dataLevel,
  datasetAclLevel,
  datasetAclMember,
} from "../../gcp/iam.js";
import { GCP_COLLECTOR, GT, GcpDatasetProps } from "../../gcp/shapes.js";
import { defineRule } from "../meta.js";

const PUBLIC = ["allUsers", "allAuthenticatedUsers"];

const googleAccount = (who: string[]): Assumption[] =>
  who.includes("allUsers")
    ? []
    : [{ code: "google_account_required", detail: { member: "allAuthenticatedUsers" } }];

export const gcpExposesBigqueryDataset = defineRule(
  {
    id: "gcp-exposes-bigquery-dataset",
    title: "BigQuery dataset open to allUsers or allAuthenticatedUsers",
    edge: "EXPOSES",
    severity: "high",
    risk: "Anyone (or anyone with a Google account) can query, or change, the dataset's tables.",
    remediation: {
      gcp: {
        title: "Remove the allUsers / allAuthenticatedUsers binding or dataset ACL entry",
        cli: "bq remove-iam-policy-binding --member=allUsers --role=<role> <project>:<dataset>  # an ACL entry: bq show --format=prettyjson <project>:<dataset> > d.json, drop the entry from access[], bq update --source d.json <project>:<dataset>",
        terraform:
          "# remove the google_bigquery_dataset_iam_member / google_bigquery_dataset_access (or the access block of google_bigquery_dataset) granting <role> to allUsers / allAuthenticatedUsers",
      },
    },
    limitations: [
      "Table-level IAM policies and authorized views are not read; domain-restricted sharing (an organization policy) is not evaluated.",
    ],
  },
  (ctx) => {
    for (const ds of ctx.g.ofType(GT.bigqueryDataset)) {
      for (const ab of appliedBindings(ctx.g, ds.id)) {
        const level = dataLevel(ab.binding.role, GT.bigqueryDataset);
        const who = ab.binding.members.filter((m) => PUBLIC.includes(m));
        if (!level || !who.length) continue;
        ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", ds.id, {
          rule: "gcp-exposes-bigquery-dataset",
          props: { level, public: who },
          evidence: [bindingEvidence(ab, { members: who })],
          assumptions: [...conditionAssumption(ab), ...googleAccount(who), ...ctx.stale(ds)],
        });
      }
      (readProps(GcpDatasetProps, ds.props).value.access ?? []).forEach((entry, i) => {
        const level = datasetAclLevel(entry.role);
        const m = datasetAclMember(entry);
        if (!level || !m || !PUBLIC.includes(m)) return;
        const ev: Evidence = {
          source: GCP_COLLECTOR.resource,
          ref: `${ds.id}#access[${i}]`,
          detail: { role: entry.role, members: [m], on: ds.id, level: "dataset-acl" },
        };
        ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", ds.id, {
          rule: "gcp-exposes-bigquery-dataset",
          props: { level, public: [m] },
          evidence: [ev],
          assumptions: [...googleAccount([m]), ...ctx.stale(ds)],
        });
      });
    }
  },
);
