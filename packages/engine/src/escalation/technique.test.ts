// A technique evaluates a check once per set of the attacker's statements that meet its resource
// and shares that decision between targets: targets one statement grants get the same edge, a
// target another statement denies or conditions gets its own decision.
import { describe, expect, it } from "vitest";
import { Builder, allow, arn, deny, doc } from "../../test/build.js";
import { derive } from "../derive.js";
import { loadActionCatalog } from "../iam/catalog.js";
import { iamCreateAccessKey } from "../rules/iam-create-access-key/rule.js";

describe("technique decisions shared between targets", () => {
  it("tells apart targets that a Deny, a condition or a narrower Allow treats differently", async () => {
    const b = new Builder();
    b.user("attacker", { accessKeys: [] });
    for (const n of ["a", "b", "denied", "cond", "admin-x"]) b.user(n, { accessKeys: [] });
    b.managed(
      "perms",
      doc(
        allow("iam:CreateAccessKey", arn.user("*")),
        deny("iam:CreateAccessKey", arn.user("denied")),
        allow("iam:CreateAccessKey", arn.user("admin-*")),
        deny("iam:CreateAccessKey", arn.user("cond"), {
          Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
        }),
      ),
    ).attach(arn.user("attacker"), arn.policy("perms"));
    const r = await derive(b.estate(), { rules: [iamCreateAccessKey], catalog: await loadActionCatalog() });
    const edges = new Map(
      r.edges
        .filter((e) => e.kind === "CAN_ESCALATE" && e.from === arn.user("attacker"))
        .map((e) => [e.to, e]),
    );
    expect([...edges.keys()].sort()).toEqual(
      [arn.user("a"), arn.user("admin-x"), arn.user("b"), arn.user("cond")].sort(),
    );
    const onOf = (to: string) =>
      edges
        .get(to)!
        .evidence.filter((e) => e.source === "iam-policy")
        .map((e) => e.detail?.on);
    // Each edge names its own target, though a and b share one decision.
    expect(onOf(arn.user("a"))).toEqual([arn.user("a")]);
    expect(onOf(arn.user("b"))).toEqual([arn.user("b")]);
    expect(edges.get(arn.user("a"))!.assumptions.map((a) => a.code)).not.toContain(
      "deny_condition_not_evaluated",
    );
    expect(edges.get(arn.user("cond"))!.assumptions.map((a) => a.code)).toContain(
      "deny_condition_not_evaluated",
    );
  });
});
