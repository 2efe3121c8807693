// VM RUNS_AS managed identity: code on the VM gets tokens for its system-assigned identity and for
// every user-assigned identity attached to it from the instance metadata service
// (169.254.169.254, no secret needed), so whoever runs code there acts as them.
import type { Assumption } from "@ctem/model";
import { AZ, AZ_COLLECTOR } from "../../azure/shapes.js";
import { defineRule } from "../meta.js";

export const azureRunsAsManagedIdentity = defineRule(
  {
    id: "azure-runs-as-managed-identity",
    title: "Azure VM acts as its managed identities",
    edge: "RUNS_AS",
    severity: "medium",
    risk: "Anyone who runs code on the VM, or abuses a server-side request forgery there, obtains tokens for its managed identities.",
    remediation: {
      azure: {
        title: "Detach identities the workload does not need and give the rest only the roles it uses",
        cli: "az vm identity remove --resource-group <resource-group> --name <vm> --identities <identity-id>",
        terraform:
          'resource "azurerm_linux_virtual_machine" "<name>" {\n  identity {\n    # list only the identities the workload needs\n  }\n}',
      },
    },
    limitations: [
      "The metadata service cannot be switched off on Azure VMs; whether the workload can be made to fetch a token (SSRF) is not known.",
    ],
  },
  (ctx) => {
    for (const vm of ctx.g.ofType(AZ.vm))
      for (const e of ctx.g.out(vm.id, "HAS_ROLE")) {
        const ident = ctx.g.node(e.to);
        const assumptions: Assumption[] = [...ctx.stale(vm)];
        if (!ident || ident.stub) assumptions.push({ code: "identity_not_read", detail: { identity: e.to } });
        else assumptions.push(...ctx.stale(ident));
        ctx.sink.add(vm.id, "RUNS_AS", e.to, {
          rule: "azure-runs-as-managed-identity",
          props: {
            assignment: typeof e.props.assignment === "string" ? e.props.assignment : "unknown",
            imds: true,
          },
          evidence: [
            {
              source: AZ_COLLECTOR.vms,
              ref: `${vm.id}#identity`,
              detail: { identity: e.to, assignment: e.props.assignment ?? "unknown" },
            },
          ],
          assumptions,
        });
      }
  },
);
