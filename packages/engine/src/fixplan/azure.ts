// Azure remediation options (DESIGN "Fix plan"): az CLI and Terraform (azurerm) text generated from
// the evidence of the Azure rules, registered from options.ts with one line each. They reuse the
// existing change kinds: an NSG rule or SQL firewall rule admitting the internet is narrowed or
// deleted (`revoke-ingress`), a role assignment is deleted (`remove-statement`), a storage account
// stops allowing anonymous blob access (`block-public-access`), an entry's credential goes
// (`deactivate-key`). Cut specs: a VM stays exposed while any allowing rule remains in the NIC's
// NSG AND any in the subnet's (two requirement groups); an access or escalation needs one of its
// role assignments (one group).
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Evidence } from "@ctem/model";
import type { DerivedEdge } from "../edges.js";
import type { EstateNode } from "../graph.js";
import type { CutSpec, FixOption } from "./options.js";

const str = (v: unknown): string => (typeof v === "string" || typeof v === "number" ? String(v) : "");
const last = (id: string) => id.split("/").pop() ?? id;
const tfName = (s: string) =>
  s
    .replace(/[^A-Za-z0-9_]/g, "_")
    .replace(/^_+/, "")
    .slice(0, 60) || "x";
const rgOf = (id: string) => /\/resourcegroups\/([^/]+)/.exec(id)?.[1] ?? "<resource-group>";

function nsgRuleOption(ev: Evidence): FixOption | undefined {
  if (ev.source !== "azure-network-security-groups" || !ev.ref.includes("#")) return undefined;
  const [nsg, rule] = ev.ref.split("#") as [string, string];
  const d = ev.detail ?? {};
  const ports = Array.isArray(d.ports) ? (d.ports as unknown[]).map(str).join(",") : "*";
  const sources = Array.isArray(d.sources) ? (d.sources as unknown[]).map(str).join(",") : "*";
  const [from, to] = (ports.split(",")[0] ?? "*").split("-").map(Number);
  return {
    id: `azure-nsg-rule:${ev.ref}`,
    title: `Narrow NSG rule ${rule} on ${last(nsg)}: stop admitting ${sources} on ${ports}`,
    cli: `az network nsg rule update --resource-group ${rgOf(nsg)} --nsg-name ${last(nsg)} --name ${rule} --source-address-prefixes <trusted-cidr>  # or: az network nsg rule delete --resource-group ${rgOf(nsg)} --nsg-name ${last(nsg)} --name ${rule}`,
    terraform: `resource "azurerm_network_security_rule" "${tfName(rule)}" {\n  name                        = "${rule}"\n  network_security_group_name = "${last(nsg)}"\n  # …\n  source_address_prefix       = "<trusted-cidr>" # was ${sources}\n}`,
    change: {
      type: "revoke-ingress",
      group: nsg,
      groupId: last(nsg),
      ref: ev.ref,
      protocol: "tcp",
      fromPort: Number.isFinite(from) ? from! : 0,
      toPort: Number.isFinite(to) ? to! : Number.isFinite(from) ? from! : 65535,
      cidr: sources,
    },
    cuts: true,
  };
}

function sqlFirewallOption(ev: Evidence): FixOption | undefined {
  if (ev.source !== "azure-sql-servers" || !ev.ref.includes("/firewallrules/")) return undefined;
  const [server, rule] = ev.ref.split("/firewallrules/") as [string, string];
  const d = ev.detail ?? {};
  return {
    id: `azure-sql-firewall:${ev.ref}`,
    title: `Delete firewall rule ${rule} (${str(d.start)}–${str(d.end)}) on SQL server ${last(server)}`,
    cli: `az sql server firewall-rule delete --resource-group ${rgOf(server)} --server ${last(server)} --name ${rule}`,
    terraform: `# remove the azurerm_mssql_firewall_rule "${rule}" of server ${last(server)} (start_ip_address = "${str(d.start)}", end_ip_address = "${str(d.end)}")`,
    change: {
      type: "revoke-ingress",
      group: server,
      groupId: last(server),
      ref: ev.ref,
      protocol: "tcp",
      fromPort: 1433,
      toPort: 1433,
      cidr: `${str(d.start)}-${str(d.end)}`,
    },
    cuts: true,
  };
}

