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
  ec2Vpcs,
} from "./ec2-network.js";
import { ec2Instances } from "./ec2-instances.js";
import { iam } from "./iam.js";

export const AWS_MODULES: readonly AwsModule[] = [
  awsAccount,
  iam,
  ec2Vpcs,
  ec2Subnets,
  // After subnets: subnets without an explicit association route through the VPC's main table.
  ec2RouteTables,
  ec2InternetGateways,
  ec2NatGateways,
  ec2NetworkAcls,
  ec2SecurityGroups,
  ec2Addresses,
  ec2Instances,
];
