// internet EXPOSES VM: a public IP on one of the VM's NICs, and TCP ports that both the NIC's NSG
// and its subnet's NSG let an arbitrary internet host open (priority order, first match decides,
// default rules last). No NSG at a level lets everything through that level — except a Standard
// SKU public IP, which is closed to inbound traffic unless an NSG allows it. An NSG or subnet that
// was not read counts as open, with an assumption: unknown is never safe.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Assumption, Evidence } from "@ctem/model";
import type { EstateEdge } from "../../graph.js";
import { ALL, internetInbound, intersect, label, spansOf } from "../../azure/nsg.js";
import type { Decision, Span } from "../../azure/nsg.js";
import { AZ, AZ_COLLECTOR, NsgProps, PublicIpProps, readProps } from "../../azure/shapes.js";
import { defineRule } from "../meta.js";
import type { DeriveContext } from "../../context.js";

const RULE = "azure-exposes-vm";

interface Level {
  spans: Span[];
  evidence: Evidence[];
  assumptions: Assumption[];
  /** An NSG was read at this level. */
  filtered: boolean;
}

function throughNsgs(ctx: DeriveContext, nsgIds: readonly string[], level: "nic" | "subnet"): Level {
  if (!nsgIds.length) return { spans: [...ALL], evidence: [], assumptions: [], filtered: false };
  let spans: Span[] = [...ALL];
  const evidence: Evidence[] = [];
  const assumptions: Assumption[] = [];
  let filtered = false;
  for (const id of nsgIds) {
    const nsg = ctx.g.node(id);
    if (!nsg || nsg.stub || nsg.type !== AZ.nsg) {
      assumptions.push({ code: "nsg_not_read", detail: { nsg: id, level } });
      continue;
    }
    filtered = true;
    assumptions.push(...ctx.stale(nsg));
    const p = readProps(NsgProps, nsg.props).value;
    const d: Decision = internetInbound(p.rules ?? [], p.defaultRules);
    spans = intersect(spans, spansOf(d));
    const seen = new Set<string>();
    for (const a of d.allowed) {
      if (seen.has(a.rule.name)) continue;
      seen.add(a.rule.name);
      evidence.push({
        source: AZ_COLLECTOR.nsgs,
        ref: `${id}#${a.rule.name}`,
        detail: {
          level,
          priority: a.rule.priority,
          access: a.rule.access,
          sources: a.rule.sources,
          ports: a.rule.ports,
        },
      });
    }
  }
  return { spans, evidence, assumptions, filtered };
}

export const azureExposesVm = defineRule(
  {
    id: RULE,
    title: "Azure VM reachable from the internet",
    edge: "EXPOSES",
    severity: "high",
    risk: "Anyone on the internet can open TCP connections to the VM on the listed ports; a vulnerable or weakly authenticated service there is an entry point.",
    remediation: {
      azure: {
        title:
          "Remove or narrow the NSG rule that admits Internet/* on the port, or take the public IP off the NIC (use Bastion or a load balancer)",
        cli: "az network nsg rule update --resource-group <resource-group> --nsg-name <nsg> --name <rule> --source-address-prefixes <trusted-cidr>",
        terraform:
          'resource "azurerm_network_security_rule" "<name>" {\n  # narrow source_address_prefix from "Internet" / "*" to the ranges that need access, or delete the rule\n}',
      },
    },
    limitations: [
      "TCP only; UDP and ICMP exposure is not evaluated.",
      "Rules admitting only specific public ranges or application security groups are not counted as internet exposure.",
      "Azure Firewall, NVAs and user-defined routes in front of the VM are not read.",
    ],
  },
  (ctx) => {
    for (const vm of ctx.g.ofType(AZ.vm)) {
      const byNic = new Map<string, { pips: string[]; subnets: string[]; nsgs: string[] }>();
      const nicOf = (e: EstateEdge) => {
        const nic = typeof e.props.nic === "string" ? e.props.nic : "";
        let x = byNic.get(nic);
        if (!x) byNic.set(nic, (x = { pips: [], subnets: [], nsgs: [] }));
        return x;
      };
      for (const e of ctx.g.out(vm.id, "HAS_ADDRESS")) nicOf(e).pips.push(e.to);
      for (const e of ctx.g.out(vm.id, "IN_SUBNET")) nicOf(e).subnets.push(e.to);
      for (const e of ctx.g.out(vm.id, "PROTECTED_BY")) nicOf(e).nsgs.push(e.to);
      for (const [nic, x] of byNic) {
        if (!x.pips.length) continue;
        const addr: Evidence[] = [];
        const assumptions: Assumption[] = [...ctx.stale(vm)];
        let standard = true;
        for (const pipId of x.pips) {
          const pip = ctx.g.node(pipId);
          const p = pip && !pip.stub ? readProps(PublicIpProps, pip.props).value : undefined;
          if (!p) {
            assumptions.push({ code: "public_ip_not_read", detail: { publicIp: pipId } });
            standard = false;
            addr.push({ source: AZ_COLLECTOR.nics, ref: nic, detail: { publicIp: pipId } });
            continue;
          }
          if (p.sku?.toLowerCase() !== "standard") standard = false;
          addr.push({
            source: AZ_COLLECTOR.publicIps,
            ref: pipId,
            detail: { ipAddress: p.ipAddress ?? "dynamic", sku: p.sku ?? "unknown", nic },
          });
          assumptions.push(...ctx.stale(pip));
        }
        const nicLevel = throughNsgs(ctx, x.nsgs, "nic");
        const subnetNsgs: string[] = [];
        for (const s of x.subnets) {
          const subnet = ctx.g.node(s);
          if (!subnet || subnet.stub) {
            assumptions.push({ code: "subnet_not_read", detail: { subnet: s } });
            continue;
          }
          subnetNsgs.push(...ctx.g.out(s, "PROTECTED_BY").map((e) => e.to));
        }
        const subnetLevel = throughNsgs(ctx, subnetNsgs, "subnet");
        // A Standard public IP is closed unless an NSG admits the traffic.
        if (
          standard &&
          !nicLevel.filtered &&
          !subnetLevel.filtered &&
          !nicLevel.assumptions.length &&
          !subnetLevel.assumptions.length
        )
          continue;
        const spans = intersect(nicLevel.spans, subnetLevel.spans);
        if (!spans.length) continue;
        ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", vm.id, {
          rule: RULE,
          props: { ports: spans.map((s) => ({ protocol: "tcp", from: s.from, to: s.to, label: label(s) })) },
          evidence: [...addr, ...nicLevel.evidence, ...subnetLevel.evidence],
          assumptions: [...assumptions, ...nicLevel.assumptions, ...subnetLevel.assumptions],
        });
      }
    }
  },
);
