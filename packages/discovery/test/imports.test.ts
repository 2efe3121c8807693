// Importer tests over the real reports in fixtures/imports (see its SOURCES.md). Every count is
// computed independently here from the raw file with the counting rule stated beside it, then
// compared with what the importer found and what the store holds.
/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument --
   the counters walk the raw report JSON untyped on purpose: they must not share the importers' readers */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Finding, GraphStore, Node } from "@ctem/model";
import { openSqliteStores } from "@ctem/store";
import type { SqliteStores } from "@ctem/store";
import { parse as parseCsv } from "csv-parse/sync";
import { bytesSource, fileSource, importReport } from "../src/index.js";
import type { ImportFileResult } from "../src/index.js";

const FIX = path.join(import.meta.dirname, "..", "fixtures", "imports");
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw report JSON
type J = Record<string, any>;
const raw = (rel: string): J => JSON.parse(readFileSync(path.join(FIX, rel), "utf8")) as J;
const files = (dir: string) => readdirSync(path.join(FIX, dir)).map((f) => `${dir}/${f}`);
const up = (s: string) => (/^CVE-/i.test(s) ? s.toUpperCase() : s);

/** One tuple per finding the report holds: [asset, rule, package]. */
type Tuple = [string, string, string];

// Trivy: every Vulnerabilities entry except Status not_affected, every Secrets entry, and
// Misconfigurations with Status FAIL; in Kubernetes reports the same per workload.
function trivyTuples(r: J): Tuple[] {
  const fromResults = (asset: string, results: J[]): Tuple[] =>
    results.flatMap((res) => [
      ...((res.Vulnerabilities ?? []) as J[])
        .filter((v) => v.Status !== "not_affected")
        .map((v): Tuple => [asset, up(v.VulnerabilityID), v.PkgName ?? ""]),
      ...((res.Misconfigurations ?? []) as J[])
        .filter((m) => m.Status === "FAIL")
        .map((m): Tuple => [asset, m.AVDID ?? m.ID, ""]),
      ...((res.Secrets ?? []) as J[]).map((s): Tuple => [asset, s.RuleID, `${res.Target}:${s.StartLine}`]),
    ]);
  if (r.ClusterName)
    return ["Vulnerabilities", "Misconfigurations", "Resources"].flatMap((top) =>
      ((r[top] ?? []) as J[]).flatMap((w) =>
        fromResults(`${w.Namespace}/${w.Kind}/${w.Name}`, w.Results ?? []),
      ),
    );
  return fromResults(r.ArtifactName, r.Results ?? []);
}

// Grype: every match; the rule is the CVE (the match's id, else its first related CVE).
function grypeTuples(r: J): Tuple[] {
  return (r.matches as J[]).map((m) => {
    const id: string = m.vulnerability.id;
    const cve = /^CVE-/i.test(id)
      ? id
      : ((m.relatedVulnerabilities ?? []) as J[]).map((x) => x.id as string).find((x) => /^CVE-/i.test(x));
    return ["image", up(cve ?? id), m.artifact.name];
  });
}

// Inspector2: findings not CLOSED or SUPPRESSED; one per vulnerable package (none: one).
function inspectorTuples(r: J): Tuple[] {
  return (r.findings as J[])
    .filter((f) => f.status !== "CLOSED" && f.status !== "SUPPRESSED")
    .flatMap((f) => {
      const pkgs = (f.packageVulnerabilityDetails?.vulnerablePackages ?? []) as J[];
      const rule = f.packageVulnerabilityDetails?.vulnerabilityId ?? f.type;
      return (pkgs.length ? pkgs : [{ name: "" }]).map((p): Tuple => [f.resources[0].id, rule, p.name]);
    });
}

