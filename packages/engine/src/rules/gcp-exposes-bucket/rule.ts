// internet EXPOSES a Cloud Storage bucket: a binding for allUsers or allAuthenticatedUsers (on the
// bucket or above it) in a role that reads or writes objects, unless public access prevention is
// enforced on the bucket.
import { INTERNET_NODE_ID } from "@ctem/model";
import { readProps } from "../../aws/shapes.js";
import { appliedBindings, bindingEvidence, conditionAssumption, dataLevel } from "../../gcp/iam.js";
import { GT, GcpBucketProps } from "../../gcp/shapes.js";
import { defineRule } from "../meta.js";

const PUBLIC = ["allUsers", "allAuthenticatedUsers"];

export const gcpExposesBucket = defineRule(
  {
    id: "gcp-exposes-bucket",
    title: "Cloud Storage bucket open to allUsers or allAuthenticatedUsers",
    edge: "EXPOSES",
    severity: "high",
    risk: "Anyone (or anyone with a Google account) can read or change the bucket's objects.",
    remediation: {
      gcp: {
        title: "Remove the allUsers / allAuthenticatedUsers binding and enforce public access prevention",
        cli: "gcloud storage buckets remove-iam-policy-binding gs://<bucket> --member=allUsers --role=<role> && gcloud storage buckets update gs://<bucket> --public-access-prevention",
        terraform: 'resource "google_storage_bucket" "<name>" {\n  public_access_prevention = "enforced"\n}',
      },
    },
    limitations: ["Object ACLs (fine-grained access) are not read; only IAM bindings."],
  },
  (ctx) => {
    for (const b of ctx.g.ofType(GT.bucket)) {
      if (readProps(GcpBucketProps, b.props).value.publicAccessPrevention === "enforced") continue;
      for (const ab of appliedBindings(ctx.g, b.id)) {
        const level = dataLevel(ab.binding.role, GT.bucket);
        const who = ab.binding.members.filter((m) => PUBLIC.includes(m));
        if (!level || !who.length) continue;
        ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", b.id, {
          rule: "gcp-exposes-bucket",
          props: { level, public: who },
          evidence: [bindingEvidence(ab, { members: who })],
          assumptions: [
            ...conditionAssumption(ab),
            ...(who.includes("allUsers")
              ? []
              : [{ code: "google_account_required", detail: { member: "allAuthenticatedUsers" } }]),
            ...ctx.stale(b),
          ],
        });
      }
    }
  },
);
