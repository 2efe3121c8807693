// RDS DB instances: engine, public accessibility, encryption, endpoint, security groups, subnet group.
import { paginateDescribeDBInstances } from "@aws-sdk/client-rds";
import type { DBInstance } from "@aws-sdk/client-rds";
import { ec2Arn } from "../arn.js";
import { allPages } from "../errors.js";
import { defineModule } from "../module.js";
import { sink, tagsOf } from "../facts.js";

export const rdsDbInstances = defineModule<DBInstance[]>({
  id: "aws-rds-db-instances",
  description:
    "RDS DB instances: engine, publicly accessible, encryption, endpoint, security groups, subnets, tags.",
  scope: "regional",
  produces: {
    nodes: ["aws.rds.db_instance"],
    edges: ["CONTAINS", "IN_NETWORK", "IN_SUBNET", "PROTECTED_BY"],
  },
  dependsOn: [],
  permissions: ["rds:DescribeDBInstances"],
  collect: ({ clients, region }) =>
    allPages(
      "rds:DescribeDBInstances",
      paginateDescribeDBInstances({ client: clients.rds(region) }, {}),
      (p) => p.DBInstances,
    ),
  transform(dbs, ctx) {
    const s = sink(ctx);
    const p = { partition: ctx.partition, region: ctx.region, accountId: ctx.accountId };
    for (const db of dbs) {
      const id =
        db.DBInstanceArn ??
        (db.DBInstanceIdentifier
          ? `arn:${ctx.partition}:rds:${ctx.region}:${ctx.accountId}:db:${db.DBInstanceIdentifier}`
          : undefined);
      if (!id) continue;
      const subnetGroup = db.DBSubnetGroup;
      s.node({
        id,
        kind: "data_store",
        type: "aws.rds.db_instance",
        name: db.DBInstanceIdentifier ?? id,
        tags: tagsOf(db.TagList),
        props: {
          engine: db.Engine,
          engineVersion: db.EngineVersion,
          instanceClass: db.DBInstanceClass,
          status: db.DBInstanceStatus,
          publiclyAccessible: db.PubliclyAccessible,
          storageEncrypted: db.StorageEncrypted,
          kmsKeyId: db.KmsKeyId,
          iamAuthentication: db.IAMDatabaseAuthenticationEnabled,
          endpoint: db.Endpoint?.Address,
          port: db.Endpoint?.Port ?? db.DbInstancePort,
          vpcId: subnetGroup?.VpcId,
          dbSubnetGroup: subnetGroup?.DBSubnetGroupName,
          clusterId: db.DBClusterIdentifier,
        },
      });
      s.contains(id);
      if (subnetGroup?.VpcId) s.edge(id, "IN_NETWORK", ec2Arn(p, "vpc", subnetGroup.VpcId));
      for (const sn of subnetGroup?.Subnets ?? [])
        if (sn.SubnetIdentifier) s.edge(id, "IN_SUBNET", ec2Arn(p, "subnet", sn.SubnetIdentifier));
      for (const g of db.VpcSecurityGroups ?? [])
        if (g.VpcSecurityGroupId)
          s.edge(id, "PROTECTED_BY", ec2Arn(p, "security-group", g.VpcSecurityGroupId));
    }
    return { nodes: s.nodes, edges: s.edges };
  },
});
