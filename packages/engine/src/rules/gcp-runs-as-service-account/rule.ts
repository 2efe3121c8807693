// instance RUNS_AS service account: code on the instance can ask the metadata server for the
// attached service account's tokens. Access scopes narrow what the token may do; anything but
// cloud-platform is recorded, and the edge still stands (scopes are a legacy control).
import type { Assumption } from "@ctem/model";
import { readProps } from "../../aws/shapes.js";
import { serviceAccountsByEmail } from "../../gcp/iam.js";
import { GCP_COLLECTOR, GT, GcpInstanceProps } from "../../gcp/shapes.js";
import { defineRule } from "../meta.js";

export const gcpRunsAsServiceAccount = defineRule(
  {
    id: "gcp-runs-as-service-account",
    title: "GCP instance acts as its service account",
    edge: "RUNS_AS",
    severity: "medium",
    risk: "Anyone who runs code on the instance (or reaches its metadata server through SSRF with the Metadata-Flavor header) obtains the service account's tokens.",
    remediation: {
      gcp: {
        title: "Attach a dedicated, least-privilege service account (or none) to the instance",
        cli: "gcloud compute instances set-service-account <instance> --zone <zone> --service-account=<least-privilege-sa> --scopes=cloud-platform",
        terraform:
          'resource "google_compute_instance" "<name>" {\n  service_account {\n    email  = google_service_account.<least_privilege>.email\n    scopes = ["cloud-platform"]\n  }\n}',
      },
    },
    limitations: ["Access scopes are recorded but do not narrow the service account's derived access."],
  },
  (ctx) => {
    const byEmail = serviceAccountsByEmail(ctx.g);
    for (const inst of ctx.g.ofType(GT.instance)) {
      const p = readProps(GcpInstanceProps, inst.props).value;
      if (p.status === "TERMINATED") continue;
      for (const email of p.serviceAccounts ?? []) {
        const sa = byEmail.get(email.toLowerCase());
        const to = sa?.id ?? ctx.g.out(inst.id, "HAS_ROLE").find((e) => e.props.email === email)?.to;
        if (!to) continue;
        const scopes = p.scopes ?? [];
        const assumptions: Assumption[] = [...ctx.stale(inst)];
        if (!sa) assumptions.push({ code: "service_account_unknown", detail: { email } });
        if (scopes.length && !scopes.includes("https://www.googleapis.com/auth/cloud-platform"))
          assumptions.push({ code: "access_scopes_limited", detail: { scopes } });
        ctx.sink.add(inst.id, "RUNS_AS", to, {
          rule: "gcp-runs-as-service-account",
          props: { email },
          evidence: [
            { source: GCP_COLLECTOR.resource, ref: `${inst.id}#serviceAccounts`, detail: { email, scopes } },
          ],
          assumptions,
        });
      }
    }
  },
);
