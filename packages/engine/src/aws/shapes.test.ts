// readProps hands instance props over as they are when instancePropsAsIs says they already have
// InstanceProps' shape: then the schema must accept them and give the same fields back.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BucketProps,
  InstanceProps,
  SecurityGroupProps,
  bucketPropsFast,
  instancePropsAsIs,
  readProps,
  securityGroupPropsAsIs,
} from "./shapes.js";

const any = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 3 }),
  fc.integer(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 1.5),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }),
  fc.array(fc.oneof(fc.string({ maxLength: 2 }), fc.integer()), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 2 }), fc.string({ maxLength: 2 }), { maxKeys: 2 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), arb, any);
const str = maybe(fc.string({ maxLength: 4 }));
const strs = maybe(fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }));
const nic = fc.record(
  { subnetId: str, privateIps: strs, publicIp: str, ipv6Addresses: strs, groups: strs, extra: any },
  { requiredKeys: [] },
);
const instance = fc.record(
  {
    instanceId: str,
    state: str,
    vpcId: str,
    subnetId: str,
    privateIp: str,
    publicIp: str,
    publicIps: strs,
    ipv6Addresses: strs,
    instanceProfileArn: str,
    networkInterfaces: maybe(fc.array(fc.oneof(nic, any), { maxLength: 2 })),
    metadata: maybe(
      fc.record(
        {
          httpEndpoint: str,
          httpTokens: str,
          hopLimit: maybe(fc.integer({ min: 0, max: 64 })),
          v1Allowed: maybe(fc.boolean()),
        },
        { requiredKeys: [] },
      ),
    ),
    instanceType: any,
  },
  { requiredKeys: [] },
);

describe("instance props taken as they are", () => {
  it("only when the schema accepts them and gives the same fields back", () => {
    let asIs = 0;
    fc.assert(
      fc.property(instance, (p: Record<string, unknown>) => {
        if (!instancePropsAsIs(p)) return;
        asIs++;
        const r = InstanceProps.safeParse(p);
        expect(r.success).toBe(true);
        expect(r.data).toEqual(p);
      }),
      { numRuns: 3000 },
    );
    expect(asIs).toBeGreaterThan(50);
  });

  it("readProps gives conforming props as they are and parses the rest", () => {
    const good = {
      instanceId: "i-1",
      state: "running",
      privateIp: "10.0.0.1",
      publicIps: [],
      networkInterfaces: [{ subnetId: "subnet-1", privateIps: ["10.0.0.1"], groups: ["sg-1"] }],
      metadata: { httpEndpoint: "enabled", httpTokens: "required", hopLimit: 1, v1Allowed: false },
    };
    expect(readProps(InstanceProps, good).value).toBe(good);
    const coerced = { instanceId: "i-2", metadata: { hopLimit: "2" } };
    expect(readProps(InstanceProps, coerced).value.metadata?.hopLimit).toBe(2);
    const badList = { instanceId: "i-3", publicIps: ["1.2.3.4", 5] };
    expect(readProps(InstanceProps, badList).value.publicIps).toEqual([]);
    const broken = { instanceId: 7 };
    expect(readProps(InstanceProps, broken)).toEqual({ value: {}, ok: false });
  });
});

const num = maybe(fc.oneof(fc.integer({ min: -1, max: 65535 }), fc.constantFrom(Number.NaN, 1.5)));
const rule = fc.record(
  {
    protocol: maybe(fc.constantFrom("tcp", "udp", "-1", "6")),
    fromPort: num,
    toPort: num,
    cidrs: strs,
    ipv6Cidrs: strs,
    prefixLists: strs,
    groups: maybe(
      fc.array(
        fc.oneof(fc.record({ groupId: str, userId: str, vpcId: str, extra: any }, { requiredKeys: [] }), any),
        { maxLength: 2 },
      ),
    ),
    descriptions: any,
  },
  { requiredKeys: [] },
);
const group = fc.record(
  {
    groupId: str,
    vpcId: str,
    ingress: maybe(fc.array(fc.oneof(rule, any), { maxLength: 3 })),
    egress: maybe(fc.array(fc.oneof(rule, any), { maxLength: 3 })),
    ownerId: any,
  },
  { requiredKeys: [] },
);

