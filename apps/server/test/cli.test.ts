// The ctem command line as scripts use it: one JSON document on stdout, progress on stderr,
// DESIGN's exit codes, paths relative to where the user ran it.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStores } from "@ctem/store";
import { edgeFact, key, nodeFact, scanRun, vulnFact } from "@ctem/store/contract";
import { main } from "../src/cli/main.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ctem(args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { INIT_CWD: dir, ...env },
  });
  return { code, stdout, stderr };
}

const ec2 = key("aws:111122223333", "us-east-1", "aws-ec2-instances");
const sg = key("aws:111122223333", "us-east-1", "aws-ec2-security-groups");
const insp = key("import:inspector2:111122223333", "global", "import-inspector2");
const i1 = "arn:aws:ec2:us-east-1:111122223333:instance/i-0000000000000001";
const g1 = "arn:aws:ec2:us-east-1:111122223333:security-group/sg-01";

async function seed(dbFile: string) {
  const s = openSqliteStores(dbFile);
  await s.graph.applyScan(scanRun([ec2, sg, insp]), [
    {
      nodes: [
        nodeFact(i1, ec2, { name: "web-1", tags: { env: "prod" } }),
        nodeFact(g1, sg, { kind: "firewall", type: "aws.ec2.security_group", name: "web" }),
      ],
      edges: [edgeFact(i1, "PROTECTED_BY", g1, sg)],
      findings: [vulnFact("CVE-2024-6387", "i-0000000000000001", insp, "inspector2", { package: "openssh" })],
    },
  ]);
  await s.close();
}

describe("ctem assets", () => {
  it("answers {items: []} on an empty store, creating it in ./data of the user's directory", async () => {
    const r = await ctem(["assets", "list", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ items: [] });
    expect(r.stderr).toBe("");
    const again = await ctem(["assets", "list"]);
    expect(again.stdout).toBe("no assets\n");
  });

  it("lists with filters and --limit, and shows one asset with its edges and findings", async () => {
    await seed(path.join(dir, "data", "ctem.db"));
    const all = JSON.parse((await ctem(["assets", "list", "--json"])).stdout) as { items: { id: string }[] };
    expect(all.items.map((n) => n.id)).toEqual([i1, g1].sort());
    const fw = JSON.parse((await ctem(["--json", "assets", "list", "--kind", "firewall"])).stdout) as {
      items: { id: string }[];
    };
    expect(fw.items.map((n) => n.id)).toEqual([g1]);
    const one = JSON.parse((await ctem(["assets", "list", "--json", "--limit", "1"])).stdout) as {
      items: unknown[];
    };
    expect(one.items).toHaveLength(1);
    const show = await ctem(["assets", "show", i1, "--json"]);
    expect(show.code).toBe(0);
    const doc = JSON.parse(show.stdout) as {
      node: { id: string; tags: object };
      edges: { kind: string; to: string }[];
      findings: { ruleId: string; package: string }[];
    };
    expect(doc.node).toMatchObject({ id: i1, tags: { env: "prod" } });
    expect(doc.edges.map((e) => [e.kind, e.to])).toEqual([["PROTECTED_BY", g1]]);
    expect(doc.findings.map((f) => [f.ruleId, f.package])).toEqual([["CVE-2024-6387", "openssh"]]);
    const text = await ctem(["assets", "show", i1]);
    expect(text.stdout).toContain("PROTECTED_BY");
    expect(text.stdout).toContain("CVE-2024-6387");
  });

  it("exit codes: 1 with the cause for an unknown asset, 2 for bad usage, 0 for help", async () => {
    const missing = await ctem(["assets", "show", "arn:aws:ec2:us-east-1:1:instance/i-nope"]);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toContain("no asset with id 'arn:aws:ec2:us-east-1:1:instance/i-nope'");
    expect((await ctem(["assets", "list", "--kind", "spaceship"])).code).toBe(2);
    expect((await ctem(["assets", "list", "--limit", "0"])).code).toBe(2);
    expect((await ctem(["frobnicate"])).code).toBe(2);
    expect((await ctem([])).code).toBe(2);
    const help = await ctem(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/assets\s+inventory/);
  });

  it("resolves --db, --data and CTEM_DATA against the user's directory", async () => {
    mkdirSync(path.join(dir, "elsewhere"));
    await seed(path.join(dir, "elsewhere", "x.db"));
    const viaDb = JSON.parse((await ctem(["assets", "list", "--json", "--db", "elsewhere/x.db"])).stdout) as {
      items: unknown[];
    };
    expect(viaDb.items).toHaveLength(2);
    await seed(path.join(dir, "d2", "ctem.db"));
    expect(
      (JSON.parse((await ctem(["assets", "list", "--json", "--data", "d2"])).stdout) as { items: unknown[] })
        .items,
    ).toHaveLength(2);
    expect(
      (
        JSON.parse((await ctem(["assets", "list", "--json"], { CTEM_DATA: "d2" })).stdout) as {
          items: unknown[];
        }
      ).items,
    ).toHaveLength(2);
  });

  it("a bad ctem.config.json is refused with the file and field, nothing opened", async () => {
    mkdirSync(path.join(dir, "data"));
    writeFileSync(
      path.join(dir, "data", "ctem.config.json"),
      JSON.stringify({ slaDays: { critical: "soon" } }),
    );
    const r = await ctem(["assets", "list", "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ctem\.config\.json: field slaDays\.critical/);
    writeFileSync(path.join(dir, "data", "ctem.config.json"), JSON.stringify({ colour: "red" }));
    expect((await ctem(["assets", "list"])).stderr).toMatch(/unknown key 'colour'/);
  });
});

describe("the ctem binary through pnpm", () => {
  it("prints only the JSON document on stdout", async () => {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const { stdout } = await promisify(execFile)(
      "pnpm",
      ["ctem", "assets", "list", "--json", "--data", dir],
      { cwd: root },
    );
    expect(JSON.parse(stdout)).toEqual({ items: [] });
  }, 60_000);
});
