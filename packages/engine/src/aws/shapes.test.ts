// readProps hands instance props over as they are when instancePropsAsIs says they already have
// InstanceProps' shape: then the schema must accept them and give the same fields back.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InstanceProps, instancePropsAsIs, readProps } from "./shapes.js";

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
