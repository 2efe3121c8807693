// Web budgets (DESIGN "Performance"): the initial JavaScript of the built app, gzip (< 300 KB), and
// the issue page's largest contentful paint on the demo estate (< 1 s), measured in the same
// Chromium the end-to-end test drives, against the real server (`ctem serve`, temporary data dir).
// playwright-core and vite are @ctem/web's dev dependencies; they are resolved from there.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { BenchFigure, Measurement } from "../harness.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const WEB = path.join(ROOT, "apps", "web");
const CHROMIUM = "/usr/bin/chromium";
const PASSWORD = "bench password 1234";
const KB = 1024;

/** The little of playwright-core used here (resolved at run time from apps/web, where it is installed). */
interface PwPage {
  goto(url: string): Promise<unknown>;
  locator(sel: string): { first(): { waitFor(): Promise<void> } };
  waitForTimeout(ms: number): Promise<void>;
  evaluate<T>(expression: string): Promise<T>;
}
interface PwContext {
  request: { post(url: string, o: { data: unknown }): Promise<{ ok(): boolean; status(): number }> };
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
}
interface PwBrowser {
  newContext(o: { viewport: { width: number; height: number } }): Promise<PwContext>;
  close(): Promise<void>;
}
interface PwChromium {
  launch(o: { executablePath: string; args: string[] }): Promise<PwBrowser>;
}

/** The page's largest contentful paint so far (ms since navigation start), read in the browser. */
const READ_LCP = `new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const e = list.getEntries();
    resolve(e[e.length - 1].startTime);
  }).observe({ type: "largest-contentful-paint", buffered: true });
})`;

/** The scripts index.html loads before anything else: the entry and its modulepreloads. */
export function initialScripts(indexHtml: string): string[] {
  const out: string[] = [];
  for (const m of indexHtml.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) out.push(m[1]!);
  for (const m of indexHtml.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) out.push(m[1]!);
  return [...new Set(out)];
}

function build(log: (m: string) => void): void {
  // vite's package exports do not list its bin; its package.json does.
  const pkg = createRequire(path.join(WEB, "package.json")).resolve("vite/package.json");
  const vite = path.join(path.dirname(pkg), "bin", "vite.js");
  log("building apps/web");
  const r = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: WEB,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`vite build failed: ${r.stderr}`);
}

async function issueLcp(
  tmpDir: string,
  log: (m: string) => void,
): Promise<{ medianMs: number; runs: number[] }> {
  const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
  const bin = path.join(ROOT, "apps", "server", "src", "bin", "ctem.ts");
  const data = path.join(tmpDir, "data");
  const add = spawnSync(
    tsx,
    [
      bin,
      "users",
      "add",
      "--email",
      "bench@example.com",
      "--role",
      "analyst",
      "--password-stdin",
      "--data",
      data,
    ],
    { cwd: ROOT, input: PASSWORD, encoding: "utf8" },
  );
  if (add.status !== 0) throw new Error(`ctem users add failed: ${add.stderr}`);
  const server = spawn(tsx, [bin, "serve", "--port", "0", "--data", data], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = "";
      server.stderr.on("data", (b: Buffer) => {
        err += b.toString();
        const m = /serving (http:\/\/[^ ]+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      server.on("exit", (c) => reject(new Error(`ctem serve exited ${c}: ${err}`)));
    });
    log(`server at ${url}`);
    const { chromium } = createRequire(path.join(WEB, "package.json"))("playwright-core") as {
      chromium: PwChromium;
    };
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const runs: number[] = [];
      for (let i = 0; i < 4; i++) {
        // A fresh context each time: a cold cache, as for a developer arriving from a link.
        const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
        const login = await ctx.request.post(`${url}/api/auth/login`, {
          data: { email: "bench@example.com", password: PASSWORD },
        });
        if (!login.ok()) throw new Error(`login failed: ${login.status()}`);
        const page = await ctx.newPage();
        await page.goto(`${url}/issues/ISS-1`);
        await page.locator(".react-flow__node").first().waitFor();
        await page.waitForTimeout(300);
        const lcp = await page.evaluate<number>(READ_LCP);
        if (i > 0) runs.push(lcp); // the first load warms the server's own caches
        await ctx.close();
      }
      runs.sort((a, b) => a - b);
      return { medianMs: runs[Math.floor(runs.length / 2)]!, runs };
    } finally {
      await browser.close();
    }
  } finally {
    server.kill("SIGTERM");
  }
}

export const webMeasurement: Measurement = {
  name: "web",
  description: "web app: initial JavaScript (gzip) and the issue page's LCP in Chromium on the demo estate",
  async run(ctx) {
    const { tmpDir } = ctx;
    const log = (m: string) => ctx.log(m);
    build(log);
    const dist = path.join(WEB, "dist");
    const scripts = initialScripts(readFileSync(path.join(dist, "index.html"), "utf8"));
    const gz = scripts.reduce((n, s) => n + gzipSync(readFileSync(path.join(dist, s))).length, 0);
    const figures: BenchFigure[] = [
      {
        metric: "initial JS (gzip)",
        value: gz / KB,
        unit: "KB",
        target: { op: "<=", value: 300 },
        note: `${scripts.length} file(s) loaded by index.html; the issue page and the graph library are a lazy chunk`,
      },
    ];
    if (!existsSync(CHROMIUM)) {
      log(`no Chromium at ${CHROMIUM}: LCP not measured`);
      return figures;
    }
    const lcp = await issueLcp(tmpDir, log);
    figures.push({
      metric: "issue page LCP",
      value: lcp.medianMs,
      unit: "ms",
      target: { op: "<=", value: 1000 },
      note: `median of ${lcp.runs.length} cold loads of /issues/ISS-1 (${lcp.runs.map((r) => Math.round(r)).join(", ")} ms)`,
    });
    return figures;
  },
};
