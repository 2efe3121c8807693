// The AWS modules, in one ordered list. The runner runs them concurrently (bounded) and only
// `dependsOn` orders work; this order is the order of progress lines, the generated policy and
// docs/aws.md: the account first (every CONTAINS edge starts at it), then the global listings
// (IAM, S3), then per region the network before what lives in it.
import type { AwsModule } from "../module.js";
import { awsAccount } from "./account.js";
import {
  ec2Addresses,
  ec2InternetGateways,
  ec2NatGateways,
  ec2NetworkAcls,
  ec2RouteTables,
  ec2SecurityGroups,
  ec2Subnets,
  ec2VpcPeeringConnections,
  ec2Vpcs,
} from "./ec2-network.js";
import { ec2Instances } from "./ec2-instances.js";
import { elbv2 } from "./elbv2.js";
import { iam } from "./iam.js";
import { iamAccessKeys } from "./iam-access-keys.js";
import { inspector2Findings } from "./inspector2.js";
import { rdsDbInstances } from "./rds.js";
import { s3Buckets } from "./s3.js";

export const AWS_MODULES: readonly AwsModule[] = [
  awsAccount,
  iam,
  iamAccessKeys,
  s3Buckets,
  ec2Vpcs,
  ec2Subnets,
  // After subnets: subnets without an explicit association route through the VPC's main table.
  ec2RouteTables,
  ec2InternetGateways,
  ec2NatGateways,
  ec2VpcPeeringConnections,
  ec2NetworkAcls,
  ec2SecurityGroups,
  ec2Addresses,
  ec2Instances,
  elbv2,
  rdsDbInstances,
  // Opt-in (the scope's inspector2 flag): findings match the instances listed above.
  inspector2Findings,
];
