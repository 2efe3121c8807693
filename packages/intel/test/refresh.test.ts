// `refresh` against a local HTTP server (the only network here): a good download replaces the feed,
// a truncated or malformed one is refused and the previous data stays in use; 5xx is retried, 4xx not.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIntel } from "../src/intel.js";

const kevSnapshot = readFileSync(
  new URL("../data/known_exploited_vulnerabilities.json", import.meta.url),
  "utf8",
);
// A newer catalog: the snapshot with one more entry.
const kevNewer = (() => {
  const cat = JSON.parse(kevSnapshot) as {
    catalogVersion: string;
    count: number;
    vulnerabilities: unknown[];
  };
  cat.catalogVersion = "2026.02.02";
  cat.vulnerabilities.unshift({
    cveID: "CVE-2026-99999",
    vendorProject: "Example",
    product: "Gateway",
    vulnerabilityName: "Example Gateway Test Vulnerability",
    dateAdded: "2026-02-02",
    shortDescription: "A test entry.",
    requiredAction: "Apply updates per vendor instructions.",
    dueDate: "2026-02-23",
    knownRansomwareCampaignUse: "Unknown",
    notes: "",
    cwes: [],
  });
  cat.count = cat.vulnerabilities.length;
  return JSON.stringify(cat);
})();
const epssNewer = gzipSync(
  "#model_version:v2025.03.14,score_date:2026-02-02T12:55:00Z\ncve,epss,percentile\n" +
    Array.from({ length: 500 }, (_, i) => `CVE-2021-${44228 + i},${i === 0 ? "0.5" : "4e-05"},0.5\n`).join(
      "",
    ),
);

let hits: Record<string, number> = {};
const server = createServer((req, res) => {
  const url = req.url ?? "";
  hits[url] = (hits[url] ?? 0) + 1;
  const send = (status: number, body: string | Buffer) => {
    res.writeHead(status, { "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  if (url === "/kev.json") send(200, kevNewer);
  else if (url === "/epss.csv.gz") send(200, epssNewer);
  else if (url === "/epss-truncated.csv.gz")
    send(200, epssNewer.subarray(0, Math.floor(epssNewer.length / 2)));
  else if (url === "/kev-malformed.json") send(200, kevNewer.slice(0, 40_000));
  else if (url === "/epss-wrong-columns.csv")
    send(200, "#model_version:v1,score_date:2026-02-02\ncve,epss,percentile\nCVE-2021-44228,0.5\n");
  else if (url === "/flaky/epss.csv.gz") {
    if (hits[url] === 1) send(503, "busy");
    else send(200, epssNewer);
  } else send(404, "not found");
});

let base = "";
let dataDir = "";
const now = () => new Date("2026-02-03T08:00:00Z");
const make = (urls: { kev?: string; epss?: string }) =>
  createIntel({
    dataDir,
    now,
    fetch: globalThis.fetch,
    refresh: { urls, retryDelayMs: 10, timeoutMs: 5_000 },
  });
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dataDir = await mkdtemp(path.join(tmpdir(), "ctem-intel-"));
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dataDir, { recursive: true, force: true });
});

