// The ctem command line: parses arguments, runs one command, maps errors to DESIGN's exit codes.
import { Command, CommanderError, Option } from "commander";
import { isCtemError } from "@ctem/model";
import { COMMANDS } from "./commands.js";
import { createCliContext, parseLimit } from "./context.js";
import type { CliIO } from "./context.js";
import { EXIT, UsageError } from "./exit.js";

export function buildProgram(io: CliIO, ctx = createCliContext(io)): Command {
  const program = new Command("ctem")
    .description("Continuous Threat Exposure Management: attack paths from the internet to your crown jewels")
    .addOption(new Option("--data <dir>", "data directory (default $CTEM_DATA, else ./data)"))
    .addOption(
      new Option(
        "--db <file>",
        "SQLite file (default <data>/ctem.db; without --data, its folder is the data directory)",
      ),
    )
    .addOption(new Option("--json", "print one JSON document on stdout"))
    .addOption(new Option("--limit <n>", "print at most n items of a list").argParser(parseLimit))
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  for (const register of COMMANDS) register(program, ctx);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    for (const sub of cmd.commands)
      sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  }
  return program;
}

/** Runs `ctem argv…`; returns the exit code. Never calls process.exit, so tests run it in-process. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const ctx = createCliContext(io);
  const program = buildProgram(io, ctx);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: "user" });
    return ctx.exitCode();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === "commander.helpDisplayed" ||
        e.code === "commander.version" ||
        e.code === "commander.help"
      )
        return EXIT.ok;
      // commander already printed its message to stderr.
      return EXIT.usage;
    }
    if (e instanceof UsageError) {
      io.stderr(`ctem: ${e.message}\n`);
      return EXIT.usage;
    }
    if (isCtemError(e)) {
      io.stderr(`ctem: ${e.message}\n`);
      return EXIT.failure;
    }
    io.stderr(`ctem: ${e instanceof Error ? e.message : String(e)}\n`);
    if (io.env.CTEM_DEBUG && e instanceof Error && e.stack) io.stderr(e.stack + "\n");
    return EXIT.failure;
  } finally {
    await ctx.close();
  }
}
