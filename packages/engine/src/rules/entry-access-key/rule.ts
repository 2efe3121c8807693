// Entries (DESIGN "Prioritization" step 2): the internet, and IAM users with an active access
// key — a key can leak from a laptop, a repository or a CI log. Users whose keys were not read
// are not entries; keys marked Inactive are not.
import { INTERNET_NODE_ID } from "@ctem/model";
import { AccessKeyProps, COLLECTOR_OF, PrincipalProps, T, readProps } from "../../aws/shapes.js";
import { defineRule } from "../meta.js";

export const entryAccessKey = defineRule(
  {
    id: "entry-access-key",
    title: "IAM user with an active access key is an entry",
    severity: "medium",
    risk: "Long-lived access keys leak; whoever holds one acts as the user from anywhere.",
    remediation: {
      aws: {
        title: "Deactivate and delete unused access keys; move workloads to roles",
        cli: "aws iam update-access-key --user-name <user> --access-key-id <key-id> --status Inactive",
        terraform: "# remove the aws_iam_access_key resource for <user>",
      },
    },
    limitations: [
      "Key last-use is reported in evidence but does not lower the likelihood here (part 2 scores it).",
    ],
  },
  (ctx) => {
    ctx.entries.set(INTERNET_NODE_ID, {
      id: INTERNET_NODE_ID,
      reason: "internet",
      evidence: [{ source: "engine", ref: INTERNET_NODE_ID }],
      assumptions: [],
    });
    for (const user of ctx.g.ofType(T.user)) {
      const keys: Array<{ id: string; ref: string; lastUsedDate?: string }> = [];
      for (const k of ctx.g.outNodes(user.id, "HAS_KEY")) {
        const p = readProps(AccessKeyProps, k.props).value;
        if (p.status === "Active")
          keys.push({
            id: p.accessKeyId ?? k.id,
            ref: k.id,
            ...(p.lastUsedDate ? { lastUsedDate: p.lastUsedDate } : {}),
          });
      }
      for (const p of readProps(PrincipalProps, user.props).value.accessKeys ?? [])
        if (p.status === "Active" && !keys.some((k) => k.id === p.accessKeyId))
          keys.push({
            id: p.accessKeyId ?? "unknown",
            ref: `${user.id}#accessKeys`,
            ...(p.lastUsedDate ? { lastUsedDate: p.lastUsedDate } : {}),
          });
      if (!keys.length) continue;
      ctx.entries.set(user.id, {
        id: user.id,
        reason: "access_key",
        evidence: keys.map((k) => ({
          source: COLLECTOR_OF.accessKeys,
          ref: k.ref,
          detail: {
            accessKeyId: k.id,
            status: "Active",
            ...(k.lastUsedDate ? { lastUsedDate: k.lastUsedDate } : {}),
          },
        })),
        assumptions: ctx.stale(user),
      });
    }
  },
);
