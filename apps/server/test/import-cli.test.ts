// `ctem import` as scripts use it: the per-file summary with --json, DESIGN's exit codes
// (0 ok even with unmatched findings, 3 when a file was refused, 1 when one could not be read),
// relative paths against the directory the user ran it from, and the scan run recorded.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteStores } from "@ctem/store";
import { main } from "../src/cli/main.js";

const FIX = path.join(import.meta.dirname, "..", "..", "..", "packages", "discovery", "fixtures", "imports");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-import-cli-"));
  copyFileSync(path.join(FIX, "trivy", "alpine-310.json"), path.join(dir, "alpine.json"));
  copyFileSync(path.join(FIX, "aws-inspector2", "aws_inspector2_one_vul.json"), path.join(dir, "insp.json"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ctem(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { INIT_CWD: dir },
  });
  return { code, stdout, stderr };
}

describe("ctem import", () => {
  it("imports files given relative to the user's directory; unmatched findings still exit 0", async () => {
    const r = await ctem(["--db", "c.db", "--json", "import", "alpine.json", "insp.json", "--no-analyze"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { files: Array<Record<string, unknown>>; elapsedMs: number };
    expect(out.files).toEqual([
      expect.objectContaining({
        name: "alpine.json",
        format: "Trivy JSON report",
        status: "ok",
        found: 4,
        written: 4,
        unmatched: 4,
        skipped: 0,
      }),
      expect.objectContaining({
        name: "insp.json",
        format: "AWS Inspector2 findings export",
        status: "ok",
        found: 1,
        written: 1,
      }),
    ]);
    expect(typeof out.elapsedMs).toBe("number");
    expect(r.stderr).toContain("importing alpine.json");
    const s = openSqliteStores(path.join(dir, "c.db"));
    try {
      const runs = await s.app.scanRuns.list({ limit: 10 });
      expect(runs.items).toHaveLength(1);
      expect(runs.items[0]).toMatchObject({ trigger: { kind: "import" }, status: "complete" });
      expect(runs.items[0]!.collectors.map((c) => c.collector).sort()).toEqual([
        "import-inspector2",
        "import-trivy",
      ]);
    } finally {
      await s.close();
    }
  });

  it("exits 3 when a file is refused, still importing the others, and says which", async () => {
    const text = readFileSync(path.join(dir, "alpine.json"), "utf8");
    writeFileSync(path.join(dir, "cut.json"), text.slice(0, text.indexOf('"Severity"') + 5));
    const r = await ctem(["--db", "c.db", "--json", "import", "cut.json", "insp.json"]);
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as {
      files: Array<Record<string, unknown>>;
      analysis: { analysisId?: string };
    };
    expect(out.files[0]).toMatchObject({
      name: "cut.json",
      status: "refused",
      errorCode: "invalid_input",
      written: 0,
    });
    expect(String(out.files[0]!.message)).toMatch(
      /^not a complete Trivy JSON report: .* at Results\[0\]\.Vulnerabilities\[0\]/,
    );
    expect(out.files[1]).toMatchObject({ status: "ok", written: 1 });
    // A partial import is analysed too.
    expect(out.analysis.analysisId).toMatch(/.+/);
    expect(r.stderr).toMatch(/analysis \S+: /);
  });

  it("the first real import removes the demo estate and says so; --keep-demo keeps it", async () => {
    expect((await ctem(["--db", "d.db", "demo", "--assets", "100"])).code).toBe(0);
    const kept = await ctem(["--db", "d.db", "--json", "import", "--keep-demo", "--no-analyze", "insp.json"]);
    expect(kept.code).toBe(0);
    expect(kept.stderr).not.toContain("demo: removed");
    expect(kept.stderr).toContain("analysis: skipped (--no-analyze)");
    const demoNodes = async () =>
      (
        JSON.parse((await ctem(["--db", "d.db", "--json", "assets", "list", "--source", "demo"])).stdout) as {
          items: unknown[];
        }
      ).items.length;
    expect(await demoNodes()).toBeGreaterThan(0);
    const r = await ctem(["--db", "d.db", "--json", "import", "insp.json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /demo: removed the demo estate before writing real data \(graph, \d+ issues, \d+ analyses/,
    );
    expect(await demoNodes()).toBe(0);
    // Its issues and analyses went with it: what is listed now is the real analysis' only.
    const issues = JSON.parse((await ctem(["--db", "d.db", "--json", "issues", "list"])).stdout) as {
      items: Array<{ demo: boolean }>;
    };
    expect(issues.items.filter((i) => i.demo)).toEqual([]);
  });

  it("exits 1 when a file cannot be read", async () => {
    const r = await ctem(["--db", "c.db", "--json", "import", "missing.json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      files: [{ name: "missing.json", status: "failed", errorCode: "not_found" }],
    });
  });
});
