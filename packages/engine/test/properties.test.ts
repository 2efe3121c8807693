// Property tests (CONVENTIONS 11) where inputs are open-ended: CIDR math against BigInt
// arithmetic, wildcard matching against a reference, the network ACL and the IAM evaluator's
// monotonicity (an explicit Deny never grants more, a boundary never grants more, an Allow never
// takes away).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contains, holdsPublic, intersect, overlaps, parseCidr } from "../src/net/cidr.js";
import { evaluateAcl } from "../src/net/filters.js";
import type { NaclEntry } from "../src/aws/shapes.js";
import { covers, intersects, matches } from "../src/iam/glob.js";
import { evaluate } from "../src/iam/evaluate.js";
import type { Policies, Request } from "../src/iam/evaluate.js";
import { parsePolicy } from "../src/iam/policy.js";
import type { Statement } from "../src/iam/policy.js";

const RUNS = { numRuns: 300 };

// --- CIDR ---
const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }));
const text4 = ([n, p]: [number, number]) =>
  `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${p}`;
const range = ([n, p]: [number, number]) => {
  const size = 2n ** BigInt(32 - p);
  const start = (BigInt(n) / size) * size;
  return [start, start + size - 1n] as const;
};

describe("CIDR math (ipaddr.js) agrees with integer ranges", () => {
  it("contains ⇔ range inclusion; overlaps ⇔ ranges meet; intersect is the smaller block", () => {
    fc.assert(
      fc.property(v4, v4, (a, b) => {
        const ca = parseCidr(text4(a))!;
        const cb = parseCidr(text4(b))!;
        const [a0, a1] = range(a);
        const [b0, b1] = range(b);
        expect(contains(ca, cb)).toBe(a0 <= b0 && b1 <= a1);
        expect(overlaps(ca, cb)).toBe(a0 <= b1 && b0 <= a1);
        expect(overlaps(ca, cb)).toBe(overlaps(cb, ca));
        const i = intersect(ca, cb);
        if (i) expect(contains(ca, i) && contains(cb, i)).toBe(true);
        else expect(overlaps(ca, cb)).toBe(false);
      }),
      RUNS,
    );
  });

  it("normalises host bits and never mixes families", () => {
    fc.assert(
      fc.property(v4, (a) => {
        const c = parseCidr(text4(a))!;
        expect(parseCidr(c.text)!.text).toBe(c.text);
        expect(contains(c, parseCidr("::/0")!)).toBe(false);
        expect(contains(parseCidr("::/0")!, c)).toBe(false);
      }),
      RUNS,
    );
  });

  it("a block inside private space holds no public address; one holding 8.8.8.8 does", () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 32 }), fc.integer({ min: 0, max: 0xffffff }), (p, n) => {
        expect(holdsPublic(parseCidr(`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}/${p}`)!)).toBe(
          false,
        );
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 32 }), (p) => {
        expect(holdsPublic(parseCidr(`8.8.8.8/${p}`)!)).toBe(true);
      }),
    );
    expect(parseCidr("pl-12345")).toBeUndefined();
  });
});

// --- network ACL ---
const entry = fc.record({
  ruleNumber: fc.integer({ min: 1, max: 32766 }),
  egress: fc.constant(false),
  protocol: fc.constantFrom("-1", "6", "17"),
  action: fc.constantFrom("allow", "deny"),
  cidr: fc.constantFrom("0.0.0.0/0", "10.0.0.0/8", "203.0.113.0/24", "198.51.100.7/32"),
  fromPort: fc.integer({ min: 0, max: 1024 }),
  toPort: fc.integer({ min: 1024, max: 65535 }),
}) as fc.Arbitrary<NaclEntry>;
const peer = fc
  .constantFrom("0.0.0.0/0", "203.0.113.0/24", "203.0.113.9/32", "10.1.2.3/32")
  .map((c) => parseCidr(c)!);

