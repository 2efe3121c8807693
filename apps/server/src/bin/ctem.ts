#!/usr/bin/env -S node --max-semi-space-size=64 --import tsx
// The `ctem` binary: `pnpm ctem <command>` from the repository root.
import { main } from "../cli/main.js";

process.exitCode = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
});
