// Network: NICs (which VM, subnet, NSG and public IP each carries), public IPs, NSGs with their
// rules (priority, direction, access, protocol, source prefixes incl. service tags, ports; the
// built-in default rules too), virtual networks with their subnets (and each subnet's NSG), and
// load balancers. Reachability is evaluated by the engine from these; nothing is guessed here.
import type {
  LoadBalancer,
  NetworkInterface,
  NetworkSecurityGroup,
  PublicIPAddress,
  SecurityRule,
  VirtualNetwork,
} from "@azure/arm-network";
import { allItems } from "../errors.js";
import { azureSink } from "../facts.js";
import { azId, nameOf, parentOf } from "../ids.js";
import { defineAzureModule } from "../module.js";

const ids = (xs: ReadonlyArray<{ id?: string } | undefined> | undefined) =>
  (xs ?? []).map((x) => (x?.id ? azId(x.id) : "")).filter(Boolean);

export const azureNetworkInterfaces = defineAzureModule<NetworkInterface[]>({
  id: "azure-network-interfaces",
  description:
    "Network interfaces: the VM each belongs to, its subnets, its NSG and its public IPs (as edges from the VM, one per interface).",
  produces: { nodes: [], edges: ["IN_SUBNET", "IN_NETWORK", "PROTECTED_BY", "HAS_ADDRESS"] },
  dependsOn: [],
  permissions: ["Microsoft.Network/networkInterfaces/read"],
  collect: ({ clients }) =>
    allItems("networkInterfaces.listAll", clients.network().networkInterfaces.listAll()),
  transform(nics, ctx) {
    const s = azureSink(ctx);
    for (const nic of nics) {
      if (!nic.id || !nic.virtualMachine?.id) continue;
      const vm = azId(nic.virtualMachine.id);
      const nicId = azId(nic.id);
      for (const ip of nic.ipConfigurations ?? []) {
        if (ip.subnet?.id) {
          const subnet = azId(ip.subnet.id);
          s.edge(vm, "IN_SUBNET", subnet, { nic: nicId });
          s.edge(vm, "IN_NETWORK", parentOf(subnet), { nic: nicId });
        }
        if (ip.publicIPAddress?.id)
          s.edge(vm, "HAS_ADDRESS", azId(ip.publicIPAddress.id), {
            nic: nicId,
            privateIp: ip.privateIPAddress,
          });
      }
      if (nic.networkSecurityGroup?.id)
        s.edge(vm, "PROTECTED_BY", azId(nic.networkSecurityGroup.id), { level: "nic", nic: nicId });
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});

export const azurePublicIps = defineAzureModule<PublicIPAddress[]>({
  id: "azure-public-ips",
  description: "Public IP addresses: the address, allocation, SKU and what they are attached to.",
  produces: { nodes: ["azure.network.public_ip"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: ["Microsoft.Network/publicIPAddresses/read"],
  collect: ({ clients }) =>
    allItems("publicIPAddresses.listAll", clients.network().publicIPAddresses.listAll()),
  transform(pips, ctx) {
    const s = azureSink(ctx);
    for (const p of pips) {
      if (!p.id) continue;
      const id = azId(p.id);
      s.node({
        id,
        kind: "public_ip",
        type: "azure.network.public_ip",
        name: p.name ?? nameOf(p.id),
        location: p.location,
        tags: p.tags,
        props: {
          ipAddress: p.ipAddress,
          allocation: p.publicIPAllocationMethod,
          version: p.publicIPAddressVersion,
          sku: p.sku?.name,
          fqdn: p.dnsSettings?.fqdn,
          ipConfiguration: p.ipConfiguration?.id ? azId(p.ipConfiguration.id) : undefined,
        },
      });
      s.contains(id);
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});

export interface NsgRule {
  name: string;
  priority: number;
  direction: string;
  access: string;
  protocol: string;
  sources: string[];
  sourceAsgs?: string[];
  destinations: string[];
  ports: string[];
}

function rule(r: SecurityRule): NsgRule {
  const sources = [r.sourceAddressPrefix, ...(r.sourceAddressPrefixes ?? [])].filter((x): x is string => !!x);
  const destinations = [r.destinationAddressPrefix, ...(r.destinationAddressPrefixes ?? [])].filter(
    (x): x is string => !!x,
  );
  const ports = [r.destinationPortRange, ...(r.destinationPortRanges ?? [])].filter((x): x is string => !!x);
  const asgs = ids(r.sourceApplicationSecurityGroups);
  return {
    name: r.name ?? "",
    priority: r.priority ?? 0,
    direction: r.direction ?? "",
    access: r.access ?? "",
    protocol: r.protocol ?? "*",
    sources,
    ...(asgs.length ? { sourceAsgs: asgs } : {}),
    destinations,
    ports,
  };
}

export const azureNetworkSecurityGroups = defineAzureModule<NetworkSecurityGroup[]>({
  id: "azure-network-security-groups",
  description:
    "Network security groups: custom and default rules (priority, direction, access, protocol, source prefixes and service tags, ports).",
  produces: { nodes: ["azure.network.nsg"], edges: ["CONTAINS"] },
  dependsOn: [],
  permissions: ["Microsoft.Network/networkSecurityGroups/read"],
  collect: ({ clients }) =>
    allItems("networkSecurityGroups.listAll", clients.network().networkSecurityGroups.listAll()),
  transform(nsgs, ctx) {
    const s = azureSink(ctx);
    for (const g of nsgs) {
      if (!g.id) continue;
      const id = azId(g.id);
      const byPriority = (a: NsgRule, b: NsgRule) => a.priority - b.priority || a.name.localeCompare(b.name);
      s.node({
        id,
        kind: "firewall",
        type: "azure.network.nsg",
        name: g.name ?? nameOf(g.id),
        location: g.location,
        tags: g.tags,
        props: {
          rules: (g.securityRules ?? []).map(rule).sort(byPriority),
          // Absent in hand-written answers: the engine then applies Azure's documented defaults.
          defaultRules: g.defaultSecurityRules
            ? g.defaultSecurityRules.map(rule).sort(byPriority)
            : undefined,
          subnets: ids(g.subnets),
          networkInterfaces: ids(g.networkInterfaces),
        },
      });
      s.contains(id);
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});

export const azureVirtualNetworks = defineAzureModule<VirtualNetwork[]>({
  id: "azure-virtual-networks",
  description: "Virtual networks and their subnets: address prefixes, each subnet's NSG, peerings.",
  produces: {
    nodes: ["azure.network.virtual_network", "azure.network.subnet"],
    edges: ["CONTAINS", "IN_NETWORK", "PROTECTED_BY"],
  },
  dependsOn: [],
  permissions: ["Microsoft.Network/virtualNetworks/read"],
  collect: ({ clients }) => allItems("virtualNetworks.listAll", clients.network().virtualNetworks.listAll()),
  transform(vnets, ctx) {
    const s = azureSink(ctx);
    for (const v of vnets) {
      if (!v.id) continue;
      const id = azId(v.id);
      s.node({
        id,
        kind: "network",
        type: "azure.network.virtual_network",
        name: v.name ?? nameOf(v.id),
        location: v.location,
        tags: v.tags,
        props: {
          addressPrefixes: v.addressSpace?.addressPrefixes ?? [],
          peerings: (v.virtualNetworkPeerings ?? [])
            .map((p) => (p.remoteVirtualNetwork?.id ? azId(p.remoteVirtualNetwork.id) : ""))
            .filter(Boolean),
        },
      });
      s.contains(id);
      for (const sn of v.subnets ?? []) {
        if (!sn.id) continue;
        const sid = azId(sn.id);
        s.node({
          id: sid,
          kind: "subnet",
          type: "azure.network.subnet",
          name: sn.name ?? nameOf(sn.id),
          location: v.location,
          props: {
            addressPrefixes: [sn.addressPrefix, ...(sn.addressPrefixes ?? [])].filter(Boolean),
            networkSecurityGroup: sn.networkSecurityGroup?.id ? azId(sn.networkSecurityGroup.id) : undefined,
          },
        });
        s.edge(sid, "IN_NETWORK", id);
        if (sn.networkSecurityGroup?.id)
          s.edge(sid, "PROTECTED_BY", azId(sn.networkSecurityGroup.id), { level: "subnet" });
      }
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});

export const azureLoadBalancers = defineAzureModule<LoadBalancer[]>({
  id: "azure-load-balancers",
  description: "Load balancers: public frontends, load-balancing and inbound NAT rules, backend interfaces.",
  produces: { nodes: ["azure.network.load_balancer"], edges: ["CONTAINS", "HAS_ADDRESS"] },
  dependsOn: [],
  permissions: ["Microsoft.Network/loadBalancers/read"],
  collect: ({ clients }) => allItems("loadBalancers.listAll", clients.network().loadBalancers.listAll()),
  transform(lbs, ctx) {
    const s = azureSink(ctx);
    for (const lb of lbs) {
      if (!lb.id) continue;
      const id = azId(lb.id);
      const publicIps = (lb.frontendIPConfigurations ?? [])
        .map((f) => (f.publicIPAddress?.id ? azId(f.publicIPAddress.id) : ""))
        .filter(Boolean);
      s.node({
        id,
        kind: "load_balancer",
        type: "azure.network.load_balancer",
        name: lb.name ?? nameOf(lb.id),
        location: lb.location,
        tags: lb.tags,
        props: {
          sku: lb.sku?.name,
          public: publicIps.length > 0,
          publicIps,
          rules: (lb.loadBalancingRules ?? []).map((r) => ({
            name: r.name,
            protocol: r.protocol,
            frontendPort: r.frontendPort,
            backendPort: r.backendPort,
          })),
          inboundNatRules: (lb.inboundNatRules ?? []).map((r) => ({
            name: r.name,
            protocol: r.protocol,
            frontendPort: r.frontendPort,
            backendPort: r.backendPort,
          })),
          // Backend members are NIC ip configurations: the NIC is two segments up.
          backendNics: [
            ...new Set(
              (lb.backendAddressPools ?? []).flatMap((p) =>
                ids(p.backendIPConfigurations).map((c) => parentOf(c)),
              ),
            ),
          ].sort(),
        },
      });
      s.contains(id);
      for (const p of publicIps) s.edge(id, "HAS_ADDRESS", p);
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});