describe("network ACL evaluation", () => {
  it("a deny entry placed before all others never allows more", () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 6 }),
        entry,
        peer,
        fc.integer({ min: 0, max: 65535 }),
        (entries, d, p, port) => {
          const before = evaluateAcl(entries, "inbound", "tcp", { from: port, to: port }, p).allowed;
          const denyFirst = { ...d, action: "deny", ruleNumber: 0 };
          const after = evaluateAcl(
            [...entries, denyFirst],
            "inbound",
            "tcp",
            { from: port, to: port },
            p,
          ).allowed;
          if (after) expect(before).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("an allow-all entry first admits everything; no entries admit nothing", () => {
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 6 }),
        peer,
        fc.integer({ min: 0, max: 65535 }),
        (entries, p, port) => {
          const allowFirst: NaclEntry = {
            ruleNumber: 0,
            egress: false,
            protocol: "-1",
            action: "allow",
            cidr: "0.0.0.0/0",
          };
          expect(
            evaluateAcl([...entries, allowFirst], "inbound", "tcp", { from: port, to: port }, p).allowed,
          ).toBe(true);
          expect(evaluateAcl([], "inbound", "tcp", { from: port, to: port }, p).allowed).toBe(false);
        },
      ),
      RUNS,
    );
  });
});

// --- wildcards ---
const alpha = fc.constantFrom("a", "b", ":", "/");
const word = fc.array(alpha, { maxLength: 6 }).map((x) => x.join(""));
const pattern = fc
  .array(fc.constantFrom("a", "b", ":", "/", "*", "?"), { maxLength: 6 })
  .map((x) => x.join(""));
const reference = (p: string, v: string) =>
  new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\/]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "s",
  ).test(v);

describe("IAM wildcards", () => {
  it("matches agrees with a reference regex; intersects and covers agree with it on concrete values", () => {
    fc.assert(
      fc.property(pattern, word, (p, v) => {
        expect(matches(p, v)).toBe(reference(p, v));
        expect(intersects(p, v)).toBe(reference(p, v));
        expect(covers(p, v)).toBe(reference(p, v));
      }),
      RUNS,
    );
  });

  it("intersects is symmetric, and a witness string exists when it says so", () => {
    fc.assert(
      fc.property(pattern, pattern, (a, b) => {
        expect(intersects(a, b)).toBe(intersects(b, a));
        // Any string both match proves intersection.
        const witness = a.replace(/[*?]/g, "");
        if (reference(a, witness) && reference(b, witness)) expect(intersects(a, b)).toBe(true);
      }),
      RUNS,
    );
  });

  it("covers implies intersects; `*` covers everything", () => {
    fc.assert(
      fc.property(pattern, pattern, (a, b) => {
        if (covers(a, b)) expect(intersects(a, b)).toBe(true);
        expect(covers("*", b)).toBe(true);
      }),
      RUNS,
    );
  });
});

// --- the evaluator ---
const ACTIONS = ["s3:GetObject", "s3:PutObject", "iam:PassRole", "sts:AssumeRole", "ec2:RunInstances"];
const RESOURCES = [
  "arn:aws:s3:::b/*",
  "arn:aws:s3:::b",
  "arn:aws:s3:::c/*",
  "arn:aws:iam::111122223333:role/r",
  "*",
];
const actionPat = fc.constantFrom(
  "*",
  "s3:*",
  "s3:Get*",
  "s3:GetObject",
  "iam:*",
  "sts:AssumeRole",
  "ec2:Run*",
  "s3:Put?bject",
);
const resourcePat = fc.constantFrom(
  "*",
  "arn:aws:s3:::b/*",
  "arn:aws:s3:::b*",
  "arn:aws:s3:::c/*",
  "arn:aws:iam::111122223333:role/*",
);
const stmt = fc.record({
  Effect: fc.constantFrom("Allow", "Deny"),
  not: fc.boolean(),
  notRes: fc.boolean(),
  actions: fc.array(actionPat, { minLength: 1, maxLength: 2 }),
  resources: fc.array(resourcePat, { minLength: 1, maxLength: 2 }),
  cond: fc.boolean(),
});
type Gen = {
  Effect: string;
  not: boolean;
  notRes: boolean;
  actions: string[];
  resources: string[];
  cond: boolean;
};
const toDoc = (ss: Gen[], principal?: unknown) => ({
  Statement: ss.map((s) => ({
    Effect: s.Effect,
    [s.not ? "NotAction" : "Action"]: s.actions,
    [s.notRes ? "NotResource" : "Resource"]: s.resources,
    ...(principal ? { Principal: principal } : {}),
    ...(s.cond ? { Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } } : {}),
  })),
});
const request = fc.record({ action: fc.constantFrom(...ACTIONS), resource: fc.constantFrom(...RESOURCES) });
const caller = { arn: "arn:aws:iam::111122223333:user/u", accountId: "111122223333" };
const grants = (req: Request, pol: Policies) => evaluate({ ...req, caller }, pol).allowed;
const parse = (ss: Gen[], id: string, principal?: unknown): Statement[] =>
  parsePolicy(toDoc(ss, principal), id);

