// The developer visibility filter of listIssues: assigned to any of the users OR any of the teams.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { issueKey } from "@ctem/model";
import type { IssueDraft } from "@ctem/model";
import { openSqliteStores } from "../src/index.js";
import type { SqliteStores } from "../src/index.js";

let dir: string;
let stores: SqliteStores;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-vis-"));
  stores = openSqliteStores(path.join(dir, "ctem.db"));
});
afterEach(async () => {
  await stores.close();
  rmSync(dir, { recursive: true, force: true });
});

const target = {
  id: "arn:aws:s3:::data",
  kind: "data_store" as const,
  type: "aws.s3.bucket",
  name: "data",
  tier: 1,
};
function draft(n: number, assignee: IssueDraft["assignee"]): IssueDraft {
  const entry = {
    id: `arn:aws:ec2:us-east-1:1:instance/i-${n}`,
    kind: "compute" as const,
    type: "aws.ec2.instance",
    name: `i-${n}`,
  };
  return {
    key: issueKey(entry.id, target.id),
    title: `issue ${n}`,
    rule: "exposed-compute-to-sensitive-data",
    severity: "high",
    score: 10 - n,
    confidence: "theoretical",
    status: "open",
    entry,
    target,
    paths: [],
    factors: [],
    remediation: [],
    firstSeen: "2026-01-01T00:00:00.000Z",
    lastSeen: "2026-01-01T00:00:00.000Z",
    dueAt: null,
    fixedAt: null,
    resolvedAt: null,
    reopenedAt: null,
    verificationFailedAt: null,
    reason: null,
    acceptedBy: null,
    expiresAt: null,
    assignee,
    statusBeforeResolution: null,
    demo: false,
  };
}

it("matches the user OR the team, and nothing when both lists are empty", async () => {
  await stores.app.commitAnalysis(
    { id: "a1", startedAt: "2026-01-01T00:00:00.000Z", status: "running" },
    {
      issues: [
        draft(1, { user: "u1" }),
        draft(2, { team: "payments" }),
        draft(3, { user: "u2", team: "payments" }),
        draft(4, { user: "u2", team: "web" }),
        draft(5, {}),
      ],
      paths: [],
      tiers: [],
      findingPriorities: [],
      fixPlan: [],
    },
  );
  const titles = async (users: string[], teams: string[]) =>
    (await stores.app.listIssues({ assignedTo: { users, teams } }, { limit: 10 })).items.map((i) => i.title);
  expect(await titles(["u1"], ["payments"])).toEqual(["issue 1", "issue 2", "issue 3"]);
  expect(await titles(["u2"], [])).toEqual(["issue 3", "issue 4"]);
  expect(await titles([], ["web"])).toEqual(["issue 4"]);
  expect(await titles([], [])).toEqual([]);
  // Combined with another filter, both hold.
  const r = await stores.app.listIssues(
    { assignedTo: { users: ["u2"], teams: [] }, rule: "key-to-admin" },
    { limit: 10 },
  );
  expect(r.items).toEqual([]);
});
