// Fix plan and what-if on a small estate: two web servers behind one security group with one
// role reading customer data (a choke point), and a key that can make itself admin. Applying an
// option to the facts and analysing again closes exactly the issues what-if predicted.
import { describe, expect, it } from "vitest";
import type { NodeFact } from "@ctem/model";
import { analyzeEstate } from "../src/analyze.js";
import type { Analysis } from "../src/analyze.js";
import type { FixOption } from "../src/fixplan/options.js";
import { whatIf } from "../src/fixplan/whatif.js";
import type { Builder } from "./build.js";
import { V53, arn, finding, settings, vectorLookup, webEstate, withKeyUser } from "./analysis-fixtures.js";

const estate = () => withKeyUser(webEstate({ twin: true }));
const findings = [finding(arn.instance("i-web1"), "CVE-2099-0005", { vector: V53, fixed: "1.0.1" })];
const run = (b: Builder) =>
  analyzeEstate({ estate: b.estate(), findings, settings: settings(), lookup: vectorLookup() });

/** Makes the change an option describes, in the facts a scan would return afterwards. */
function apply(b: Builder, o: FixOption): void {
  const ch = o.change;
  const node = (id: string): NodeFact => {
    const n = b.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  };
  const statements = (docHolder: Record<string, unknown>, field: string) => {
    const d = docHolder[field] as { Statement: unknown };
    return (d.Statement = Array.isArray(d.Statement) ? [...(d.Statement as unknown[])] : [d.Statement]);
  };
  switch (ch.type) {
    case "revoke-ingress": {
      const sg = node(ch.group);
      const i = Number(/#ingress\[(\d+)\]/.exec(ch.ref)![1]);
      const rules = [...(sg.props!.ingress as Array<Record<string, unknown>>)];
      const r = { ...rules[i]! };
      if (ch.cidr) {
        r.cidrs = (r.cidrs as string[]).filter((c) => c !== ch.cidr);
        r.ipv6Cidrs = (r.ipv6Cidrs as string[]).filter((c) => c !== ch.cidr);
      } else r.groups = (r.groups as Array<{ groupId: string }>).filter((g) => g.groupId !== ch.sourceGroup);
      rules[i] = r;
      sg.props = { ...sg.props, ingress: rules };
      return;
    }
    case "remove-statement": {
      const i = Number(/#Statement\[(\d+)\]$/.exec(ch.ref)![1]);
      // Keep indices stable for the other statements: replace with a statement that grants nothing.
      if (ch.policy.endsWith("#trust")) {
        const role = node(ch.policy.slice(0, -"#trust".length));
        role.props = { ...role.props, trustPolicy: structuredClone(role.props!.trustPolicy) };
        statements(role.props, "trustPolicy")[i] = { Effect: "Deny", Action: "none:None", Resource: "*" };
      } else {
        const p = node(ch.policy);
        p.props = { ...p.props, document: structuredClone(p.props!.document) };
        statements(p.props, "document")[i] = { Effect: "Deny", Action: "none:None", Resource: "*" };
      }
      return;
    }
    case "deactivate-key":
      for (const n of b.nodes)
        if (n.type === "aws.iam.access_key" && n.id.startsWith(`${ch.user}/`))
          n.props = { ...n.props, status: "Inactive" };
      return;
    default:
      throw new Error(`the test cannot apply ${ch.type}`);
  }
}

const keys = (a: Analysis) => new Set(a.observed.map((o) => o.key));

describe("fix plan", () => {
  it("ranks the choke point first and carries exact CLI and Terraform from the evidence", async () => {
    const a = await run(estate());
    const webIssues = a.observed
      .filter((o) => o.rule === "exposed-compute-to-sensitive-data")
      .map((o) => o.key);
    expect(webIssues).toHaveLength(2);
    // Among the options on the web servers' paths, the shared security group rule (a choke point)
    // cuts both issues and ranks above every option that helps one server only.
    const onWeb = a.plan.items.filter((i) => i.cuts.some((c) => webIssues.includes(c.issueKey)));
    const sg = a.plan.items.find((i) => i.id.startsWith("revoke-ingress:"))!;
    expect(new Set(sg.cuts.map((c) => c.issueKey))).toEqual(new Set(webIssues));
    for (const other of onWeb)
      if (new Set(other.cuts.map((c) => c.issueKey)).size === 1)
        expect(other.riskRemoved).toBeLessThan(sg.riskRemoved);
    expect(onWeb[0]!.riskRemoved).toBe(sg.riskRemoved);
    expect(sg.cli).toBe(
      "aws ec2 revoke-security-group-ingress --group-id sg-web --ip-permissions IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=0.0.0.0/0}]",
    );
    expect(sg.terraform).toContain('security_group_id = "sg-web"');
    const imds = a.plan.items.find((i) => i.id === `require-imdsv2:${arn.instance("i-web1")}`)!;
    expect(imds.cli).toBe(
      "aws ec2 modify-instance-metadata-options --instance-id i-web1 --http-tokens required --http-endpoint enabled",
    );
    const upgrade = a.plan.items.find((i) => i.id.startsWith("upgrade:"))!;
    expect(upgrade.title).toContain("openssl 1.0.0 to 1.0.1");
    const stmt = a.plan.items.find((i) => i.id.includes("read-customers"))!;
    expect(stmt.cli).toContain("aws iam put-role-policy --role-name app --policy-name read-customers");
    // Ranked by risk removed, and each issue lists its options with path and hop.
    for (let i = 1; i < a.plan.items.length; i++)
      expect(a.plan.items[i]!.riskRemoved).toBeLessThanOrEqual(a.plan.items[i - 1]!.riskRemoved);
    const web1 = a.observed.find((o) => o.entry.id === arn.instance("i-web1"))!;
    expect(web1.remediation.find((r) => r.title === sg.title)).toMatchObject({ pathIndex: 0, hopIndex: 0 });
  });

  it("applying each cutting option closes exactly the issues what-if predicted (the top one first)", async () => {
    const base = await run(estate());
    const cutting = [...base.plan.options.values()].filter((o) => o.cuts);
    expect(cutting.length).toBeGreaterThanOrEqual(4);
    expect(cutting[0]).toBeDefined();
    const ordered = [
      base.plan.options.get(base.plan.items.find((i) => base.plan.options.get(i.id)!.cuts)!.id)!,
      ...cutting,
    ];
    let closedSomething = 0;
    for (const o of ordered) {
      const predicted = whatIf(base.state, base.pairs, base.plan.options, [o.id]).closes;
      const b = estate();
      apply(b, o);
      const after = await run(b);
      const closed = [...keys(base)].filter((k) => !keys(after).has(k)).sort();
      expect({ option: o.id, closed }).toEqual({ option: o.id, closed: predicted });
      if (closed.length) closedSomething++;
    }
    expect(closedSomething).toBe(ordered.length);
  });

  it("what-if of a weakening option closes nothing and lowers the score", async () => {
    const base = await run(estate());
    const r = whatIf(base.state, base.pairs, base.plan.options, [`require-imdsv2:${arn.instance("i-web1")}`]);
    expect(r.closes).toEqual([]);
    const web1 = base.observed.find((o) => o.entry.id === arn.instance("i-web1"))!;
    const moved = r.remaining.find((x) => x.key === web1.key)!;
    expect(moved.after).toBeLessThan(moved.before);
    expect(() => whatIf(base.state, base.pairs, base.plan.options, ["no-such-option"])).toThrow(
      /no remediation option/,
    );
  });
});
