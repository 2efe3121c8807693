// `ctem serve [--port 8080] [--host 127.0.0.1]`: the API (and, with the web issue, the UI). Opens
// the stores, loads the secret key, creates the first admin on the first start, and says plainly
// what there is to see: the engine and its demo estate are not built yet, so no demo is loaded.
import type { Command } from "commander";
import { Option } from "commander";
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

/** What the data looks like, in words for stderr and /api/health. */
export async function describeData(graph: GraphStore, app: AppStore): Promise<string> {
  if (await app.currentAnalysis()) return "an analysis is current";
  const any = await graph.listNodes({ includeStubs: false }, { limit: 1 });
  if (any.items.length > 0)
    return "inventory present but no analysis yet: the analysis engine is not built yet, so there are no issues to show";
  return "no data yet, and no demo estate: the demo arrives with the analysis engine; until then scan (ctem scan aws) or import (ctem import FILE) to fill the inventory";
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
  const dataNote = await describeData(o.graph, o.app);
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
    .action(async (opts: { port: number; host: string }, cmd: Command) => {
      const stores = await ctx.stores(cmd);
      const s = await startServer({
        cfg: ctx.config(cmd),
        graph: stores.graph,
        app: stores.app,
        graphKind: stores.graphKind,
        port: opts.port,
        host: opts.host,
        terminal: process.stderr.isTTY === true,
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