function roleAssignmentOption(ev: Evidence): FixOption | undefined {
  if (ev.source !== "azure-role-assignments") return undefined;
  const d = ev.detail ?? {};
  const role = str(d.role);
  const scope = str(d.scope);
  return {
    id: `azure-role-assignment:${ev.ref}`,
    title: `Delete the ${role} role assignment at ${scope}`,
    cli: `az role assignment delete --ids ${ev.ref}`,
    terraform: `# remove the azurerm_role_assignment of "${role}" at scope "${scope}" (${last(ev.ref)})`,
    change: { type: "remove-statement", policy: ev.ref, ref: ev.ref, statement: { role, scope } },
    cuts: true,
  };
}

/** Options for the Azure rules' edges; called from optionsForEdge. */
export function azureEdgeOptions(
  e: DerivedEdge,
  to: EstateNode | undefined,
  add: (o: FixOption | undefined) => FixOption | undefined,
  spec: CutSpec,
): void {
  if (!e.props.rules.some((r) => r.startsWith("azure-"))) return;
  if (e.kind === "EXPOSES" && e.from === INTERNET_NODE_ID) {
    if (to?.type === "azure.compute.virtual_machine") {
      const byLevel = new Map<string, string[]>();
      for (const ev of e.evidence) {
        const o = add(nsgRuleOption(ev));
        if (!o) continue;
        const level = str(ev.detail?.level) || "nic";
        byLevel.set(level, [...(byLevel.get(level) ?? []), o.id]);
      }
      spec.groups.push(...byLevel.values());
    } else if (to?.type === "azure.sql.server") {
      const group = e.evidence.map((ev) => add(sqlFirewallOption(ev))?.id).filter((x): x is string => !!x);
      if (group.length) spec.groups.push(group);
    } else if (to?.type === "azure.storage.account") {
      const name = to.name || last(e.to);
      const o = add({
        id: `azure-blob-public-access:${e.to}`,
        title: `Disallow anonymous blob access on storage account ${name}`,
        cli: `az storage account update --resource-group ${rgOf(e.to)} --name ${name} --allow-blob-public-access false`,
        terraform: `resource "azurerm_storage_account" "${tfName(name)}" {\n  name                            = "${name}"\n  # …\n  allow_nested_items_to_be_public = false\n}`,
        change: { type: "block-public-access", bucket: e.to, name },
        cuts: true,
      });
      spec.killers.push(o!.id);
    }
  } else if (e.kind === "CAN_ACCESS" || e.kind === "CAN_ESCALATE") {
    const group = e.evidence.map((ev) => add(roleAssignmentOption(ev))?.id).filter((x): x is string => !!x);
    if (group.length) spec.groups.push(group);
  }
}

/** Removing an Azure entry: the service principal's secrets, or the identity's federated credentials. */
export function azureKeyEntryOption(ident: EstateNode, evidence: readonly Evidence[]): FixOption {
  const name = ident.name || last(ident.id);
  const federated = ident.type === "azure.managed_identity.user_assigned";
  const keys = evidence.map((e) => last(e.ref)).filter(Boolean);
  return {
    id: `deactivate-key:${ident.id}`,
    title: federated
      ? `Delete or narrow the federated credential(s) of managed identity ${name}`
      : `Remove the client secret(s) of service principal ${name}`,
    cli: federated
      ? keys
          .map(
            (k) =>
              `az identity federated-credential delete --resource-group ${rgOf(ident.id)} --identity-name ${name} --name ${k} --yes`,
          )
          .join("\n")
      : keys.map((k) => `az ad app credential delete --id <app-id> --key-id ${k}`).join("\n"),
    terraform: federated
      ? `# remove (or narrow the subject of) the azurerm_federated_identity_credential resource(s) of ${name}`
      : `# remove the azuread_application_password resource(s) of ${name}; prefer a managed identity`,
    change: { type: "deactivate-key", user: ident.id, userName: name, keys },
    cuts: true,
  };
}
