// `ctem intel` from the command line: works offline from the bundled snapshot on a fresh data dir.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";

const dir = mkdtempSync(path.join(tmpdir(), "ctem-intel-cli-"));
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

describe("ctem intel", () => {
  it("looks up a KEV CVE offline with KEV, EPSS and CVSS merged", async () => {
    const r = await ctem(["intel", "lookup", "CVE-2021-44228", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      cve: string;
      kev?: { product: string; dateAdded: string };
      epss?: { score: number };
      cvss?: { baseScore: number };
    };
    expect(doc.cve).toBe("CVE-2021-44228");
    expect(doc.kev).toMatchObject({ product: "Log4j2", dateAdded: "2021-12-10" });
    expect(doc.epss?.score).toBeCloseTo(0.94358, 5);
    expect(doc.cvss?.baseScore).toBe(10);
  });

  it("reports each feed's date and refuses a malformed CVE id as bad usage", async () => {
    const s = await ctem(["intel", "status", "--json"]);
    expect(s.code).toBe(0);
    const feeds = (JSON.parse(s.stdout) as { items: { feed: string; rows?: number }[] }).items;
    expect(feeds.find((f) => f.feed === "epss")?.rows).toBe(313_089);
    expect(feeds.find((f) => f.feed === "kev")?.rows).toBe(1_501);
    expect((await ctem(["intel", "lookup", "log4shell"])).code).toBe(2);
  });
});
