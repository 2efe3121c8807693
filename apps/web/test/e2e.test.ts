// End to end in a real Chromium against the built app served by the real server (`ctem serve` on a
// temporary data directory with the demo estate; users made by `ctem users add --password-stdin`).
// Runs when /usr/bin/chromium exists; mandatory (fails, never skips) when CI is set (DESIGN "Tests").
// Screenshots go to apps/web/test-artifacts/; UPDATE_SCREENSHOTS=1 also refreshes the dashboard,
// triage and issue screenshots committed under docs/screenshots/.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";

const WEB = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = join(WEB, "..", "..");
const CHROMIUM = process.env.CTEM_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = join(WEB, "test-artifacts");
const SCREENSHOTS = join(ROOT, "docs", "screenshots");
const PASSWORD = "correct horse battery staple";
const haveChromium = existsSync(CHROMIUM);

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Build when there is no build or the sources are newer than it. */
async function ensureBuilt(): Promise<void> {
  const index = join(WEB, "dist", "index.html");
  const sources = Math.max(newest(join(WEB, "src")), statSync(join(WEB, "index.html")).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import("vite");
  await build({ root: WEB, logLevel: "warn", configFile: join(WEB, "vite.config.ts") });
}

const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const BIN = join(ROOT, "apps", "server", "src", "bin", "ctem.ts");

function ctem(data: string, args: string[], input?: string): void {
  const r = spawnSync(TSX, [BIN, ...args, "--data", data], { cwd: ROOT, input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ctem ${args.join(" ")} failed: ${r.stderr}`);
}

describe.runIf(haveChromium || process.env.CI)("web app in Chromium", () => {
  let data: string;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let url = "";

  beforeAll(async () => {
    if (!haveChromium)
      throw new Error(
        `CI is set and Chromium is missing at ${CHROMIUM}: install it (apt-get install chromium)`,
      );
    mkdirSync(ARTIFACTS, { recursive: true });
    data = mkdtempSync(join(tmpdir(), "ctem-e2e-"));
    const built = ensureBuilt();
    ctem(
      data,
      ["users", "add", "--email", "admin@example.com", "--role", "admin", "--password-stdin"],
      PASSWORD,
    );
    ctem(
      data,
      ["users", "add", "--email", "ana@example.com", "--role", "analyst", "--password-stdin"],
      PASSWORD,
    );
    ctem(
      data,
      [
        "users",
        "add",
        "--email",
        "dev@example.com",
        "--role",
        "developer",
        "--team",
        "payments",
        "--password-stdin",
      ],
      PASSWORD,
    );
    ctem(
      data,
      ["users", "add", "--email", "dev2@example.com", "--role", "developer", "--password-stdin"],
      PASSWORD,
    );
    server = spawn(TSX, [BIN, "serve", "--port", "0", "--host", "127.0.0.1", "--data", data], {
      cwd: ROOT,
      env: { ...process.env, CTEM_ADMIN_PASSWORD: PASSWORD },
      stdio: ["ignore", "ignore", "pipe"],
    });
    url = await new Promise<string>((resolve, reject) => {
      let err = "";
      const t = setTimeout(() => reject(new Error(`ctem serve did not start: ${err}`)), 60_000);
      server!.stderr!.on("data", (b: Buffer) => {
        err += b.toString();
        const m = /serving (http:\/\/[^ ]+)/.exec(err);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
      server!.on("exit", (code) => reject(new Error(`ctem serve exited ${code}: ${err}`)));
    });
    await built;
    browser = await chromium.launch({
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
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill("SIGTERM");
    if (data) rmSync(data, { recursive: true, force: true });
  });

  async function page(): Promise<Page> {
    const ctx = await browser!.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: "light" });
    return ctx.newPage();
  }
  async function login(p: Page, email: string) {
    await p.getByLabel("E-mail").fill(email);
    await p.getByLabel("Password").fill(PASSWORD);
    await p.getByRole("button", { name: "Sign in" }).click();
  }
  const shot = async (p: Page, name: string, committed = false) => {
    await p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
    // The committed copies change only when asked (or when missing): every run renders new dates.
    const docCopy = join(SCREENSHOTS, `${name}.png`);
    if (committed && (process.env.UPDATE_SCREENSHOTS === "1" || !existsSync(docCopy))) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      copyFileSync(join(ARTIFACTS, `${name}.png`), join(SCREENSHOTS, `${name}.png`));
    }
  };

  /** Runs a flow in a fresh context; on failure the page is saved as fail-<name>.png. */
  async function flow(name: string, f: (p: Page) => Promise<void>) {
    const p = await page();
    try {
      await f(p);
    } catch (e) {
      await p.screenshot({ path: join(ARTIFACTS, `fail-${name}.png`) }).catch(() => undefined);
      throw e;
    } finally {
      await p.context().close();
    }
  }

  let alias = "";
  let otherAlias = "";

  it(
    "an analyst signs in, sees the dashboard, filters to critical, opens an issue and assigns it to a developer",
    () =>
      flow("analyst", async (p) => {
        await p.goto(`${url}/`);
        await p.waitForURL(/\/login/);
        await login(p, "ana@example.com");
        await p.getByRole("heading", { name: "Dashboard" }).waitFor();
        await p.getByText("Demo data.").waitFor();
        await p.getByRole("list", { name: "Open issues by severity" }).waitFor();
        await p.getByRole("heading", { name: "Mean time to remediate" }).waitFor();
        await p.getByRole("heading", { name: /Fix plan/ }).waitFor();
        await p.getByRole("button", { name: /What would these \d changes close/ }).click();
        await p.getByText(/These \d changes would close/).waitFor();
        await shot(p, "dashboard", true);

        await p.getByRole("link", { name: "Issues", exact: true }).click();
        await p.getByRole("table").waitFor();
        // An unassigned issue: the developer will try it and get the 403 page.
        const unassigned = p
          .locator("tbody tr")
          .filter({ has: p.locator("td:nth-child(7)", { hasText: "—" }) });
        otherAlias = (await unassigned.last().locator("td:nth-child(2)").innerText()).trim();
        const filtered = p.waitForResponse((r) => r.url().includes("severity=critical") && r.ok());
        await p.locator("label.chip", { hasText: "critical" }).click();
        await p.waitForURL(/severity=critical/);
        await filtered;
        await p.getByRole("table").waitFor();
        const severities = await p.locator("tbody tr td:nth-child(3)").allInnerTexts();
        expect(severities.length).toBeGreaterThan(0);
        expect(new Set(severities.map((s) => s.trim()))).toEqual(new Set(["critical"]));
        const aliases = await p.locator("tbody tr td:nth-child(2)").allInnerTexts();
        alias = aliases.map((a) => a.trim()).find((a) => a !== otherAlias)!;
        await shot(p, "triage", true);

        await p.getByRole("link", { name: alias, exact: true }).click();
        await p.waitForURL(new RegExp(`/issues/${alias}$`));
        await p.getByRole("heading", { name: "Attack path" }).waitFor();
        await p.locator(".react-flow__node").first().waitFor();
        expect(await p.locator(".react-flow__node").count()).toBeGreaterThanOrEqual(2);
        expect(await p.locator(".react-flow__edge").count()).toBeGreaterThanOrEqual(1);
        await expect(p.getByRole("heading", { name: "Evidence" }).first().isVisible()).resolves.toBe(true);
        await expect(p.getByRole("heading", { name: "Why this score" }).isVisible()).resolves.toBe(true);
        expect(await p.locator("table.factors tbody tr").count()).toBeGreaterThan(0);
        await shot(p, "issue-critical");

        await p.getByLabel("Assignee (e-mail)").fill("dev@example.com");
        await p.getByRole("button", { name: "Assign", exact: true }).click();
        await p.getByRole("status").filter({ hasText: "Saved." }).waitFor();
        await p.getByRole("heading", { name: "History" }).waitFor();
        await p.locator(".history").getByText("assignee").first().waitFor();

        // The graph explorer: from the entry asset to its neighbours and the issues through it.
        await p.locator(".issue-head a[href^='/assets/']").first().click();
        await p.getByRole("heading", { name: "Issues through this asset" }).waitFor();
        await p.getByRole("link", { name: alias, exact: true }).waitFor();
        await p.getByRole("heading", { name: "Neighbours" }).waitFor();
        await shot(p, "asset");
        await p.getByRole("link", { name: "Scans" }).click();
        await p.getByRole("heading", { name: "Scans" }).waitFor();

        // The committed screenshot shows a longer path: the load-balancer one the demo estate carries.
        await p.goto(`${url}/issues?status=open,in_progress&q=load%20balancer`);
        await p.locator("tbody tr td:nth-child(2) a").first().click();
        await p.locator(".react-flow__edge").nth(1).waitFor();
        await shot(p, "issue", true);
      }),
    60_000,
  );

  it(
    "the developer opens the deep link, signs in, lands on the issue and marks it fixed",
    () =>
      flow("developer", async (p) => {
        await p.goto(`${url}/issues/${alias}`);
        await p.waitForURL(/\/login\?next=/);
        await login(p, "dev@example.com");
        await p.waitForURL(new RegExp(`/issues/${alias}$`));
        await p.getByRole("heading", { name: "Attack path" }).waitFor();
        await p.getByText("Assigned to").waitFor();
        await p.locator('select[name="status"]').selectOption("fixed");
        await p.getByRole("status").filter({ hasText: "Saved." }).waitFor();
        await p.locator(".issue-head .badge.status", { hasText: "fixed" }).waitFor();

        await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My issues" }).click();
        await p.getByRole("heading", { name: "My issues" }).waitFor();

        // Someone else's issue: the 403 page says who can grant access.
        await p.goto(`${url}/issues/${otherAlias}`);
        await p.getByRole("heading", { name: /403/ }).waitFor();
        await p.getByText("ctem admin").waitFor();
        await shot(p, "forbidden");
      }),
    60_000,
  );

  it(
    "an admin creates an AWS scope and is shown its external id; the theme switches to dark",
    () =>
      flow("admin", async (p) => {
        await p.goto(`${url}/settings`);
        await login(p, "admin@example.com");
        await p.waitForURL(/\/settings$/);
        await p.getByRole("heading", { name: "Scopes" }).waitFor();
        await p.getByRole("heading", { name: "Users" }).waitFor();
        await p.getByText("dev@example.com").waitFor();
        await p.getByLabel("Name", { exact: true }).fill("prod-aws");
        await p.getByLabel("Account id").fill("123456789012");
        await p.getByLabel("Scanner role ARN").fill("arn:aws:iam::123456789012:role/ctem-scanner");
        await p.getByRole("button", { name: "Create scope" }).click();
        const externalId = (await p.locator("code.external-id").innerText()).trim();
        expect(externalId.length).toBeGreaterThanOrEqual(2);
        const row = p.locator("tbody tr", { hasText: "prod-aws" });
        await row.waitFor();
        expect(await row.innerText()).toContain(externalId);
        await shot(p, "settings");
        const refetched = p.waitForResponse(
          (r) => r.url().endsWith("/api/users") && r.request().method() === "GET",
        );
        await p.getByLabel("Role of dev2@example.com").selectOption("analyst");
        await refetched;
        await expect(p.getByLabel("Role of dev2@example.com").inputValue()).resolves.toBe("analyst");
        await p.locator('input[name="sla-critical"]').fill("5");
        await p.getByRole("button", { name: "Save SLAs" }).click();
        await expect(p.getByRole("button", { name: "Save SLAs" }).isDisabled()).resolves.toBe(true);
        await p.getByLabel("New token name").fill("ci");
        await p.getByRole("button", { name: "Create token" }).click();
        const token = (
          await p.getByRole("status").filter({ hasText: "Copy the token now" }).locator("code").innerText()
        ).trim();
        expect(token).toMatch(/^ctem_/);
        await p.getByRole("button", { name: "Dark theme" }).click();
        await p.waitForFunction(() => document.documentElement.dataset.theme === "dark");
        await shot(p, "settings-dark");
        await p.getByLabel("Webhook name").fill("chat");
        await p.getByLabel("URL", { exact: true }).fill("https://hooks.example.com/ctem");
        await p.getByRole("button", { name: "Add webhook" }).click();
        await p.getByRole("status").filter({ hasText: "Signing secret" }).waitFor();
        await p.getByText("https://hooks.example.com/ctem", { exact: true }).waitFor();
        // The issue page in the dark theme: the graph follows it.
        await p.goto(`${url}/issues/${alias}`);
        await p.locator(".react-flow.dark").waitFor();
        await shot(p, "issue-dark");
      }),
    60_000,
  );
});
