// internet EXPOSES a GCP instance: an external address (an access config on one of its network
// interfaces) and a VPC firewall rule of that interface's network that admits a public range to
// it — evaluated in priority order, a deny winning at equal priority, disabled rules ignored,
// targets matched by network tag or service account (src/gcp/firewall.ts).
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Assumption, Evidence } from "@ctem/model";
import { readProps } from "../../aws/shapes.js";
import { internetExposures } from "../../gcp/firewall.js";
import { GCP_COLLECTOR, GT, GcpInstanceProps } from "../../gcp/shapes.js";
import { formatPorts } from "../../net/filters.js";
import { defineRule } from "../meta.js";

export const gcpExposesInstance = defineRule(
  {
    id: "gcp-exposes-instance",
    title: "GCP instance reachable from the internet",
    edge: "EXPOSES",
    severity: "high",
    risk: "The instance has an external address and a firewall rule admits the internet to it: a vulnerable or weakly authenticated service there is an entry point.",
    remediation: {
      gcp: {
        title:
          "Narrow or delete the firewall rule admitting 0.0.0.0/0, or remove the instance's external address (use IAP or a load balancer)",
        cli: "gcloud compute firewall-rules update <rule> --source-ranges=<trusted-cidr>  # or: gcloud compute instances delete-access-config <instance> --zone <zone> --access-config-name 'External NAT'",
        terraform:
          'resource "google_compute_firewall" "<name>" {\n  # narrow source_ranges to the ranges that need access, or delete the rule\n}',
      },
    },
    limitations: [
      "Hierarchical firewall policies and network firewall policies are not read (only VPC firewall rules).",
      "A deny from a narrower range than the allow's does not count as blocking it; a deny of one protocol does not narrow an allow of all protocols.",
      "Services actually listening on the port are not known.",
    ],
  },
  (ctx) => {
    for (const inst of ctx.g.ofType(GT.instance)) {
      const p = readProps(GcpInstanceProps, inst.props).value;
      if (p.status === "TERMINATED" || p.status === "STOPPING" || p.status === "SUSPENDED") continue;
      for (const nic of p.networkInterfaces ?? []) {
        if (!nic.network || !(nic.accessConfigs ?? 0)) continue;
        const ips = nic.externalIps ?? [];
        const addr: Evidence = {
          source: GCP_COLLECTOR.resource,
          ref: `${inst.id}#networkInterfaces`,
          detail: { network: nic.network, externalIps: ips.length ? ips : ["ephemeral"] },
        };
        for (const x of internetExposures(ctx.g, {
          network: nic.network,
          tags: p.networkTags ?? [],
          serviceAccounts: p.serviceAccounts ?? [],
        })) {
          if (x.cidr.family === 6 && !ips.some((i) => i.includes(":"))) continue;
          const assumptions: Assumption[] = [...ctx.stale(inst), ...ctx.stale(ctx.g.node(x.firewall))];
          if (x.cidr.prefix !== 0)
            assumptions.push({ code: "restricted_source", detail: { cidr: x.cidr.text } });
          if (p.status && p.status !== "RUNNING")
            assumptions.push({ code: "instance_not_running", detail: { status: p.status } });
          ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", inst.id, {
            rule: "gcp-exposes-instance",
            props: {
              ports: [
                {
                  protocol: x.protocol,
                  from: x.ports.from,
                  to: x.ports.to,
                  label: formatPorts(x.protocol, x.ports),
                },
              ],
            },
            evidence: [addr, ...x.evidence],
            assumptions,
          });
        }
      }
    }
  },
);