// ASFF: RecordState ACTIVE, Workflow not RESOLVED/SUPPRESSED, Compliance not PASSED; one per
// vulnerable package of each vulnerability, else one.
function asffTuples(r: J): Tuple[] {
  const list = (Array.isArray(r) ? r : (r.Findings ?? r.findings)) as J[];
  return list
    .filter((f) => (f.RecordState ?? "ACTIVE") === "ACTIVE")
    .filter((f) => !["RESOLVED", "SUPPRESSED"].includes(f.Workflow?.Status ?? f.WorkflowState ?? ""))
    .filter((f) => f.Compliance?.Status !== "PASSED")
    .flatMap((f) => {
      const res = f.Resources[0].Id as string;
      const vulns = (f.Vulnerabilities ?? []) as J[];
      if (!vulns.length) {
        const cve = f.Resources[0].Details?.Other?.["CVE ID"];
        return [
          [
            res,
            cve ?? f.Compliance?.SecurityControlId ?? f.GeneratorId,
            cve ? f.Resources[0].Details.Other.PkgName : "",
          ] as Tuple,
        ];
      }
      return vulns.flatMap((v) => {
        const pkgs = (v.VulnerablePackages ?? []) as J[];
        return (pkgs.length ? pkgs : [{ Name: "" }]).map((p): Tuple => [res, v.Id, p.Name]);
      });
    });
}

// SARIF: results of kind fail/open/review (absent = fail), without an accepted suppression, and
// not baselineState "absent".
function sarifTuples(r: J): Tuple[] {
  return (r.runs as J[]).flatMap((run) =>
    ((run.results ?? []) as J[])
      .filter((x) => ["fail", "open", "review"].includes(x.kind ?? "fail"))
      .filter(
        (x) =>
          !((x.suppressions ?? []) as J[]).some((s) => (s.status ?? s.state ?? "accepted") === "accepted"),
      )
      .filter((x) => x.baselineState !== "absent")
      .map((x): Tuple => {
        const loc = x.locations?.[0]?.physicalLocation;
        const uri = loc?.artifactLocation?.uri ?? "";
        const line = loc?.region?.startLine;
        return ["repo", up(x.ruleId ?? x.message.text), line === undefined ? uri : `${uri}:${line}`];
      }),
  );
}

// CycloneDX: one per (vulnerability, affected ref) unless analysis.state is not_affected,
// false_positive or resolved (VEX).
function cyclonedxTuples(r: J): Tuple[] {
  const names = new Map<string, string>(
    ((r.components ?? []) as J[]).map((c) => [c["bom-ref"], c.group ? `${c.group}:${c.name}` : c.name]),
  );
  return ((r.vulnerabilities ?? []) as J[])
    .filter((v) => !["not_affected", "false_positive", "resolved"].includes(v.analysis?.state))
    .flatMap((v) =>
      ((v.affects ?? []) as J[]).map((a): Tuple => ["bom", up(v.id), names.get(a.ref) ?? a.ref]),
    );
}

// OCSF: Findings-category events (class_uid 2001–2099) with status_code FAIL.
function ocsfTuples(r: J): Tuple[] {
  return (r as unknown as J[])
    .filter((e) => e.class_uid >= 2001 && e.class_uid <= 2099 && e.status_code === "FAIL")
    .map((e): Tuple => [e.resources[0].uid, e.metadata.event_code, ""]);
}

// CloudSploit: results with status FAIL or WARN.
function cloudsploitTuples(r: J): Tuple[] {
  return (r as unknown as J[])
    .filter((x) => x.status === "FAIL" || x.status === "WARN")
    .map((x): Tuple => [String(x.resource), x.plugin, ""]);
}

// Artifact Analysis: every VULNERABILITY occurrence in the summary, one per packageIssue.
function gcpTuples(r: J): Tuple[] {
  return Object.values(r.package_vulnerability_summary.vulnerabilities as Record<string, J[]>)
    .flat()
    .filter((o) => o.kind === "VULNERABILITY")
    .flatMap((o) => {
      const issues = (o.vulnerability.packageIssue ?? []) as J[];
      const rule = (o.noteName as string).split("/").pop()!;
      return (issues.length ? issues : [{ affectedPackage: "" }]).map((p): Tuple => [
        o.resourceUri,
        rule,
        p.affectedPackage,
      ]);
    });
}

