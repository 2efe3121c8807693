// End to end in a real Chromium against the built app served by the real server (`ctem serve` on a
// temporary data directory with the demo estate; users made by `ctem users add --password-stdin`).
// Runs when /usr/bin/chromium exists; mandatory (fails, never skips) when CI is set (DESIGN "Tests").
// Screenshots go to apps/web/test-artifacts/; UPDATE_SCREENSHOTS=1 also refreshes the dashboard,
// triage and issue screenshots committed under docs/screenshots/.
import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { readFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { auditPage, axeAudit, keyboardWalk } from "./a11y";

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
  // A real webhook receiver: the deliveries view must show what it answered.
  let receiver: Server | undefined;
  let hookUrl = "";
  const received: Array<{ event: string; signature: string | undefined }> = [];

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
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (b: Buffer) => (body += b.toString()));
      req.on("end", () => {
        const sig = req.headers["x-ctem-signature"];
        received.push({
          event: (JSON.parse(body) as { event: string }).event,
          signature: Array.isArray(sig) ? sig[0] : sig,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver!.listen(0, "127.0.0.1", r));
    const addr = receiver.address();
    hookUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/ctem`;
    server = spawn(TSX, [BIN, "serve", "--port", "0", "--host", "127.0.0.1", "--data", data], {
      cwd: ROOT,
      // The scan at the end goes to a closed loopback port with made-up keys: it fails at once,
      // which is all the live-progress check needs (and nothing leaves the machine).
      env: {
        ...process.env,
        CTEM_ADMIN_PASSWORD: PASSWORD,
        AWS_ENDPOINT_URL: "http://127.0.0.1:9",
        AWS_ACCESS_KEY_ID: "AKIAE2ETESTEXAMPLE00",
        AWS_SECRET_ACCESS_KEY: "e2e-not-a-real-secret",
        AWS_REGION: "us-east-1",
        AWS_MAX_ATTEMPTS: "1",
        AWS_EC2_METADATA_DISABLED: "true",
      },
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
    receiver?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  async function page(): Promise<Page> {
    const ctx = await browser!.newContext({
      viewport: { width: 1360, height: 900 },
      colorScheme: "light",
      permissions: ["clipboard-read", "clipboard-write"],
      acceptDownloads: true,
    });
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
        // The feed warning shows exactly when the API calls KEV or EPSS missing or stale.
        const feeds = await p.evaluate(async () => {
          const r = await fetch("/api/intel/status");
          return ((await r.json()) as { items: Array<{ feed: string; stale: boolean; rows: number }> }).items;
        });
        const due = ["kev", "epss"].some((n) => {
          const f = feeds.find((x) => x.feed === n);
          return !f || f.stale || f.rows === 0;
        });
        const warning = p.getByRole("note").filter({ hasText: "Threat-intel feeds need a refresh." });
        if (due) await expect(warning.getByText("ctem intel refresh").isVisible()).resolves.toBe(true);
        else expect(await warning.count()).toBe(0);
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
        // A copy button puts exactly the shown command on the clipboard.
        const cli = p
          .locator(".remediation .code")
          .filter({ has: p.locator(".code-head", { hasText: /^CLI/ }) });
        if ((await cli.count()) > 0) {
          await cli.first().getByRole("button", { name: "Copy CLI" }).click();
          await cli.first().getByRole("button", { name: "Copied" }).waitFor();
          const pasted = await p.evaluate(() => navigator.clipboard.readText());
          expect(pasted).toBe(await cli.first().locator("pre").innerText());
          expect(pasted.length).toBeGreaterThan(5);
        }

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

  let bulkAliases: string[] = [];

  it(
    "keyboard shortcuts move, select and open; bulk assignment and status change apply to the selection",
    () =>
      flow("triage", async (p) => {
        await p.goto(`${url}/issues`);
        await login(p, "ana@example.com");
        await p.getByRole("table").waitFor();
        const rows = p.locator("tbody tr");
        const keys = (await p.locator("tbody tr td:nth-child(2)").allInnerTexts()).map((a) => a.trim());
        expect(keys.length).toBeGreaterThan(4);
        // "/" jumps to the search field; a click on the heading leaves it again.
        await p.keyboard.press("/");
        await expect(p.evaluate(() => document.activeElement?.id)).resolves.toBe("issue-search");
        await p.locator("#issues-title").click();
        await p.keyboard.press("j");
        await p.keyboard.press("j");
        await p.locator('tbody tr[data-index="2"].cursor').waitFor();
        await p.keyboard.press("k");
        await p.locator('tbody tr[data-index="1"].cursor').waitFor();
        // Two issues the other flows do not use: x selects the one under the cursor, a click the other.
        const free = keys.map((k, n) => ({ k, n })).filter((r) => r.k !== alias && r.k !== otherAlias);
        const [a, b] = [free[0]!, free[1]!];
        for (let n = 1; n > a.n; n--) await p.keyboard.press("k");
        for (let n = 1; n < a.n; n++) await p.keyboard.press("j");
        await p.locator(`tbody tr[data-index="${a.n}"].cursor`).waitFor();
        await p.keyboard.press("x");
        await expect(rows.nth(a.n).getByRole("checkbox").isChecked()).resolves.toBe(true);
        await p.getByLabel(`Select ${b.k}`, { exact: true }).check();
        const bar = p.getByRole("region", { name: "Bulk actions" });
        await bar.getByText("2 selected").waitFor();
        bulkAliases = [a.k, b.k];

        await bar.getByLabel("Assign selected to (e-mail)").fill("dev2@example.com");
        const assigned = p.waitForResponse((r) => r.url().endsWith("/api/issues/bulk") && r.ok());
        await bar.getByRole("button", { name: "Assign" }).click();
        expect(((await (await assigned).json()) as { updated: string[] }).updated.sort()).toEqual(
          [...bulkAliases].sort(),
        );
        for (const k of bulkAliases)
          await rows
            .filter({ has: p.getByRole("link", { name: k, exact: true }) })
            .getByText("dev2@example.com")
            .waitFor();

        for (const k of bulkAliases) await p.getByLabel(`Select ${k}`, { exact: true }).check();
        await bar.getByLabel("Set status of selected").selectOption("in_progress");
        await bar.getByRole("button", { name: "Set status" }).click();
        for (const k of bulkAliases)
          await rows
            .filter({ has: p.getByRole("link", { name: k, exact: true }) })
            .locator(".badge.status", { hasText: "in progress" })
            .waitFor();
        await shot(p, "triage-bulk");

        // Enter opens the issue under the cursor.
        const under = (await p.locator("tbody tr.cursor td:nth-child(2)").innerText()).trim();
        await p.keyboard.press("Enter");
        await p.waitForURL(new RegExp(`/issues/${under}$`));
        await p.getByRole("heading", { name: "Attack path" }).waitFor();
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

        // The developer's export holds their issue and not someone else's.
        await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Exports" }).click();
        await p.getByRole("heading", { name: "Exports" }).waitFor();
        expect(await p.getByRole("heading", { name: /SARIF/ }).count()).toBe(0);
        const [dl] = await Promise.all([
          p.waitForEvent("download"),
          p.getByRole("button", { name: "Download Issues (CSV)" }).click(),
        ]);
        expect(dl.suggestedFilename()).toMatch(/^ctem-issues-\d{4}-\d{2}-\d{2}\.csv$/);
        const csv = readFileSync(await dl.path(), "utf8");
        expect(csv).toContain(alias);
        expect(csv).not.toContain(`${otherAlias},`);
        await p.getByText(/Saved ctem-issues-/).waitFor();
      }),
    60_000,
  );

  let scopeId = "";

  it(
    "an admin creates an AWS scope, follows its guided setup (copying the template), edits and deletes scopes",
    () =>
      flow("admin-scopes", async (p) => {
        await p.goto(`${url}/settings`);
        await login(p, "admin@example.com");
        await p.waitForURL(/\/settings$/);
        await p.getByRole("heading", { name: "Scopes" }).waitFor();
        await p.getByRole("heading", { name: "Users" }).waitFor();
        await p.getByText("dev@example.com").first().waitFor();
        const create = async (name: string, account: string) => {
          await p.getByLabel("Name", { exact: true }).fill(name);
          await p.getByLabel("Account id").fill(account);
          await p.getByLabel("Scanner role ARN").fill(`arn:aws:iam::${account}:role/ctem-scanner`);
          await p.getByRole("button", { name: "Create scope" }).click();
          await p
            .getByRole("status")
            .filter({ hasText: `Scope ${name} created` })
            .waitFor();
        };
        await create("prod-aws", "123456789012");
        const externalId = (await p.locator("code.external-id").innerText()).trim();
        expect(externalId).toMatch(/^ctem-[0-9a-f]{32}$/);
        const row = p.locator("tbody tr", { hasText: "prod-aws" });
        await row.waitFor();
        expect(await row.innerText()).toContain(externalId);
        await shot(p, "settings");

        // The guided setup: the template with this external id, copied whole by its button.
        await p.getByRole("link", { name: "Open the guided setup" }).click();
        await p.waitForURL(/\/settings\/scopes\/scope-/);
        scopeId = decodeURIComponent(p.url().split("/").pop()!);
        await p.getByRole("heading", { name: "Set up the scanner role in account 123456789012" }).waitFor();
        await p.getByRole("button", { name: "Copy CloudFormation template" }).click();
        await p.getByRole("button", { name: "Copied" }).waitFor();
        const template = JSON.parse(await p.evaluate(() => navigator.clipboard.readText())) as {
          Parameters: { ExternalId: { Default: string }; RoleName: { Default: string } };
          Resources: { ScannerRole: { Type: string } };
        };
        expect(template.Parameters.ExternalId.Default).toBe(externalId);
        expect(template.Parameters.RoleName.Default).toBe("ctem-scanner");
        expect(template.Resources.ScannerRole.Type).toBe("AWS::IAM::Role");
        await p.getByRole("button", { name: "Copy scanner policy" }).click();
        const policy = JSON.parse(await p.evaluate(() => navigator.clipboard.readText())) as {
          Statement: Array<{ Action: string[] }>;
        };
        expect(policy.Statement.flatMap((x) => x.Action)).toContain("ec2:DescribeSecurityGroups");
        expect(await p.getByLabel("Deploy command").innerText()).toContain(`ExternalId=${externalId}`);
        const [file] = await Promise.all([
          p.waitForEvent("download"),
          p.getByRole("link", { name: "Download ctem-scanner-prod-aws.json" }).click(),
        ]);
        expect(file.suggestedFilename()).toBe("ctem-scanner-prod-aws.json");
        expect(JSON.parse(readFileSync(await file.path(), "utf8"))).toEqual(template);
        await shot(p, "scope-setup");
        await p.locator('input[name="edit-regions"]').fill("eu-west-1, us-east-1");
        await p.getByRole("button", { name: "Save scope" }).click();
        await p.getByRole("status").filter({ hasText: "Saved." }).waitFor();

        // A second scope, deleted again from its page (its data kept).
        await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
        await p.getByRole("table").first().getByText("eu-west-1, us-east-1").waitFor();
        await create("old-aws", "210987654321");
        await p.getByRole("link", { name: "Set up and edit old-aws" }).click();
        await p.getByRole("heading", { name: /Scope old-aws/ }).waitFor();
        await p.getByLabel(/Keep the scanned assets/).check();
        await p.getByRole("button", { name: "Delete scope" }).click();
        await p.getByRole("button", { name: "Delete old-aws for good" }).click();
        await p.waitForURL(/\/settings$/);
        await p.locator("tbody tr", { hasText: "prod-aws" }).waitFor();
        await expect.poll(() => p.locator("tbody tr", { hasText: "old-aws" }).count()).toBe(0);
      }),
    60_000,
  );

  it(
    "an admin manages people, SSO, SLAs, tokens and webhooks; accepts a risk with an expiry; reads deliveries, the audit log and exports",
    () =>
      flow("admin", async (p) => {
        await p.goto(`${url}/settings`);
        await login(p, "admin@example.com");
        await p.getByRole("heading", { name: "Users" }).waitFor();
        const patched = p.waitForResponse(
          (r) => r.url().includes("/api/users/") && r.request().method() === "PATCH",
        );
        await p.getByLabel("Role of dev2@example.com").selectOption("analyst");
        expect((await patched).status()).toBe(200);
        await expect.poll(() => p.getByLabel("Role of dev2@example.com").inputValue()).toBe("analyst");
        // Teams: one made here; the developer's team (named on the user) is listed with its member.
        await p.getByLabel("New team").fill("platform");
        await p.getByRole("button", { name: "Add team" }).click();
        const teams = p.locator("table", { has: p.getByRole("columnheader", { name: "Members" }) });
        const row = (team: string) =>
          teams.locator("tr", { has: p.getByRole("button", { name: `Rename team ${team}`, exact: true }) });
        await row("platform").getByText("nobody").waitFor();
        await p.getByRole("list", { name: "Members of payments" }).getByText("dev@example.com").waitFor();
        // Renamed, then given a member from the list (keyboard: the form submits on Enter).
        await p.getByRole("button", { name: "Rename team platform" }).click();
        await p.getByLabel("New name for team platform").fill("platform-eng");
        await p.getByLabel("New name for team platform").press("Enter");
        await p.getByLabel("Add a member to platform-eng").selectOption({ label: "ana@example.com" });
        await p.getByRole("button", { name: "Add member to platform-eng" }).click();
        await p.getByRole("list", { name: "Members of platform-eng" }).getByText("ana@example.com").waitFor();
        await expect(p.getByLabel("Team of ana@example.com").inputValue()).resolves.toBe("platform-eng");
        // Password reset: a one-time password, shown once.
        await p.getByRole("button", { name: "Reset password of dev2@example.com" }).click();
        await p.getByRole("button", { name: "Reset and sign them out" }).click();
        const otp = (await p.locator("code.otp").innerText()).trim();
        expect(otp.length).toBeGreaterThanOrEqual(12);
        // Single sign-on: stored; the secret is write-only.
        await p.getByLabel("Issuer URL").fill("https://login.example.com/realms/acme");
        await p.getByLabel("Client id").fill("ctem");
        await p.getByLabel(/Client secret/).fill("e2e-client-secret-value");
        await p.getByLabel(/Group → role/).fill("secops=analyst");
        await p.getByRole("button", { name: "Save single sign-on" }).click();
        await p.getByLabel("Client secret (set; empty keeps it)").waitFor();
        await expect(p.getByLabel(/Client secret/).inputValue()).resolves.toBe("");

        await p.locator('input[name="sla-critical"]').fill("5");
        await p.getByRole("button", { name: "Save SLAs" }).click();
        // Disabled while saving and again once saved (no draft left): wait for it, don't sample it.
        await p.locator('form[aria-labelledby="sla-title"] button[type="submit"]:disabled').waitFor();
        await expect.poll(() => p.locator('input[name="sla-critical"]').inputValue()).toBe("5");
        expect(await p.locator('form[aria-labelledby="sla-title"] .form-error').count()).toBe(0);
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
        await p.getByLabel("URL", { exact: true }).fill(hookUrl);
        await p.getByRole("button", { name: "Add webhook" }).click();
        await p.getByRole("status").filter({ hasText: "Signing secret" }).waitFor();
        await p.getByText(hookUrl, { exact: true }).waitFor();
        await p.getByRole("button", { name: "Deliveries" }).click();
        await p.getByText("No deliveries to chat yet").waitFor();

        // Risk acceptance needs a reason and an expiry; the expiry can be changed afterwards.
        const accepted = bulkAliases[0]!;
        await p.goto(`${url}/issues/${accepted}`);
        await p.locator(".react-flow.dark").waitFor();
        await p.getByText(/first seen \+ \d+ days, the SLA for/).waitFor();
        await p.locator('select[name="status"]').selectOption("risk_accepted");
        await p.getByRole("button", { name: "Accept risk" }).waitFor();
        expect(await p.getByRole("button", { name: "Accept risk" }).isDisabled()).toBe(true);
        await p.getByLabel("Reason", { exact: true }).fill("compensating WAF rule until the Q3 migration");
        const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
        await p.getByLabel("Acceptance expires on").fill(day);
        await p.getByRole("button", { name: "Accept risk" }).click();
        await p.locator(".issue-head .badge.status", { hasText: "risk accepted" }).waitFor();
        await p.locator(".acceptance").getByText(`until ${day}`).waitFor();
        await shot(p, "issue-dark");
        const later = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
        await p.getByLabel("Expires on", { exact: true }).fill(later);
        await p.getByRole("button", { name: "Change expiry" }).click();
        await p.locator(".acceptance").getByText(`until ${later}`).waitFor();

        // The webhook got the change, signed; the deliveries view says so.
        await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(0);
        expect(received[0]!.event).toBe("issue.updated");
        expect(received[0]!.signature).toBeTruthy();
        await p.goto(`${url}/settings`);
        await p.getByRole("button", { name: "Deliveries" }).click();
        await p.getByRole("table", { name: "Deliveries to chat" }).getByText("delivered").first().waitFor();

        // The audit log shows this run's own changes.
        await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
        await p.getByRole("heading", { name: "Audit log" }).waitFor();
        for (const action of [
          "scope.create",
          "scope.delete",
          "team.create",
          "team.rename",
          "team.member_add",
          "user.password_reset",
          "sso.config",
        ])
          await p.getByRole("cell", { name: action, exact: true }).first().waitFor();
        await p.getByLabel("Action").fill("issue.update");
        await p.getByRole("button", { name: "Filter" }).click();
        await p.waitForURL(/action=issue\.update/);
        await p.getByRole("cell", { name: "ana@example.com" }).first().waitFor();
        await p.getByRole("cell", { name: "admin@example.com" }).first().waitFor();
        const actions = await p.locator("table.audit tbody td:nth-child(3)").allInnerTexts();
        expect(new Set(actions)).toEqual(new Set(["issue.update"]));
        await p.getByRole("button", { name: "show" }).first().click();
        await p.getByLabel("after").first().waitFor();
        await shot(p, "audit");

        // Exports: SARIF for findings.
        await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Exports" }).click();
        const [dl] = await Promise.all([
          p.waitForEvent("download"),
          p.getByRole("button", { name: "Download Findings (SARIF 2.1.0)" }).click(),
        ]);
        const sarif = JSON.parse(readFileSync(await dl.path(), "utf8")) as {
          version: string;
          runs: unknown[];
        };
        expect(sarif.version).toBe("2.1.0");
        expect(sarif.runs.length).toBe(1);
      }),
    60_000,
  );

  it(
    "the main screens pass the accessibility audit in both themes, and the keyboard reaches every control with a visible focus",
    () =>
      flow("a11y", async (p) => {
        await p.goto(`${url}/login`);
        const loginReport = await auditPage(p);
        expect(loginReport.problems).toEqual([]);
        expect(await axeAudit(p)).toEqual([]);
        await login(p, "admin@example.com");
        await p.getByRole("heading", { name: "Dashboard" }).waitFor();
        const screens: Array<[string, string]> = [
          ["/", "Dashboard"],
          // A short list: axe's cost grows with the rows, and 200 identical rows add no coverage.
          ["/issues?severity=critical,high", "Issues"],
          [`/issues/${alias}`, "Attack path"],
          ["/assets", "Assets"],
          ["/scans", "Scans"],
          ["/settings", "Settings"],
          [`/settings/scopes/${encodeURIComponent(scopeId)}`, "Edit"],
          ["/audit", "Audit log"],
          ["/exports", "Exports"],
        ];
        // Each screen in the light theme, then switched in place to the dark one (one load each).
        await p.evaluate(() => localStorage.setItem("ctem-theme", "light"));
        for (const [path, heading] of screens) {
          await p.goto(`${url}${path}`);
          await p.getByRole("heading", { name: heading, exact: true }).first().waitFor();
          await p.waitForFunction(() => !document.querySelector(".spinner"));
          for (const theme of ["light", "dark"] as const) {
            if (theme === "dark") {
              await p.getByRole("button", { name: "Dark theme" }).click();
              await p.waitForFunction(() => document.documentElement.dataset.theme === "dark");
            }
            const r = await auditPage(p);
            expect({ theme, path, problems: r.problems }).toEqual({ theme, path, problems: [] });
            const found = await axeAudit(p, theme === "dark");
            expect({ theme, path, axe: found }).toEqual({ theme, path, axe: [] });
            expect(r.textChecked).toBeGreaterThan(10);
            expect(r.controlsChecked).toBeGreaterThan(5);
          }
          await p.getByRole("button", { name: "Light theme" }).click();
        }
        for (const path of ["/", "/issues?severity=critical,high", `/issues/${alias}`, "/settings"]) {
          await p.goto(`${url}${path}`);
          await p.locator("h1").first().waitFor();
          await p.waitForFunction(() => !document.querySelector(".spinner"));
          const k = await keyboardWalk(p, 30);
          expect({ path, problems: k.problems }).toEqual({ path, problems: [] });
          expect(k.visited).toBeGreaterThanOrEqual(8);
        }
      }),
    60_000,
  );

  // Last: a scan's first step removes the demo estate, which the flows above rely on.
  it(
    "a scan started from a scope streams its progress live to the scans page",
    () =>
      flow("scan", async (p) => {
        await p.goto(`${url}/settings`);
        await login(p, "admin@example.com");
        await p.getByRole("button", { name: "Scan now: prod-aws" }).click();
        await p.waitForURL(/\/scans\?run=/);
        const live = p.getByRole("region", { name: /^Run / });
        await live.locator("li").first().waitFor();
        // The made-up keys and closed endpoint fail the scan; the stream says so and ends.
        await live.getByText(/done · failed/).waitFor({ timeout: 30_000 });
        // Then the run as recorded: the collector that failed and why.
        const failed = live.locator(".collectors li").filter({ hasText: "failed" });
        await failed.first().waitFor();
        expect((await failed.first().innerText()).length).toBeGreaterThan(20);
        await expect(live.getByLabel("running").count()).resolves.toBe(0);
        await shot(p, "scan-live");
      }),
    60_000,
  );
});
