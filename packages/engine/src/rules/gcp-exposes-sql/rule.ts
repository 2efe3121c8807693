// internet EXPOSES a Cloud SQL instance: a public IPv4 address (ipv4Enabled, a PRIMARY address)
// and an authorized network holding a public range (0.0.0.0/0 the worst).
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Assumption } from "@ctem/model";
import { readProps } from "../../aws/shapes.js";
import { GCP_COLLECTOR, GT, GcpSqlProps } from "../../gcp/shapes.js";
import { holdsPublic, parseCidr } from "../../net/cidr.js";
import { defineRule } from "../meta.js";

export const gcpExposesSql = defineRule(
  {
    id: "gcp-exposes-sql",
    title: "Cloud SQL instance open to the internet",
    edge: "EXPOSES",
    severity: "high",
    risk: "The database listens on a public address and its authorized networks admit the internet: only the database password stands in the way.",
    remediation: {
      gcp: {
        title:
          "Remove 0.0.0.0/0 from the authorized networks, or turn off the public IP (private IP / Cloud SQL Auth Proxy)",
        cli: "gcloud sql instances patch <instance> --clear-authorized-networks  # or: --no-assign-ip",
        terraform:
          'resource "google_sql_database_instance" "<name>" {\n  settings {\n    ip_configuration {\n      ipv4_enabled = false\n    }\n  }\n}',
      },
    },
    limitations: ["Database users and passwords are not read."],
  },
  (ctx) => {
    for (const db of ctx.g.ofType(GT.sqlInstance)) {
      const p = readProps(GcpSqlProps, db.props).value;
      if (!p.ipv4Enabled || !(p.publicIps ?? []).length) continue;
      for (const n of p.authorizedNetworks ?? []) {
        const c = parseCidr(n);
        if (!c || !holdsPublic(c)) continue;
        const assumptions: Assumption[] = [...ctx.stale(db)];
        if (c.prefix !== 0) assumptions.push({ code: "restricted_source", detail: { cidr: c.text } });
        ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", db.id, {
          rule: "gcp-exposes-sql",
          props: { ports: [{ protocol: "tcp", from: 0, to: 65535, label: "database" }] },
          evidence: [
            {
              source: GCP_COLLECTOR.resource,
              ref: `${db.id}#settings.ipConfiguration`,
              detail: { authorizedNetwork: c.text, publicIps: p.publicIps },
            },
          ],
          assumptions,
        });
      }
    }
  },
);
