// internet EXPOSES SQL server: public network access is not disabled and a server firewall rule
// admits every IPv4 address (0.0.0.0–255.255.255.255). The special 0.0.0.0–0.0.0.0 rule
// ("Allow Azure services") admits Azure-hosted clients only, and is not internet exposure.
import { INTERNET_NODE_ID } from "@ctem/model";
import { AZ, AZ_COLLECTOR, SqlServerProps, readProps } from "../../azure/shapes.js";
import { defineRule } from "../meta.js";

const toNum = (ip: string): number | undefined => {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((x) => x > 255)) return undefined;
  return parts.reduce((a, b) => a * 256 + b, 0);
};

/** A firewall range spanning at least half the IPv4 space: an arbitrary internet host is inside. */
export function internetWideRange(start: string, end: string): boolean {
  const a = toNum(start);
  const b = toNum(end);
  return a !== undefined && b !== undefined && b - a >= 2 ** 31;
}

export const azureExposesSql = defineRule(
  {
    id: "azure-exposes-sql",
    title: "Azure SQL server open to the internet",
    edge: "EXPOSES",
    severity: "high",
    risk: "The server's TDS endpoint accepts connections from any address; only its logins stand between the internet and the data.",
    remediation: {
      azure: {
        title:
          "Delete the firewall rule that admits 0.0.0.0–255.255.255.255; use private endpoints or named client ranges",
        cli: "az sql server firewall-rule delete --resource-group <resource-group> --server <server> --name <rule>",
        terraform:
          '# remove the azurerm_mssql_firewall_rule "<name>" with start_ip_address = "0.0.0.0" and end_ip_address = "255.255.255.255"',
      },
    },
    limitations: [
      "Virtual network rules and private endpoints are not read; IPv6 firewall rules are not evaluated.",
    ],
  },
  (ctx) => {
    for (const s of ctx.g.ofType(AZ.sqlServer)) {
      const p = readProps(SqlServerProps, s.props).value;
      if (p.publicNetworkAccess?.toLowerCase() === "disabled") continue;
      const open = (p.firewallRules ?? []).filter((r) => internetWideRange(r.start, r.end));
      if (!open.length) continue;
      ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", s.id, {
        rule: "azure-exposes-sql",
        props: { ports: [{ protocol: "tcp", from: 1433, to: 1433, label: "tcp/1433" }] },
        evidence: open.map((r) => ({
          source: AZ_COLLECTOR.sql,
          ref: `${s.id}/firewallrules/${r.name.toLowerCase()}`,
          detail: { start: r.start, end: r.end, publicNetworkAccess: p.publicNetworkAccess ?? "absent" },
        })),
        assumptions: ctx.stale(s),
      });
    }
  },
);
