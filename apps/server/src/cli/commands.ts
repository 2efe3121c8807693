// The ctem commands, in the order `ctem --help` lists them. Each issue adds its command module
// here; a command that is not registered does not exist (no placeholders that pretend to work).
import type { Command } from "commander";
import type { CliContext } from "./context.js";
import { registerAnalyze } from "./analyze.js";
import { registerAssets } from "./assets.js";
import { registerDemo } from "./demo.js";
import { registerImport } from "./import.js";
import { registerIntel } from "./intel.js";
import { registerIssues } from "./issues.js";
import { registerJewels } from "./jewels.js";
import { registerScan } from "./scan.js";
import { registerScope } from "./scope.js";
import { registerServe } from "./serve.js";
import { registerUsers } from "./users.js";

export type CommandModule = (program: Command, ctx: CliContext) => void;

export const COMMANDS: CommandModule[] = [
  registerServe,
  registerScan,
  registerScope,
  registerAssets,
  registerImport,
  registerAnalyze,
  registerIssues,
  registerJewels,
  registerDemo,
  registerIntel,
  registerUsers,
];
