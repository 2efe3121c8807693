// Shared fixtures for the part-2 tests: a small AWS estate with one internet-facing web server
// whose role reads customer data, findings shaped as the store returns them, and a lookup that
// scores reported CVSS vectors without the intel feeds.
import { DEFAULT_SETTINGS, findingKey } from "@ctem/model";
import type { Finding, FindingFact, Settings } from "@ctem/model";
import { scoreCvss } from "@ctem/intel";
import type { IntelRecord, ReportedCvss } from "@ctem/intel";
import { Builder, OPEN_ACL, allow, arn, doc, key, rule } from "./build.js";

export const V98 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
export const V53 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N";

const T0 = "2026-01-01T00:00:00.000Z";

/** A finding as the store returns it (matched to `asset`). */
export function finding(
  asset: string,
  cve: string,
  opts: {
    vector?: string;
    severity?: Finding["sources"][number]["severity"];
    pkg?: string;
    fixed?: string;
    port?: number;
  } = {},
): Finding {
  const pkg = opts.pkg ?? "openssl";
  return {
    key: findingKey(asset, cve, pkg),
    assetRef: asset,
    matched: true,
    kind: "vulnerability",
    ruleId: cve,
    package: pkg,
    installedVersion: "1.0.0",
    ...(opts.fixed ? { fixedVersion: opts.fixed } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    resource: { ids: [asset] },
    props: {},
    sources: [
      {
        tool: "trivy",
        sourceKey: { source: "import:trivy:x", region: "global", collector: "import-trivy" },
        severity: opts.severity ?? "high",
        ...(opts.vector ? { vector: opts.vector } : {}),
        firstSeen: T0,
        lastSeen: T0,
      },
    ],
    firstSeen: T0,
    lastSeen: T0,
  };
}

/** The same finding as an importer writes it (for applyScan). */
export function findingFact(f: Finding): FindingFact {
  return {
    kind: f.kind,
    ruleId: f.ruleId,
    package: f.package,
    ...(f.installedVersion ? { installedVersion: f.installedVersion } : {}),
    ...(f.fixedVersion ? { fixedVersion: f.fixedVersion } : {}),
    ...(f.port !== undefined ? { port: f.port } : {}),
    resource: { ids: [f.assetRef] },
    sources: f.sources.map((s) => ({
      tool: s.tool,
      sourceKey: s.sourceKey,
      severity: s.severity,
      ...(s.vector ? { vector: s.vector } : {}),
    })),
  };
}

/** Scores reported vectors only (no feeds): unknown CVEs get no EPSS and no KEV. */
export function vectorLookup(
  kev: ReadonlySet<string> = new Set(),
): (id: string, reported?: ReportedCvss[]) => IntelRecord {
  return (id, reported) => {
    const r = reported?.find((x) => x.vector);
    const rec: IntelRecord = { cve: id };
    if (r?.vector) {
      const s = scoreCvss(r.vector);
      rec.cvss = {
        version: s.version,
        vector: s.vector,
        baseScore: s.baseScore,
        severity: s.severity,
        metrics: s.metrics,
        source: `report:${r.source}`,
      };
    }
    if (kev.has(id))
      rec.kev = {
        cveId: id,
        vendor: "v",
        product: "p",
        vulnerabilityName: "n",
        shortDescription: "d",
        dateAdded: "2024-01-01",
        dueDate: "2024-01-22",
        knownRansomwareCampaignUse: "Unknown",
        requiredAction: "patch",
        catalogVersion: "test",
      };
    return rec;
  };
}

export const trustEc2 = doc({
  Effect: "Allow",
  Principal: { Service: "ec2.amazonaws.com" },
  Action: "sts:AssumeRole",
});

export interface WebEstateOptions {
  /** A second web server behind the same security group and role. */
  twin?: boolean;
  /** IMDSv2 required on the web servers. */
  imdsv2?: boolean;
  /** Drop the internet rule of sg-web (the instance is then unreachable). */
  closed?: boolean;
}

/**
 * The seed estate: web-1 (public IP, sg-web admits 443 from 0.0.0.0/0, role app reads bucket
 * customer-data tagged pii) and batch-1 (private subnet, no ingress), plus a user with an active
 * key who may create policy versions (escalates to admin).
 */
export function webEstate(o: WebEstateOptions = {}): Builder {
  const b = new Builder()
    .vpc("vpc-1")
    .igw("igw-1", "vpc-1")
    .acl("acl-1", "vpc-1", OPEN_ACL)
    .subnet("subnet-pub", "vpc-1", "10.0.1.0/24", { igw: "igw-1", acl: "acl-1" })
    .subnet("subnet-priv", "vpc-1", "10.0.2.0/24", { acl: "acl-1" })
    .sg("sg-web", "vpc-1", o.closed ? [] : [rule("tcp", 443, 443, { cidrs: ["0.0.0.0/0"] })])
    .sg("sg-int", "vpc-1", [])
    .role("app", trustEc2, "app-profile")
    .inline(
      arn.role("app"),
      "read-customers",
      doc(
        allow(
          ["s3:GetObject", "s3:ListBucket"],
          [arn.bucket("customer-data"), `${arn.bucket("customer-data")}/*`],
        ),
      ),
    )
    .instance("i-web1", {
      vpc: "vpc-1",
      subnet: "subnet-pub",
      groups: ["sg-web"],
      privateIp: "10.0.1.10",
      publicIp: "54.1.2.3",
      profile: "app-profile",
      tokens: o.imdsv2 ? "required" : "optional",
    })
    .instance("i-batch1", { vpc: "vpc-1", subnet: "subnet-priv", groups: ["sg-int"], privateIp: "10.0.2.10" })
    .bucket("customer-data");
  if (o.twin)
    b.instance("i-web2", {
      vpc: "vpc-1",
      subnet: "subnet-pub",
      groups: ["sg-web"],
      privateIp: "10.0.1.11",
      publicIp: "54.1.2.4",
      profile: "app-profile",
      tokens: o.imdsv2 ? "required" : "optional",
    });
  b.nodes.find((n) => n.id === arn.bucket("customer-data"))!.tags = { "data-classification": "pii" };
  return b;
}

/** Adds a user with an active key who may rewrite its own customer-managed policy (self-escalation). */
export function withKeyUser(b: Builder): Builder {
  return b
    .user("ci-bot")
    .accessKey("ci-bot", "AKIAEXAMPLE0001", "Active")
    .managed("ci-bot-policy", doc(allow(["iam:CreatePolicyVersion"], arn.policy("ci-bot-policy"))))
    .attach(arn.user("ci-bot"), arn.policy("ci-bot-policy"));
}

export const settings = (patch: Partial<Settings> = {}): Settings => ({ ...DEFAULT_SETTINGS, ...patch });
export { arn, key };
