// The account itself, as STS reports the caller: the node every resource's CONTAINS starts from.
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { GetCallerIdentityCommandOutput } from "@aws-sdk/client-sts";
import { accountArn } from "../arn.js";
import { call } from "../errors.js";
import { defineModule } from "../module.js";
import { sink } from "../facts.js";

export type CallerIdentity = Pick<GetCallerIdentityCommandOutput, "Account" | "Arn" | "UserId">;

export const awsAccount = defineModule<CallerIdentity>({
  id: "aws-account",
  description: "The scanned account (sts:GetCallerIdentity; needs no IAM permission).",
  scope: "global",
  produces: { nodes: ["aws.account"], edges: [] },
  dependsOn: [],
  permissions: ["sts:GetCallerIdentity"],
  collect: async ({ clients }) => {
    const r = await call("sts:GetCallerIdentity", () => clients.sts().send(new GetCallerIdentityCommand({})));
    return { Account: r.Account, Arn: r.Arn, UserId: r.UserId };
  },
  transform(_id, ctx) {
    const s = sink(ctx);
    s.node({
      id: accountArn(ctx.partition, ctx.accountId),
      kind: "account",
      type: "aws.account",
      name: ctx.accountId,
      props: { accountId: ctx.accountId, partition: ctx.partition },
    });
    return { nodes: s.nodes, edges: s.edges };
  },
});
