// What every CLI command gets: output helpers that keep stdout for data and stderr for progress,
// the resolved configuration, and the stores, opened on first use and closed by main().
import type { Command } from "commander";
import { resolveConfig } from "../config.js";
import { openStores } from "../stores.js";
import type { Stores } from "../stores.js";
import type { CtemConfig } from "../config.js";
import { EXIT, UsageError } from "./exit.js";
import type { ExitCode } from "./exit.js";

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
}

export interface GlobalOptions {
  data?: string;
  db?: string;
  json?: boolean;
  limit?: number;
}

export interface CliContext {
  io: CliIO;
  /** Global options as given on the command line (before or after the command). */
  globals(cmd: Command): GlobalOptions;
  config(cmd: Command): CtemConfig;
  stores(cmd: Command): Promise<Stores>;
  /** One JSON document on stdout with --json, else the text rendering. */
  print(cmd: Command, data: unknown, text: () => string): void;
  /** Progress and notices: stderr, never stdout. */
  progress(msg: string): void;
  /** Raises the process exit code (never lowers it: partial stays partial). */
  exit(code: ExitCode): void;
  exitCode(): ExitCode;
  close(): Promise<void>;
}

export function parseLimit(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw new UsageError(`--limit must be a whole number from 1 to 1000000, got '${v}'`);
  return n;
}

export function createCliContext(io: CliIO): CliContext {
  let stores: Stores | undefined;
  let code: ExitCode = EXIT.ok;
  const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
  const config = (cmd: Command) => resolveConfig(globals(cmd), io.env);
  return {
    io,
    globals,
    config,
    async stores(cmd) {
      stores ??= await openStores(config(cmd));
      return stores;
    },
    print(cmd, data, text) {
      if (globals(cmd).json) io.stdout(JSON.stringify(data, null, 2) + "\n");
      else {
        const t = text();
        io.stdout(t.endsWith("\n") || t === "" ? t : t + "\n");
      }
    },
    progress(msg) {
      io.stderr(msg.endsWith("\n") ? msg : msg + "\n");
    },
    exit(c) {
      if (c === EXIT.failure || c === EXIT.usage || (c === EXIT.partial && code === EXIT.ok)) code = c;
    },
    exitCode: () => code,
    async close() {
      if (stores) await stores.close();
      stores = undefined;
    },
  };
}
