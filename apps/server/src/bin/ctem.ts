#!/usr/bin/env -S node --import tsx
// The `ctem` binary: `pnpm ctem <command>` from the repository root.
import { main } from "../cli/main.js";

process.exitCode = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
});
