// IAM access keys: every user's keys with status and last use. Separate from aws-iam because it
// needs per-user calls (ListAccessKeys, GetAccessKeyLastUsed): a denial here must not fail IAM.
import { GetAccessKeyLastUsedCommand, paginateListAccessKeys, paginateListUsers } from "@aws-sdk/client-iam";
import type { AccessKeyLastUsed, AccessKeyMetadata, User } from "@aws-sdk/client-iam";
import { allPages, call, mapLimit } from "../errors.js";
import { defineModule } from "../module.js";
import { iso, sink } from "../facts.js";

export interface UserKeys {
  user: Pick<User, "UserName" | "Arn">;
  keys: Array<{ key: AccessKeyMetadata; lastUsed?: AccessKeyLastUsed }>;
}

/** IAM defines no ARN for an access key: this is the one ctem gives it, under the account. */
export function accessKeyId(partition: string, accountId: string, keyId: string): string {
  return `arn:${partition}:iam::${accountId}:access-key/${keyId}`;
}

export const iamAccessKeys = defineModule<UserKeys[]>({
  id: "aws-iam-access-keys",
  description: "IAM users' access keys: status, creation and last use (HAS_KEY from the user).",
  scope: "global",
  produces: { nodes: ["aws.iam.access_key"], edges: ["HAS_KEY"] },
  dependsOn: [],
  permissions: ["iam:ListUsers", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"],
  async collect({ clients }) {
    const client = clients.iam();
    const users = await allPages("iam:ListUsers", paginateListUsers({ client }, {}), (p) => p.Users);
    return mapLimit(users, 4, async (user) => {
      const keys = await allPages(
        "iam:ListAccessKeys",
        paginateListAccessKeys({ client }, { UserName: user.UserName }),
        (p) => p.AccessKeyMetadata,
      );
      const withUse = await mapLimit(keys, 2, async (key) => {
        const r = await call("iam:GetAccessKeyLastUsed", () =>
          client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId })),
        );
        return { key, ...(r.AccessKeyLastUsed ? { lastUsed: r.AccessKeyLastUsed } : {}) };
      });
      return { user: { UserName: user.UserName, Arn: user.Arn }, keys: withUse };
    });
  },
  transform(users, ctx) {
    const s = sink(ctx);
    for (const u of users)
      for (const { key, lastUsed } of u.keys) {
        if (!key.AccessKeyId || !u.user.Arn) continue;
        const id = accessKeyId(ctx.partition, ctx.accountId, key.AccessKeyId);
        s.node({
          id,
          kind: "identity",
          type: "aws.iam.access_key",
          name: key.AccessKeyId,
          props: {
            userName: u.user.UserName,
            status: key.Status,
            active: key.Status === "Active",
            createDate: iso(key.CreateDate),
            lastUsedDate: iso(lastUsed?.LastUsedDate),
            lastUsedService: lastUsed?.ServiceName === "N/A" ? undefined : lastUsed?.ServiceName,
            lastUsedRegion: lastUsed?.Region === "N/A" ? undefined : lastUsed?.Region,
          },
        });
        s.edge(u.user.Arn, "HAS_KEY", id);
      }
    return { nodes: s.nodes, edges: s.edges };
  },
});
