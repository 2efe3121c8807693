// Exports over the API: issues as CSV (formula-safe) and JSON, a developer's export holds only their
// issues; findings as SARIF 2.1.0, validated against the OASIS schema (fixtures/sarif).
import { readFileSync } from "node:fs";
import AjvDraft04 from "ajv-draft-04";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFixture, signIn } from "./http-fixture.js";
import { checkOcsfFinding } from "./ocsf-check.js";
import { findingsOcsf } from "../src/exports/exports.js";
import type { As, Fixture } from "./http-fixture.js";

const schema = JSON.parse(
  readFileSync(new URL("../fixtures/sarif/sarif-schema-2.1.0.json", import.meta.url), "utf8"),
) as object;

let f: Fixture;
let analyst: As;
let dev1: As;

beforeAll(async () => {
  f = await makeFixture();
  analyst = await signIn(f.app, f.users.analyst.email);
  dev1 = await signIn(f.app, f.users.dev1.email);
  await f.app.inject({
    method: "PATCH",
    url: `/api/issues/${f.issues.other}`,
    headers: analyst.headers,
    payload: { status: "false_positive", reason: '=HYPERLINK("http://x"), "quoted"' },
  });
});
afterAll(() => f.close());

describe("exports", () => {
  it("issues as CSV: a header, one row per issue, formulas neutralised and quotes escaped", async () => {
    const res = await f.app.inject({ url: "/api/exports/issues?format=csv", headers: analyst.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toMatch(
      /^attachment; filename="ctem-issues-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = res.body.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "alias,key,title,rule,severity,score,confidence,status,entry,target,assignee_user,assignee_team,first_seen,due_at,resolved_at,reason",
    );
    expect(lines).toHaveLength(4);
    const other = (await f.stores.app.getIssue(f.issues.other))!;
    const row = lines.find((l) => l.startsWith(`${other.alias},`))!;
    expect(row.endsWith(`,"'=HYPERLINK(""http://x""), ""quoted"""`)).toBe(true);
  });

  it("issues as JSON; a developer's export holds only the issues assigned to them", async () => {
    const all = await f.app.inject({ url: "/api/exports/issues?format=json", headers: analyst.headers });
    expect(
      all
        .json<Array<{ key: string }>>()
        .map((i) => i.key)
        .sort(),
    ).toEqual([f.issues.mine, f.issues.team, f.issues.other].sort());
    const mine = await f.app.inject({ url: "/api/exports/issues?format=json", headers: dev1.headers });
    expect(mine.json<Array<{ key: string }>>().map((i) => i.key)).toEqual([f.issues.mine]);
  });

  it("findings as SARIF 2.1.0 that the OASIS schema accepts", async () => {
    const res = await f.app.inject({ url: "/api/exports/findings.sarif", headers: analyst.headers });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("application/sarif+json");
    const log = res.json<{
      version: string;
      runs: Array<{ results: Array<{ ruleId: string; level: string }> }>;
    }>();
    // A CommonJS module under NodeNext: its class is also its own `default`.
    const ajv = new AjvDraft04.default({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0]!.results.map((r) => r.ruleId)).toEqual(["CVE-2021-44228"]);
    // The schema is not a rubber stamp: a result without a message fails it.
    const broken = structuredClone(log) as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    delete broken.runs[0]!.results[0]!.message;
    expect(validate(broken)).toBe(false);
  });

  it("findings as OCSF 1.8.0 events that the class definitions accept", async () => {
    const res = await f.app.inject({ url: "/api/exports/findings.ocsf", headers: analyst.headers });
    expect(res.statusCode).toBe(200);
    const events = res.json<Array<Record<string, unknown>>>();
    expect(events.map((e) => e.class_uid)).toEqual([2002]);
    expect(events.map(checkOcsfFinding)).toEqual([[]]);
    expect(events[0]).toMatchObject({ vulnerabilities: [{ cve: { uid: "CVE-2021-44228" } }] });
    // A misconfiguration becomes a Detection Finding, which the checker accepts too.
    const finding = (await f.stores.graph.listFindings({}, { limit: 1 })).items[0]!;
    const [detection] = findingsOcsf(
      [{ ...finding, kind: "misconfiguration", ruleId: "s3-bucket-public", package: "" }],
      new Map(),
      "0.1.0",
      new Date(),
    ) as Array<Record<string, unknown>>;
    expect(detection!.class_uid).toBe(2004);
    expect(checkOcsfFinding(detection!)).toEqual([]);
    // The checker can fail: a missing required attribute, a wrong enum, an unknown attribute.
    const { finding_info: _drop, ...noInfo } = events[0]!;
    expect(checkOcsfFinding({ ...noInfo, severity_id: 42, colour: "red" })).toEqual([
      "vulnerability_finding.finding_info: required",
      "vulnerability_finding.severity_id: 42 is not in the enum",
      "vulnerability_finding.colour: not an attribute of this class or object",
    ]);
  });
});