const COUNTERS: Array<{ dir: string; format: string; tuples: (r: J) => Tuple[] }> = [
  { dir: "trivy", format: "Trivy JSON report", tuples: trivyTuples },
  { dir: "grype", format: "Grype JSON report", tuples: grypeTuples },
  { dir: "aws-inspector2", format: "AWS Inspector2 findings export", tuples: inspectorTuples },
  { dir: "aws-securityhub-asff", format: "AWS Security Hub ASFF JSON", tuples: asffTuples },
  { dir: "sarif", format: "SARIF 2.1.0 log", tuples: sarifTuples },
  { dir: "cyclonedx", format: "CycloneDX JSON (1.4+, vulnerabilities/VEX)", tuples: cyclonedxTuples },
  { dir: "prowler", format: "OCSF findings JSON (Prowler)", tuples: ocsfTuples },
  { dir: "cloudsploit", format: "CloudSploit JSON", tuples: cloudsploitTuples },
  { dir: "gcp-artifact-analysis", format: "GCP Artifact Analysis occurrences JSON", tuples: gcpTuples },
];

// CSV reports, parsed here with csv-parse's synchronous API (the importers stream).
const csv = (rel: string): Array<Record<string, string>> =>
  parseCsv(readFileSync(path.join(FIX, rel)), { columns: true, bom: true });
const CSV_COUNTERS: Array<{
  dir: string;
  format: string;
  tuples: (rows: Array<Record<string, string>>) => Tuple[];
}> = [
  // Wiz: rows with Status OPEN or IN_PROGRESS.
  {
    dir: "wiz",
    format: "Wiz issues CSV",
    tuples: (rows) =>
      rows
        .filter((x) => x.Status === "OPEN" || x.Status === "IN_PROGRESS")
        .map((x): Tuple => [x["Resource external ID"]!, x["Control ID"]!, ""]),
  },
  // Defender for Cloud: rows whose state is Unhealthy.
  {
    dir: "azure-defender",
    format: "Azure Defender recommendations CSV",
    tuples: (rows) =>
      rows
        .filter((x) => x.state === "Unhealthy")
        .map((x): Tuple => [x.resourceId!.toLowerCase(), x.recommendationName!, ""]),
  },
];

let dir: string;
let stores: SqliteStores;
let g: GraphStore;
let runNo = 0;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-imports-"));
  stores = openSqliteStores(path.join(dir, "ctem.db"));
  g = stores.graph;
});
afterEach(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = () => ({
  id: `run-${++runNo}`,
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, runNo)).toISOString(),
});
const importFile = (rel: string) => importReport(g, fileSource(path.join(FIX, rel), rel), run());
const importText = (name: string, text: string) => importReport(g, bytesSource(name, text), run());

async function graphState(store: GraphStore) {
  const nodes = new Map<string, Node>();
  const found: Finding[] = [];
  for await (const item of store.snapshot()) {
    if (item.t === "node") nodes.set(item.v.id, item.v);
    else if (item.t === "finding") found.push(item.v);
  }
  return { nodes, findings: found };
}

async function findings(): Promise<Finding[]> {
  return (await graphState(g)).findings;
}

/** The store's state without timestamps: what a re-import must leave unchanged. */
async function stateWithoutTimes() {
  const s = await graphState(g);
  return {
    nodes: [...s.nodes.values()].map((n) => ({ ...n, firstSeen: "", lastSeen: "" })),
    findings: s.findings.map((f) => ({
      ...f,
      firstSeen: "",
      lastSeen: "",
      sources: f.sources.map((x) => ({ ...x, firstSeen: "", lastSeen: "" })),
    })),
  };
}

describe("every report imports with the counts its counting rule gives", () => {
  for (const c of COUNTERS)
    for (const rel of files(c.dir))
      it(`${rel}`, async () => {
        const tuples = c.tuples(raw(rel));
        const distinct = new Set(tuples.map((t) => t.join("\u0000"))).size;
        const r = await importFile(rel);
        expect(r).toMatchObject({
          status: "ok",
          format: c.format,
          found: tuples.length,
          written: tuples.length,
          skipped: 0,
        });
        expect(r.matched + r.unmatched).toBe(tuples.length);
        const stored = await findings();
        expect(stored).toHaveLength(distinct);
        expect(stored.every((f) => !f.matched && f.assetRef.startsWith("unmatched:"))).toBe(true);
        // every vulnerability names a shared CVE node when its rule is a CVE
        const { nodes } = await graphState(g);
        const cves = new Set(stored.filter((f) => /^CVE-/.test(f.ruleId)).map((f) => `cve:${f.ruleId}`));
        expect([...nodes.keys()].filter((id) => id.startsWith("cve:")).sort()).toEqual([...cves].sort());
      });
});

