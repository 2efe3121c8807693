// ctem demo, issues and jewels as scripts use them: one JSON document on stdout (DESIGN's issue
// JSON, `{ items }` for lists), progress on stderr, exit 2 for bad usage, 1 for an unknown issue.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ctem-engine-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

describe("ctem demo, issues, jewels", () => {
  it("loads the demo, lists and shows its issues, pins and unpins a crown jewel, removes the demo", async () => {
    const demo = await ctem(["demo", "--assets", "200", "--seed", "3", "--json"]);
    expect(demo.code).toBe(0);
    expect(demo.stderr).toContain("demo: wrote");
    const summary = JSON.parse(demo.stdout) as { issues: Record<string, number>; analysisId: string };
    expect(summary.issues.critical).toBeGreaterThanOrEqual(1);

    const list = await ctem(["issues", "list", "--severity", "critical,high", "--json"]);
    expect(list.code).toBe(0);
    const { items } = JSON.parse(list.stdout) as { items: Array<Record<string, unknown>> };
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.severity === "critical" || i.severity === "high")).toBe(true);
    expect(items[0]).not.toHaveProperty("statusBeforeResolution");
    expect(Object.keys(items[0]!)).toEqual(
      expect.arrayContaining([
        "key",
        "alias",
        "title",
        "rule",
        "score",
        "confidence",
        "entry",
        "target",
        "paths",
        "factors",
        "remediation",
        "dueAt",
        "assignee",
        "demo",
      ]),
    );
    const alias = items[0]!.alias as string;
    const show = await ctem(["issues", "show", alias.toLowerCase(), "--json"]);
    expect(show.code).toBe(0);
    expect((JSON.parse(show.stdout) as { key: string }).key).toBe(items[0]!.key);
    const text = await ctem(["issues", "show", alias]);
    expect(text.stdout).toContain("path 0");
    expect(text.stdout).toContain("remediation");

    expect((await ctem(["issues", "show", "ISS-999999"])).code).toBe(1);
    expect((await ctem(["issues", "list", "--status", "done"])).code).toBe(2);

    const target = (items[0]!.target as { id: string }).id;
    const pin = await ctem(["jewels", "pin", target, "--tier", "2", "--json"]);
    expect(pin.code).toBe(0);
    expect(pin.stderr).toContain("ctem analyze");
    const jewels = JSON.parse((await ctem(["jewels", "list", "--json"])).stdout) as {
      items: Array<{ nodeId: string; tier: number; reason: string; analysed: boolean }>;
    };
    expect(jewels.items).toContainEqual(
      expect.objectContaining({ nodeId: target, tier: 2, reason: "pin", analysed: false }),
    );
    expect((await ctem(["jewels", "unpin", target])).code).toBe(0);
    expect((await ctem(["jewels", "unpin", target])).code).toBe(1);

    // `ctem analyze` runs the whole analysis and commits it: the issues are the same ones, re-analysed.
    const analysed = await ctem(["analyze", "--json"]);
    expect(analysed.code).toBe(0);
    const a = JSON.parse(analysed.stdout) as {
      analysisId: string;
      issues: Record<string, number>;
      counts: { issues: number };
    };
    expect(a.analysisId).not.toBe(summary.analysisId);
    expect(a.counts.issues).toBeGreaterThan(0);
    const relisted = JSON.parse((await ctem(["issues", "list", "--json"])).stdout) as {
      items: Array<{ key: string; alias: string }>;
    };
    expect(relisted.items.find((i) => i.key === items[0]!.key)?.alias).toBe(alias);

    const removed = await ctem(["demo", "--remove", "--json"]);
    expect(JSON.parse(removed.stdout)).toEqual({ removed: true });
    expect(JSON.parse((await ctem(["assets", "list", "--source", "demo", "--json"])).stdout)).toEqual({
      items: [],
    });
  }, 60_000);
});
