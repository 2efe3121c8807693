// The demo's content (DESIGN "Demo estate"): every severity band, every path class, a
// load-balancer path, a KEV CVE and an access-key → admin escalation, all marked demo; and
// removeDemo takes its graph data away.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEVERITIES } from "@ctem/model";
import type { Issue } from "@ctem/model";
import { createIntel } from "@ctem/intel";
import { openSqliteStores } from "@ctem/store";
import type { SqliteStores } from "@ctem/store";
import { DEMO_SOURCE, hasDemo, loadDemo, removeDemo } from "../src/demo/demo.js";
import { SHOWCASE_KEV_CVE } from "../src/demo/showcase.js";
import { PATH_CLASSES } from "../src/pipeline/classes.js";

let dir: string;
let stores: SqliteStores;
let issues: Issue[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-demo-"));
  stores = openSqliteStores(path.join(dir, "ctem.db"));
  const intel = await createIntel({ dataDir: dir }).load();
  await loadDemo(stores, {
    lookup: (id, r) => intel.lookup(id, r),
    now: () => new Date("2026-03-01T00:00:00Z"),
  });
  issues = (await stores.app.listIssues({}, { limit: 10_000 })).items;
}, 60_000);
afterAll(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("ctem demo content", () => {
  it("has every severity band and every path class, all marked demo", async () => {
    expect(new Set(issues.map((i) => i.severity))).toEqual(new Set(SEVERITIES));
    expect(new Set(issues.map((i) => i.rule))).toEqual(new Set(Object.keys(PATH_CLASSES)));
    expect(issues.every((i) => i.demo)).toBe(true);
    expect((await stores.app.currentAnalysis())?.demo).toBe(true);
  });

  it("has a path through a load balancer", () => {
    const lb = issues.find((i) =>
      i.paths.some((p) => p.hops[0]!.evidence.some((e) => e.source === "aws-elbv2")),
    );
    expect(lb?.title).toContain("through a load balancer");
  });

  it("has a KEV-listed CVE counted on an exposed path", () => {
    const kev = issues.find((i) =>
      i.factors.some((f) => f.name === `${SHOWCASE_KEV_CVE}:kev` && f.value === true),
    );
    expect(kev?.rule).toBe("exposed-compute-to-sensitive-data");
    expect(kev?.severity).toBe("high");
  });

  it("has an access key that escalates to admin", () => {
    const esc = issues.filter(
      (i) => i.rule === "key-to-admin" && i.paths.some((p) => p.hops.some((h) => h.edge === "CAN_ESCALATE")),
    );
    expect(esc.length).toBeGreaterThan(0);
    expect(esc.map((i) => i.remediation.some((r) => r.cli?.includes("aws iam update-access-key")))).toContain(
      true,
    );
  });

  it("removeDemo removes the demo's graph data", async () => {
    expect(await hasDemo(stores)).toBe(true);
    expect(await removeDemo(stores)).toBe(true);
    expect((await stores.graph.listNodes({ source: DEMO_SOURCE }, { limit: 1 })).items).toEqual([]);
    expect(await removeDemo(stores)).toBe(false);
  });
});
