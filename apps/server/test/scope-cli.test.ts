// `ctem scope add … --include/--exclude`: the filters are validated as the API validates them (a
// bad one is a usage error naming the option and its position) and stored with the scope, for AWS
// and for the Azure and GCP scopes their connectors add; `ctem analyze` then applies them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStores } from "@ctem/store";
import { nodeFact, scanRun } from "@ctem/store/contract";
import { main } from "../src/cli/main.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-scope-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ctem(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(["--data", dir, ...args], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { INIT_CWD: dir },
  });
  return { code, stdout, stderr };
}

async function stored(name: string) {
  const s = openSqliteStores(path.join(dir, "ctem.db"));
  try {
    return await s.app.scopes.get(name);
  } finally {
    await s.close();
  }
}

const aws = [
  "--provider",
  "aws",
  "--account",
  "111122223333",
  "--role-arn",
  "arn:aws:iam::111122223333:role/ctem",
];

describe("ctem scope add --include/--exclude", () => {
  it("stores validated filters with an AWS scope", async () => {
    const r = await ctem([
      "--json",
      "scope",
      "add",
      "prod",
      ...aws,
      "--include",
      "type:aws.ec2.*",
      "--include",
      " tag:env=prod",
      "--exclude",
      "tag:team",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      include: ["type:aws.ec2.*", "tag:env=prod"],
      exclude: ["tag:team"],
    });
    expect(await stored("prod")).toMatchObject({
      include: ["type:aws.ec2.*", "tag:env=prod"],
      exclude: ["tag:team"],
    });
  });

  it("refuses a bad filter before anything is stored, naming the option and position", async () => {
    const r = await ctem([
      "scope",
      "add",
      "prod",
      ...aws,
      "--exclude",
      "kind:compute",
      "--exclude",
      "kind:database",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--exclude[1]: 'kind:database': unknown kind 'database'");
    expect(await stored("prod")).toBeUndefined();
  });

  it("adds the filters to a GCP scope too", async () => {
    const r = await ctem([
      "scope",
      "add",
      "g",
      "--provider",
      "gcp",
      "--project",
      "ctem-test-project",
      "--exclude",
      "type:gcp.compute.*",
    ]);
    expect(r.code).toBe(0);
    expect(await stored("g")).toMatchObject({
      config: { parent: "projects/ctem-test-project" },
      include: [],
      exclude: ["type:gcp.compute.*"],
    });
  });

  it("ctem analyze says the filters apply", async () => {
    await ctem(["scope", "add", "prod", ...aws, "--exclude", "tag:env=dev"]);
    const r = await ctem(["analyze"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("the scopes' include/exclude filters apply");
  });
});

describe("ctem scope remove", () => {
  const S1 = "11111111-1111-1111-1111-111111111111";
  const S2 = "22222222-2222-2222-2222-222222222222";
  const azure = (name: string, subs: string) =>
    ctem([
      "scope",
      "add",
      name,
      "--provider",
      "azure",
      "--tenant",
      "33333333-3333-3333-3333-333333333333",
      "--subscription",
      subs,
    ]);

  it("drops every subscription of an Azure scope, but not one another scope still covers", async () => {
    expect((await azure("both", `${S1},${S2}`)).code).toBe(0);
    expect((await azure("one", S2)).code).toBe(0);
    const s = openSqliteStores(path.join(dir, "ctem.db"));
    try {
      for (const sub of [S1, S2]) {
        const k = { source: `azure:${sub}`, region: "global", collector: "azure-resource-groups" };
        const id = `/subscriptions/${sub}/resourcegroups/rg`;
        await s.graph.applyScan(scanRun([k]), [{ nodes: [nodeFact(id, k)], edges: [], findings: [] }]);
      }
    } finally {
      await s.close();
    }
    const r = await ctem(["--json", "scope", "remove", "both"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      removed: "both",
      sources: [`azure:${S1}`, `azure:${S2}`],
      removedSources: [`azure:${S1}`],
      removedData: true,
    });
    expect(r.stderr).toContain(`keeping azure:${S2}: scope 'one' covers it too`);
    const after = openSqliteStores(path.join(dir, "ctem.db"));
    try {
      expect(await after.graph.getNode(`/subscriptions/${S1}/resourcegroups/rg`)).toBeUndefined();
      expect(await after.graph.getNode(`/subscriptions/${S2}/resourcegroups/rg`)).toBeDefined();
    } finally {
      await after.close();
    }
  });
});
