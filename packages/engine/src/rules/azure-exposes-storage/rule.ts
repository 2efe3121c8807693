// internet EXPOSES storage account: anonymous blob access is allowed on the account
// (allowBlobPublicAccess; absent on accounts created before the setting existed, where it was
// allowed) and the account takes traffic from the internet (public network access not disabled,
// network rules' default action Allow). Whether a container is actually public is a
// container-level setting the connector does not list: that is the edge's assumption.
import { INTERNET_NODE_ID } from "@ctem/model";
import type { Assumption } from "@ctem/model";
import { AZ, AZ_COLLECTOR, StorageProps, readProps } from "../../azure/shapes.js";
import { defineRule } from "../meta.js";

export const azureExposesStorage = defineRule(
  {
    id: "azure-exposes-storage",
    title: "Azure storage account allows anonymous blob access from the internet",
    edge: "EXPOSES",
    severity: "high",
    risk: "Containers set to public access can be read by anyone who knows or guesses the account and container names.",
    remediation: {
      azure: {
        title: "Disallow anonymous blob access on the account (and restrict public network access)",
        cli: "az storage account update --name <account> --resource-group <resource-group> --allow-blob-public-access false",
        terraform:
          'resource "azurerm_storage_account" "<name>" {\n  allow_nested_items_to_be_public = false\n}',
      },
    },
    limitations: [
      "Container access levels are not listed: an account that allows public access may have no public container.",
      "Shared access signatures handed out earlier are not known.",
    ],
  },
  (ctx) => {
    for (const st of ctx.g.ofType(AZ.storage)) {
      const p = readProps(StorageProps, st.props).value;
      if (p.allowBlobPublicAccess === false) continue;
      if (p.publicNetworkAccess?.toLowerCase() === "disabled") continue;
      if (p.networkDefaultAction?.toLowerCase() === "deny") continue;
      const assumptions: Assumption[] = [
        ...ctx.stale(st),
        { code: "container_access_not_read", detail: { account: st.id } },
      ];
      if (p.allowBlobPublicAccess === undefined)
        assumptions.push({
          code: "setting_absent_defaults_to_allowed",
          detail: { setting: "allowBlobPublicAccess" },
        });
      ctx.sink.add(INTERNET_NODE_ID, "EXPOSES", st.id, {
        rule: "azure-exposes-storage",
        props: {
          ports: [{ protocol: "tcp", from: 443, to: 443, label: "tcp/443" }],
          access: "anonymous_blob",
        },
        evidence: [
          {
            source: AZ_COLLECTOR.storage,
            ref: st.id,
            detail: {
              allowBlobPublicAccess: p.allowBlobPublicAccess ?? "absent",
              publicNetworkAccess: p.publicNetworkAccess ?? "absent",
              networkDefaultAction: p.networkDefaultAction ?? "absent",
            },
          },
        ],
        assumptions,
      });
    }
  },
);
