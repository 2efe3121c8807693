// The test every catalogue technique gets, built from its pathfinding.cloud entry: an attacker
// holding exactly `permissions.required` (on "*") escalates to the expected target; dropping any
// one required permission, or adding an explicit Deny on one, removes the technique's edge.
import { describe, expect, it } from "vitest";
import { derive } from "../src/derive.js";
import type { DerivedEdge } from "../src/edges.js";
import { catalogueEntry } from "../src/escalation/catalogue.js";
import type { TechniqueSpec } from "../src/escalation/technique.js";
import { loadActionCatalog } from "../src/iam/catalog.js";
import type { Rule } from "../src/rules/meta.js";
import { runsAsInstanceProfile } from "../src/rules/runs-as-instance-profile/rule.js";
import { Builder, allow, arn, deny, doc } from "./build.js";

/** Who each technique should reach in the estate below. */
const EXPECTED: Record<string, string> = {
  "iam-001": "self",
  "iam-005": "self",
  "iam-007": "self",
  "iam-008": "self",
  "iam-009": "self",
  "iam-010": "self",
  "iam-011": "self",
  "iam-013": arn.group("admins"),
  "iam-002": arn.user("victim"),
  "iam-003": arn.user("victim"),
  "iam-004": arn.user("victim"),
  "iam-006": arn.user("victim-login"),
  "iam-012": arn.role("victim"),
  "iam-014": arn.role("victim"),
  "iam-015": arn.user("victim"),
  "iam-016": arn.role("victim"),
  "iam-017": arn.role("victim"),
  "iam-018": arn.user("victim"),
  "iam-019": arn.role("victim"),
  "iam-020": arn.role("victim"),
  "iam-021": arn.role("victim"),
  "ec2-001": arn.role("victim"),
  "ec2-002": arn.role("victim"),
  "ec2-003": arn.role("victim"),
  "ec2-004": arn.role("victim"),
};

function estate(spec: TechniqueSpec, statements: Array<Record<string, unknown>>) {
  const b = new Builder();
  const asUser = spec.attackers.includes("aws.iam.user");
  const attacker = asUser ? arn.user("attacker") : arn.role("attacker");
  if (asUser) b.user("attacker", { accessKeys: [] }).group("devs", ["attacker"]);
  else b.role("attacker", doc({ Effect: "Allow", Principal: { AWS: arn.root() }, Action: "sts:AssumeRole" }));
  b.managed("attacker-perms", doc(...statements)).attach(attacker, arn.policy("attacker-perms"));
  b.group("admins");
  b.user("victim", { accessKeys: [], hasLoginProfile: false });
  b.user("victim-login", { accessKeys: [], hasLoginProfile: true });
  b.role(
    "victim",
    doc(
      { Effect: "Allow", Principal: { AWS: arn.root() }, Action: "sts:AssumeRole" },
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ),
    "victim-profile",
  );
  b.managed("victim-perms", doc(allow("s3:GetObject", "arn:aws:s3:::data/*"))).attach(
    arn.role("victim"),
    arn.policy("victim-perms"),
  );
  b.vpc("vpc-1").subnet("subnet-1", "vpc-1", "10.0.1.0/24").sg("sg-1", "vpc-1", []);
  b.instance("i-victim", {
    vpc: "vpc-1",
    subnet: "subnet-1",
    groups: ["sg-1"],
    privateIp: "10.0.1.5",
    profile: "victim-profile",
    tokens: "required",
  });
  b.node(arn.launchTemplate("lt-victim"), "compute", "aws.ec2.launch_template", "aws-ec2-launch-templates", {
    launchTemplateId: "lt-victim",
  });
  b.edge(
    arn.launchTemplate("lt-victim"),
    "HAS_ROLE",
    arn.profile("victim-profile"),
    "aws-ec2-launch-templates",
  );
  return { estate: b.estate(), attacker };
}

export function describeTechnique(rule: Rule & { spec: TechniqueSpec; required: string[] }): void {
  const spec = rule.spec;
  const entry = catalogueEntry(spec.catalogueId);
  const rules = [runsAsInstanceProfile, rule];
  const run = async (statements: Array<Record<string, unknown>>) => {
    const { estate: g, attacker } = estate(spec, statements);
    const r = await derive(g, { rules, catalog: await loadActionCatalog() });
    const target = EXPECTED[spec.catalogueId] === "self" ? attacker : EXPECTED[spec.catalogueId]!;
    const edge = r.edges.find(
      (e: DerivedEdge) => e.kind === "CAN_ESCALATE" && e.from === attacker && e.to === target,
    );
    const all = r.edges.filter((e) => e.kind === "CAN_ESCALATE");
    return { edge, all, attacker, target };
  };

  describe(`${spec.id} (${spec.catalogueId}: ${entry.name})`, () => {
    it("takes its name, category and required permissions from the catalogue entry", () => {
      expect(rule.meta.catalogue).toEqual([spec.catalogueId]);
      expect(rule.meta.title).toBe(`${entry.name} (${entry.category})`);
      expect(rule.required).toEqual(entry.permissions.required.map((p) => p.permission));
      expect(rule.meta.remediation.aws?.cli).toMatch(/^aws /);
      expect(EXPECTED[spec.catalogueId]).toBeDefined();
    });

    it("escalates with exactly the required permissions", async () => {
      const { edge, all } = await run(rule.required.map((p) => allow(p)));
      expect(
        edge,
        `no CAN_ESCALATE to the expected target; got ${JSON.stringify(all.map((e) => e.to))}`,
      ).toBeDefined();
      expect(edge!.props.techniques).toEqual([spec.id]);
      expect(edge!.evidence[0]).toMatchObject({ source: "pathfinding.cloud", ref: spec.catalogueId });
      // Each checked permission is proven by the statement that grants it.
      const granted = edge!.evidence.filter((e) => e.source === "iam-policy").map((e) => e.detail?.grants);
      for (const p of rule.required) if (p !== "sts:AssumeRole") expect(granted).toContain(p);
    });

    for (const missing of rule.required)
      it(`does not escalate without ${missing}`, async () => {
        const { edge } = await run(rule.required.filter((p) => p !== missing).map((p) => allow(p)));
        expect(edge?.props.techniques ?? []).not.toContain(spec.id);
      });

    it(`does not escalate when ${rule.required[0]} is explicitly denied`, async () => {
      const { edge } = await run([...rule.required.map((p) => allow(p)), deny(rule.required[0]!)]);
      expect(edge?.props.techniques ?? []).not.toContain(spec.id);
    });
  });
}