/** Where to cut each report: a few bytes past this key, inside its first record. */
const CUT_AT: Record<string, string> = {
  trivy: '"Severity"',
  grype: '"severity"',
  "aws-inspector2": '"findingArn"',
  "aws-securityhub-asff": '"Resources"',
  sarif: '"message"',
  cyclonedx: '"ratings"',
  prowler: '"finding_info"',
  cloudsploit: '"title"',
  "gcp-artifact-analysis": '"noteName"',
};

describe("a report cut inside a record is refused and nothing of it is written", () => {
  for (const c of COUNTERS)
    for (const rel of files(c.dir)) {
      const text = readFileSync(path.join(FIX, rel), "utf8");
      const at = text.indexOf(CUT_AT[c.dir]!);
      if (at < 0) continue;
      it(`${rel} cut at byte ${at + 12}`, async () => {
        const r = await importText(rel, text.slice(0, at + 12));
        expect(r.status).toBe("refused");
        expect(r.errorCode).toBe("invalid_input");
        expect(r.message).toContain(`not a complete ${c.format}`);
        expect(r.message).toMatch(/ at [^ ]*\[\d+\]/); // names the record it stopped in
        expect(r.written).toBe(0);
        const s = await graphState(g);
        expect(s.findings).toHaveLength(0);
        expect(s.nodes.size).toBe(0);
      });
    }

  it("leaves an earlier import of the same target as it was", async () => {
    await importFile("trivy/alpine-310.json");
    const before = await stateWithoutTimes();
    const text = readFileSync(path.join(FIX, "trivy/alpine-310.json"), "utf8");
    const r = await importText("trivy/alpine-310.json", text.slice(0, text.lastIndexOf('"Severity"')));
    expect(r.status).toBe("refused");
    expect(r.message).toMatch(/at Results\[0\]\.Vulnerabilities\[3\]/);
    expect(await stateWithoutTimes()).toEqual(before);
  });

  it("refuses invalid JSON naming where it broke", async () => {
    const r = await importText("bad.json", '{"matches": [{"vulnerability": {"id": "CVE-2020-1" ]}');
    expect(r).toMatchObject({ status: "refused", errorCode: "invalid_input" });
    expect(r.message).toMatch(/^not a complete Grype JSON report: .* at matches\[0\]/);
  });

  it("refuses a document it does not know, naming the formats it expected", async () => {
    const r = await importText("x.json", '{"hello": "world"}');
    expect(r).toMatchObject({ status: "refused", errorCode: "unknown_format" });
    expect(r.message).toContain("Trivy JSON report");
    expect(r.message).toContain("SARIF 2.1.0 log");
  });
});

describe("CSV reports import with the counts their counting rule gives", () => {
  for (const c of CSV_COUNTERS)
    for (const rel of files(c.dir))
      it(rel, async () => {
        const tuples = c.tuples(csv(rel));
        const r = await importFile(rel);
        expect(r).toMatchObject({
          status: "ok",
          format: c.format,
          found: tuples.length,
          written: tuples.length,
          skipped: 0,
        });
        expect(await findings()).toHaveLength(new Set(tuples.map((t) => t.join("\u0000"))).size);
      });
});

describe("a CSV report cut inside a row is refused and nothing of it is written", () => {
  for (const c of CSV_COUNTERS)
    for (const rel of files(c.dir)) {
      const text = readFileSync(path.join(FIX, rel), "utf8");
      it(`${rel} without its final newline`, async () => {
        const r = await importText(rel, text.replace(/\r?\n$/, ""));
        expect(r).toMatchObject({ status: "refused", errorCode: "invalid_input", written: 0 });
        expect(r.message).toContain(`not a complete ${c.format}`);
        expect(r.message).toMatch(/at line \d+/);
        expect(await findings()).toHaveLength(0);
      });
      it(`${rel} with a row missing columns`, async () => {
        const r = await importText(rel, `${text}x,y,z\n`);
        expect(r).toMatchObject({ status: "refused", errorCode: "invalid_input", written: 0 });
        expect(r.message).toContain(`not a complete ${c.format}`);
        expect(r.message).toMatch(/at line \d+/);
        expect(await findings()).toHaveLength(0);
      });
      it(`${rel} cut in the middle`, async () => {
        const r = await importText(rel, text.slice(0, Math.floor(text.length / 2)));
        expect(r).toMatchObject({ status: "refused", errorCode: "invalid_input", written: 0 });
        expect(await findings()).toHaveLength(0);
      });
    }
});