describe("refresh", () => {
  it("downloads good files, validates them, and serves them from the data directory", async () => {
    const intel = make({ kev: `${base}/kev.json`, epss: `${base}/epss.csv.gz` });
    expect((await intel.lookup("CVE-2021-44228")).epss?.score).toBe(0.94358); // the snapshot
    const results = await intel.refresh();
    expect(results.map((r) => [r.feed, r.status, r.rows, r.skipped?.count, r.attempts])).toEqual([
      ["kev", "updated", 1_502, 0, 1],
      ["epss", "updated", 500, 0, 1],
    ]);
    expect(existsSync(path.join(dataDir, "feeds", "known_exploited_vulnerabilities.json"))).toBe(true);
    const meta = JSON.parse(await readFile(path.join(dataDir, "feeds", "feeds.json"), "utf8")) as Record<
      string,
      { fetchedAt: string; url: string }
    >;
    expect(meta.epss).toMatchObject({
      url: `${base}/epss.csv.gz`,
      fetchedAt: "2026-02-03T08:00:00.000Z",
      file: "epss_scores.csv.gz",
    });

    const rec = await intel.lookup("CVE-2021-44228");
    expect(rec.epss).toEqual({
      score: 0.5,
      percentile: 0.5,
      modelVersion: "v2025.03.14",
      scoreDate: "2026-02-02T12:55:00Z",
    });
    expect((await intel.lookup("CVE-2026-99999")).kev?.catalogVersion).toBe("2026.02.02");
    const status = await intel.status();
    expect(
      status.slice(0, 2).map((s) => [s.feed, s.origin, s.version, s.ageDays, s.stale, s.fetchedAt]),
    ).toEqual([
      ["kev", "data", "2026.02.02", 4, false, "2026-02-03T08:00:00.000Z"],
      ["epss", "data", "v2025.03.14", 0, false, "2026-02-03T08:00:00.000Z"],
    ]);
    // A fresh instance (a new process) finds the downloaded feeds too.
    expect((await make({}).lookup("CVE-2021-44228")).epss?.score).toBe(0.5);
  });

  it("refuses a truncated and a malformed download; the previous feeds stay in use", async () => {
    const epssFile = path.join(dataDir, "feeds", "epss_scores.csv.gz");
    const kevFile = path.join(dataDir, "feeds", "known_exploited_vulnerabilities.json");
    const before = [sha(epssFile), sha(kevFile)];
    const intel = make({ kev: `${base}/kev-malformed.json`, epss: `${base}/epss-truncated.csv.gz` });
    const results = await intel.refresh();
    expect(results.map((r) => [r.feed, r.status])).toEqual([
      ["kev", "failed"],
      ["epss", "failed"],
    ]);
    expect(results[0]!.error).toMatch(
      new RegExp(
        `^refused: ${base}/kev-malformed\\.json \\(known_exploited_vulnerabilities\\.json\\):\\d+: not valid JSON`,
      ),
    );
    expect(results[1]!.error).toMatch(/epss_scores\.csv\.gz\):\d+: gzip data ends or breaks here/);
    expect(results[1]!.error).toMatch(/the previous data stays in use$/);
    expect([sha(epssFile), sha(kevFile)]).toEqual(before);
    expect((await intel.lookup("CVE-2021-44228")).epss?.score).toBe(0.5);
    expect((await intel.lookup("CVE-2026-99999")).kev).toBeDefined();

    const wrong = await make({ epss: `${base}/epss-wrong-columns.csv` }).refresh(["epss"]);
    expect(wrong[0]!.error).toMatch(
      /epss_scores\.csv\):3: expected 3 columns \(cve,epss,percentile\), found 2/,
    );
    expect(existsSync(path.join(dataDir, "feeds", "epss_scores.csv"))).toBe(false);
  });

  it("retries a 503 and gives up at once on a 404", async () => {
    hits = {};
    const flaky = await make({ epss: `${base}/flaky/epss.csv.gz` }).refresh(["epss"]);
    expect(flaky[0]).toMatchObject({ status: "updated", attempts: 2 });
    const missing = await make({ kev: `${base}/gone.json` }).refresh(["kev"]);
    expect(missing[0]).toMatchObject({
      status: "failed",
      attempts: 1,
      error: `download failed: ${base}/gone.json answered 404 Not Found`,
    });
    expect(hits["/gone.json"]).toBe(1);
  });

  it("reports an unreachable server after its retries", async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const closed = await make({ kev: `http://127.0.0.1:${port}/kev.json` }).refresh(["kev"]);
    expect(closed[0]).toMatchObject({ status: "failed", attempts: 3 });
    expect(closed[0]!.error).toMatch(/^download failed: fetch failed \(ECONNREFUSED\)/);
  });
});
