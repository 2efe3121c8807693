// `ctem serve [--port 8080] [--host 127.0.0.1]`: the API (and, with the web issue, the UI). Opens
// the stores, loads the secret key, creates the first admin on the first start, loads the demo
// estate when the graph holds no data at all (DESIGN "Demo estate"), and says plainly what there is
// to see, on stderr and in /api/health.
import type { Command } from "commander";
import { Option } from "commander";
import { DEMO_DEFAULTS, collectAfterAnalysis, hasDemo, loadDemo } from "@ctem/engine";
import { createIntel } from "@ctem/intel";
import type { AppStore, GraphStore } from "@ctem/model";
import { resolveServerConfig } from "../config.js";
import type { CtemConfig } from "../config.js";
import { ensureFirstAdmin } from "../auth/bootstrap.js";
import { createPasswordHasher } from "../auth/passwords.js";
import { createSecretBox, loadSecretKey } from "../auth/secrets.js";
import { buildApp } from "../http/app.js";
import type { AppDeps, CtemApp } from "../http/app.js";
import type { CliContext } from "./context.js";
import { UsageError } from "./exit.js";

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port must be 0 to 65535, got '${v}'`);
  return n;
}

/**
 * What there is to see, in words for stderr and /api/health. With an empty graph (no real data and
 * no demo) the demo estate is loaded and analysed first, unless `demo` is false.
 */
export async function prepareData(o: {
  graph: GraphStore;
  app: AppStore;
  dataDir: string;
  demo: false | { assets?: number; seed?: number };
  progress: (m: string) => void;
}): Promise<{ note: string; demo: boolean }> {
  const stores = { graph: o.graph, app: o.app };
  if (await hasDemo(stores)) {
    const current = await o.app.currentAnalysis();
    if (current)
      return {
        demo: true,
        note: "showing the demo estate (everything marked demo: true); the first real scan or import removes it",
      };
  }
  const any = await o.graph.listNodes({ includeStubs: false }, { limit: 1 });
  if (any.items.length === 0 || (await hasDemo(stores))) {
    if (o.demo === false)
      return {
        demo: false,
        note: "no data yet (the demo is switched off): scan (ctem scan aws) or import (ctem import FILE)",
      };
    o.progress("the graph holds no data: loading the demo estate (source demo) and analysing it");
    const intel = await createIntel({ dataDir: o.dataDir }).load();
    const r = await loadDemo(stores, {
      assets: o.demo.assets ?? DEMO_DEFAULTS.assets,
      seed: o.demo.seed ?? DEMO_DEFAULTS.seed,
      lookup: (id, reported) => intel.lookup(id, reported),
      progress: o.progress,
    });
    return {
      demo: true,
      note: `showing the demo estate: ${r.written.nodes} assets, ${r.analysis.analysis.observed.length} issues, everything marked demo: true; the first real scan or import removes it`,
    };
  }
  if (await o.app.currentAnalysis()) return { demo: false, note: "an analysis is current" };
  return { demo: false, note: "inventory present but not analysed yet: run ctem analyze" };
}

export interface StartOptions {
  cfg: CtemConfig;
  graph: GraphStore;
  app: AppStore;
  graphKind: "sqlite" | "neo4j";
  port: number;
  host: string;
  /** Whether stderr is a terminal a person reads (the one-time password may be shown there). */
  terminal: boolean;
  stderr: (s: string) => void;
  log?: AppDeps["log"];
  /** scrypt N; lower only in tests. */
  passwordCost?: number;
  /** The demo estate for an empty graph (default: on, DESIGN's size and seed); false: never. */
  demo?: false | { assets?: number; seed?: number };
}

export async function startServer(
  o: StartOptions,
): Promise<{ app: CtemApp; url: string; close(): Promise<void> }> {
  const server = resolveServerConfig(o.cfg);
  const { key, source } = loadSecretKey({
    ...(server.secretKey ? { secretKey: server.secretKey } : {}),
    dataDir: o.cfg.dataDir,
  });
  const hasher = createPasswordHasher(o.passwordCost ? { cost: o.passwordCost } : {});
  const data = await prepareData({
    graph: o.graph,
    app: o.app,
    dataDir: o.cfg.dataDir,
    demo: o.demo ?? {},
    progress: (m) => o.stderr(`ctem: ${m}\n`),
  });
  // A demo analysis raised the heap's limit for itself: back to what is live (@ctem/engine heap.ts).
  collectAfterAnalysis();
  const dataNote = data.note;
  const app = await buildApp({
    graph: o.graph,
    app: o.app,
    graphKind: o.graphKind,
    config: server,
    dataDir: o.cfg.dataDir,
    secretKey: key,
    secrets: createSecretBox(key),
    hasher,
    dataNote,
    awsEnv: o.cfg.env,
    background: true,
    ...(o.log !== undefined ? { log: o.log } : {}),
  });
  app.log.info(`stored secrets are sealed with the key from ${source}`);
  await ensureFirstAdmin({
    accounts: o.app.accounts,
    hasher,
    dataDir: o.cfg.dataDir,
    email: server.adminEmail,
    ...(server.adminPassword ? { password: server.adminPassword } : {}),
    terminal: o.terminal,
    show: o.stderr,
    log: (m) => app.log.info(m),
  });
  // Ended sessions are kept a day (for the audit trail's sake), then dropped; hourly while serving.
  const purge = () =>
    o.app.accounts.sessions
      .purge(new Date(Date.now() - 86_400_000).toISOString())
      .catch((e: Error) => app.log.warn(`session clean-up failed: ${e.message}`));
  await purge();
  const timer = setInterval(() => void purge(), 3_600_000);
  timer.unref();
  await app.listen({ port: o.port, host: o.host });
  const addr = app.server.address();
  const port = addr && typeof addr === "object" ? addr.port : o.port;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  const url = `http://${host}:${port}`;
  o.stderr(`ctem: serving ${url} (health: ${url}/api/health, OpenAPI: ${url}/api/docs)\n`);
  o.stderr(`ctem: ${dataNote}\n`);
  return {
    app,
    url,
    close: () => {
      clearInterval(timer);
      return app.close();
    },
  };
}

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description("serve the API (OpenAPI at /api/docs); the first start creates an admin")
    .addOption(new Option("--port <n>", "port (0: any free port)").argParser(parsePort).default(8080))
    .addOption(new Option("--host <address>", "address to listen on").default("127.0.0.1"))
    .option("--no-demo", "do not load the demo estate when the graph is empty")
    .action(async (opts: { port: number; host: string; demo: boolean }, cmd: Command) => {
      const stores = await ctx.stores(cmd);
      const s = await startServer({
        cfg: ctx.config(cmd),
        graph: stores.graph,
        app: stores.app,
        graphKind: stores.graphKind,
        port: opts.port,
        host: opts.host,
        terminal: process.stderr.isTTY === true,
        ...(opts.demo ? {} : { demo: false as const }),
        stderr: (m) => ctx.io.stderr(m),
      });
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      ctx.progress("ctem: stopping");
      await s.close();
    });
}