describe("IAM evaluator", () => {
  it("adding an explicit Deny never grants more", () => {
    fc.assert(
      fc.property(
        fc.array(stmt, { maxLength: 4 }),
        fc.array(stmt, { maxLength: 2 }),
        stmt,
        request,
        (id, res, d, req) => {
          const base: Policies = { identity: parse(id, "p"), resource: parse(res, "r", "*") };
          const withDeny: Policies = {
            ...base,
            identity: [...base.identity, ...parse([{ ...d, Effect: "Deny" }], "d")],
          };
          if (grants(req, withDeny)) expect(grants(req, base)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("an unconditional Deny of the action on `*` always wins", () => {
    fc.assert(
      fc.property(fc.array(stmt, { maxLength: 4 }), request, (id, req) => {
        const denyAll = parse(
          [
            {
              Effect: "Deny",
              not: false,
              notRes: false,
              actions: [req.action],
              resources: ["*"],
              cond: false,
            },
          ],
          "d",
        );
        const d = evaluate({ ...req, caller }, { identity: [...parse(id, "p"), ...denyAll] });
        expect(d.allowed).toBe(false);
        expect(d.denied).toBe(true);
      }),
      RUNS,
    );
  });

  it("a permission boundary never grants more", () => {
    fc.assert(
      fc.property(
        fc.array(stmt, { maxLength: 4 }),
        fc.array(stmt, { maxLength: 3 }),
        request,
        (id, bd, req) => {
          const identity = parse(id, "p");
          if (grants(req, { identity, boundary: parse(bd, "b") }))
            expect(grants(req, { identity })).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("adding an Allow never takes a grant away", () => {
    fc.assert(
      fc.property(fc.array(stmt, { maxLength: 4 }), stmt, request, (id, a, req) => {
        const identity = parse(id, "p");
        const more = [...identity, ...parse([{ ...a, Effect: "Allow" }], "a")];
        if (grants(req, { identity })) expect(grants(req, { identity: more })).toBe(true);
      }),
      RUNS,
    );
  });

  it("a grant resting on a condition says so", () => {
    fc.assert(
      fc.property(fc.array(stmt, { maxLength: 4 }), request, (id, req) => {
        const onlyConditional = id.map((s) => ({ ...s, cond: true }));
        const d = evaluate({ ...req, caller }, { identity: parse(onlyConditional, "p") });
        if (d.allowed) expect(d.assumptions.some((a) => a.code === "condition_not_evaluated")).toBe(true);
      }),
      RUNS,
    );
  });

  it("Allow * on * grants every action; NotAction iam:* does not grant iam actions", () => {
    const all = parsePolicy({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }, "p");
    const notIam = parsePolicy({ Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }] }, "q");
    fc.assert(
      fc.property(request, (req) => {
        expect(grants(req, { identity: all })).toBe(true);
        expect(grants(req, { identity: notIam })).toBe(!req.action.startsWith("iam:"));
      }),
    );
  });

  it("conditions the caller controls (TLS, region, headers) need no assumption: an Allow holds, a Deny is stepped around", () => {
    const tls = { Bool: { "aws:SecureTransport": "false" } };
    const pol = parsePolicy(
      {
        Statement: [
          {
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: "*",
            Condition: { StringLike: { "aws:Referer": "https://example.com/*" } },
          },
          { Effect: "Deny", Action: "s3:*", Resource: "*", Condition: tls },
        ],
      },
      "p",
    );
    const d = evaluate({ action: "s3:GetObject", resource: "arn:aws:s3:::b/*", caller }, { identity: pol });
    expect(d).toMatchObject({ allowed: true, assumptions: [] });
    const mfa = parsePolicy(
      {
        Statement: [
          {
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: "*",
            Condition: { Bool: { "aws:MultiFactorAuthPresent": "true", "aws:SecureTransport": "true" } },
          },
        ],
      },
      "q",
    );
    expect(
      evaluate({ action: "s3:GetObject", resource: "x", caller }, { identity: mfa }).assumptions[0]?.code,
    ).toBe("condition_not_evaluated");
  });
});
