// Virtual machines and the identities they run as: a system-assigned identity is an Entra service
// principal without an ARM id (`azure-principal:<principalId>`), user-assigned ones are their ARM
// resources. Network attachments come from the NIC listing (azure-network-interfaces).
import type { VirtualMachine } from "@azure/arm-compute";
import { allItems } from "../errors.js";
import { azureSink } from "../facts.js";
import { azId, nameOf, principalNodeId } from "../ids.js";
import { defineAzureModule } from "../module.js";

export const azureVirtualMachines = defineAzureModule<VirtualMachine[]>({
  id: "azure-compute-vms",
  description:
    "Virtual machines: size, OS, network interfaces and managed identities (system-assigned and user-assigned).",
  produces: {
    nodes: ["azure.compute.virtual_machine", "azure.managed_identity.system_assigned"],
    edges: ["CONTAINS", "HAS_ROLE"],
  },
  dependsOn: [],
  permissions: ["Microsoft.Compute/virtualMachines/read"],
  collect: ({ clients }) => allItems("virtualMachines.listAll", clients.compute().virtualMachines.listAll()),
  transform(vms, ctx) {
    const s = azureSink(ctx);
    for (const vm of vms) {
      if (!vm.id) continue;
      const id = azId(vm.id);
      const ident = vm.identity;
      const userAssigned = Object.keys(ident?.userAssignedIdentities ?? {})
        .map(azId)
        .sort();
      s.node({
        id,
        kind: "compute",
        type: "azure.compute.virtual_machine",
        name: vm.name ?? nameOf(vm.id),
        location: vm.location,
        tags: vm.tags,
        props: {
          vmId: vm.vmId,
          vmSize: vm.hardwareProfile?.vmSize,
          osType: vm.storageProfile?.osDisk?.osType,
          imageReference: vm.storageProfile?.imageReference
            ? [
                vm.storageProfile.imageReference.publisher,
                vm.storageProfile.imageReference.offer,
                vm.storageProfile.imageReference.sku,
              ]
                .filter(Boolean)
                .join(":")
            : undefined,
          provisioningState: vm.provisioningState,
          networkInterfaces: (vm.networkProfile?.networkInterfaces ?? [])
            .map((n) => (n.id ? azId(n.id) : ""))
            .filter(Boolean),
          identityType: ident?.type,
          principalId: ident?.principalId,
          userAssignedIdentities: userAssigned,
        },
      });
      s.contains(id);
      if (ident?.principalId) {
        const pid = principalNodeId(ident.principalId);
        s.node({
          id: pid,
          kind: "identity",
          type: "azure.managed_identity.system_assigned",
          name: `${vm.name ?? nameOf(vm.id)} (system-assigned)`,
          location: vm.location,
          props: { principalId: ident.principalId.toLowerCase(), tenantId: ident.tenantId, resource: id },
        });
        s.edge(id, "HAS_ROLE", pid, { assignment: "system" });
      }
      for (const u of userAssigned) s.edge(id, "HAS_ROLE", u, { assignment: "user" });
    }
    return { nodes: s.nodes, edges: s.edges, findings: [] };
  },
});