describe("empty reports are 0 findings and ok, whichever format they could be", () => {
  for (const [name, text] of [
    ["inspector2-empty.json", '{ "findings": [] }'],
    ["asff-empty.json", '{"Findings": []}'],
    ["bare-empty.json", "[]\n"],
    [
      "sarif-empty.sarif",
      '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}',
    ],
  ] as const)
    it(name, async () => {
      const r = await importText(name, text);
      expect(r).toMatchObject({ status: "ok", found: 0, written: 0, skipped: 0 });
      expect(await findings()).toHaveLength(0);
    });
});

describe("claims and dedupe", () => {
  it("re-importing the same reports changes nothing", async () => {
    for (const f of [
      "trivy/alpine-310.json",
      "aws-inspector2/aws_inspector2_many_vul.json",
      "sarif/njsscan.sarif",
    ])
      await importFile(f);
    const before = await stateWithoutTimes();
    const again: ImportFileResult[] = [];
    for (const f of [
      "trivy/alpine-310.json",
      "aws-inspector2/aws_inspector2_many_vul.json",
      "sarif/njsscan.sarif",
    ])
      again.push(await importFile(f));
    expect(again.map((r) => r.merged)).toEqual([0, 0, 0]);
    expect(await stateWithoutTimes()).toEqual(before);
  });

  it("a newer report for the same target replaces that tool's findings on it", async () => {
    await importFile("trivy/alpine-310.json");
    expect(await findings()).toHaveLength(4);
    const r = raw("trivy/alpine-310.json");
    const gone = (r.Results[0].Vulnerabilities as J[]).filter((v) => v.VulnerabilityID === "CVE-2019-1549");
    r.Results[0].Vulnerabilities = (r.Results[0].Vulnerabilities as J[]).filter(
      (v) => v.VulnerabilityID !== "CVE-2019-1549",
    );
    await importText("alpine-310-rescan.json", JSON.stringify(r));
    const after = await findings();
    expect(after).toHaveLength(4 - gone.length);
    expect(after.some((f) => f.ruleId === "CVE-2019-1549")).toBe(false);
    expect((await graphState(g)).nodes.has("cve:CVE-2019-1549")).toBe(false);
    // and a clean rescan clears the rest
    r.Results[0].Vulnerabilities = [];
    await importText("alpine-310-clean.json", JSON.stringify(r));
    expect(await findings()).toHaveLength(0);
  });

  it("two scanners on the same CVE, asset and package make one finding with two sources", async () => {
    await importFile("trivy/alpine-310.json");
    // A Grype report of the same image (same image id), written here from the Trivy report's own
    // records: Grype's shape, the same CVE/package pairs.
    const t = raw("trivy/alpine-310.json");
    const grype = {
      matches: (t.Results[0].Vulnerabilities as J[]).map((v) => ({
        vulnerability: {
          id: v.VulnerabilityID,
          severity: "Medium",
          cvss: [],
          fix: { versions: [v.FixedVersion], state: "fixed" },
        },
        relatedVulnerabilities: [],
        artifact: { name: v.PkgName, version: v.InstalledVersion, type: "apk" },
      })),
      source: {
        type: "image",
        target: { userInput: "alpine:3.10", imageID: t.Metadata.ImageID, repoDigests: [], tags: [] },
      },
      descriptor: { name: "grype", version: "0.94.0" },
    };
    const r = await importText("alpine-310.grype.json", JSON.stringify(grype));
    expect(r).toMatchObject({ status: "ok", found: 4, merged: 4 });
    const all = await findings();
    expect(all).toHaveLength(4);
    for (const f of all) expect(f.sources.map((s) => s.tool).sort()).toEqual(["grype", "trivy"]);
  });
});