describe("security group props taken as they are", () => {
  it("only when the schema accepts them and gives the same fields back", () => {
    let asIs = 0;
    fc.assert(
      fc.property(group, (p: Record<string, unknown>) => {
        if (!securityGroupPropsAsIs(p)) return;
        asIs++;
        const r = SecurityGroupProps.safeParse(p);
        expect(r.success).toBe(true);
        expect(r.data).toEqual(p);
      }),
      { numRuns: 5000 },
    );
    expect(asIs).toBeGreaterThan(50);
  });

  it("readProps gives conforming props as they are and parses the rest", () => {
    const rule = {
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrs: ["0.0.0.0/0"],
      ipv6Cidrs: [],
      prefixLists: [],
      groups: [],
    };
    const good = { groupId: "sg-1", vpcId: "vpc-1", ingress: [rule], egress: [] };
    expect(readProps(SecurityGroupProps, good).value).toBe(good);
    // Defaults the schema fills in: not taken as they are.
    const bare = { groupId: "sg-2", ingress: [{ fromPort: 22, toPort: 22, cidrs: ["0.0.0.0/0"] }] };
    const parsed = readProps(SecurityGroupProps, bare).value;
    expect(parsed).not.toBe(bare);
    expect(parsed.ingress?.[0]).toMatchObject({ protocol: "-1", ipv6Cidrs: [], prefixLists: [], groups: [] });
    const numeric = { groupId: "sg-3", ingress: [{ ...rule, protocol: 6, fromPort: "22" }] };
    expect(readProps(SecurityGroupProps, numeric).value.ingress?.[0]).toMatchObject({
      protocol: "6",
      fromPort: 22,
    });
  });
});

const bool = maybe(fc.boolean());
const pab = fc.oneof(
  fc.record(
    {
      BlockPublicAcls: bool,
      IgnorePublicAcls: bool,
      BlockPublicPolicy: bool,
      RestrictPublicBuckets: bool,
      Other: any,
    },
    { requiredKeys: [] },
  ),
  fc.record(
    { blockPublicAcls: bool, BlockPublicAcls: bool, restrictPublicBuckets: bool },
    { requiredKeys: [] },
  ),
  fc.array(fc.boolean(), { maxLength: 2 }),
  any,
);
const grant = fc.record(
  { type: str, uri: str, granteeUri: str, permission: str, extra: any },
  { requiredKeys: [] },
);
const bucket = fc.record(
  {
    policy: any,
    policyUnparsed: str,
    acl: maybe(
      fc.record(
        { grants: maybe(fc.array(fc.oneof(grant, any), { maxLength: 2 })), owner: any },
        { requiredKeys: [] },
      ),
    ),
    publicAccessBlock: maybe(pab),
    accountPublicAccessBlock: maybe(pab),
    effectivePublicAccessBlock: maybe(pab),
    unreadable: maybe(fc.dictionary(fc.string({ maxLength: 3 }), any, { maxKeys: 2 })),
    region: any,
  },
  { requiredKeys: [] },
);

describe("bucket props without zod", () => {
  it("only when the schema accepts them, and then equal to what it gives", () => {
    let fast = 0;
    fc.assert(
      fc.property(bucket, (p: Record<string, unknown>) => {
        const f = bucketPropsFast(p);
        if (!f) return;
        fast++;
        const r = BucketProps.safeParse(p);
        expect(r.success).toBe(true);
        expect(f).toEqual(r.data);
      }),
      { numRuns: 5000 },
    );
    expect(fast).toBeGreaterThan(50);
  });

  it("readProps reads the connector's PascalCase blocks and refuses what the schema refuses", () => {
    const block = {
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    };
    const good = { policy: { Statement: [] }, publicAccessBlock: block, acl: { grants: [] } };
    const v = readProps(BucketProps, good).value;
    expect(v.publicAccessBlock).toEqual({
      blockPublicAcls: true,
      ignorePublicAcls: false,
      blockPublicPolicy: true,
      restrictPublicBuckets: false,
    });
    expect(v.policy).toBe(good.policy);
    expect(readProps(BucketProps, { publicAccessBlock: { BlockPublicAcls: "yes" } }).ok).toBe(false);
    expect(readProps(BucketProps, { acl: { grants: "none" } }).value.acl).toEqual({ grants: [] });
    const proto = {
      publicAccessBlock: JSON.parse(
        '{"__proto__": {"BlockPublicAcls": 1}, "BlockPublicAcls": true}',
      ) as unknown,
    };
    expect(bucketPropsFast(proto)).toBeUndefined();
    expect(readProps(BucketProps, proto).value).toEqual(BucketProps.parse(proto));
  });
});
