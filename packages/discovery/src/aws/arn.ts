// ARNs: node ids are the ARN AWS gives a resource, or the one it would give (DESIGN "The security
// graph"). EC2 resources other than instances are rarely shown by ARN, but AWS defines one for each.
// EC2 ARNs name the scanned account (a subnet shared into it from another account — shared VPCs —
// is recorded under the account that lists it); only peering connections name the other side's.
export interface ArnParts {
  partition: string;
  region: string;
  accountId: string;
}

export function ec2Arn(p: ArnParts, resource: string, id: string): string {
  return `arn:${p.partition}:ec2:${p.region}:${p.accountId}:${resource}/${id}`;
}

/** The account as a principal: `arn:aws:iam::123456789012:root`. */
export function accountArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

export function partitionOf(arn: string): string {
  return arn.split(":")[1] || "aws";
}

/** The ARN of an EC2 gateway-like route target, by its id prefix; undefined for `local`. */
export function routeTargetArn(p: ArnParts, targetId: string): string | undefined {
  const prefixes: Array<[string, string]> = [
    ["igw-", "internet-gateway"],
    ["eigw-", "egress-only-internet-gateway"],
    ["nat-", "natgateway"],
    ["pcx-", "vpc-peering-connection"],
    ["tgw-", "transit-gateway"],
    ["vgw-", "vpn-gateway"],
    ["vpce-", "vpc-endpoint"],
    ["eni-", "network-interface"],
    ["i-", "instance"],
  ];
  for (const [prefix, resource] of prefixes)
    if (targetId.startsWith(prefix)) return ec2Arn(p, resource, targetId);
  return undefined;
}
