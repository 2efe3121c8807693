// `pnpm bench [--only NAME] [--json]`: runs the measurements and prints one report. Each measurement
// runs in its own child process, so one's memory does not colour another's peak RSS.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { evaluate, renderReport } from "./harness.js";
import type { BenchFigure, FigureRow } from "./harness.js";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

async function child(name: string): Promise<void> {
  // Only this measurement's module (measurements/load.ts): the others' would count in its RSS.
  const { loadMeasurement } = await import("./measurements/load.js");
  const m = await loadMeasurement(name);
  const tmpDir = mkdtempSync(path.join(tmpdir(), `ctem-bench-${name}-`));
  try {
    const figures = await m.run({ tmpDir, log: (msg) => process.stderr.write(`  [${name}] ${msg}\n`) });
    process.stdout.write(JSON.stringify(figures));
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

async function parent(): Promise<number> {
  const { MEASUREMENTS } = await import("./measurements/index.js");
  const { LOADABLE } = await import("./measurements/load.js");
  const unloadable = MEASUREMENTS.map((m) => m.name).filter((n) => !LOADABLE.includes(n));
  if (unloadable.length) {
    process.stderr.write(`bench: no loader in measurements/load.ts for ${unloadable.join(", ")}\n`);
    return 2;
  }
  const only = flag("--only");
  const names = MEASUREMENTS.map((m) => m.name);
  if (only && !names.includes(only)) {
    process.stderr.write(`bench: no measurement '${only}' (have: ${names.join(", ")})\n`);
    return 2;
  }
  const rows: FigureRow[] = [];
  let failed = false;
  for (const m of MEASUREMENTS.filter((x) => !only || x.name === only)) {
    process.stderr.write(`bench: ${m.name} — ${m.description}\n`);
    // Each measurement in its own process, with the young-generation size ctem runs with when
    // `pnpm bench` passed it (docs/server.md "Memory and large estates").
    const young = process.execArgv.filter((a) => a.startsWith("--max-semi-space-size"));
    const r = spawnSync(
      process.execPath,
      [...young, "--import", "tsx", fileURLToPath(import.meta.url), "--child", m.name],
      {
        stdio: ["ignore", "pipe", "inherit"],
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    if (r.status !== 0) {
      process.stderr.write(`bench: ${m.name} failed (exit ${r.status ?? r.signal})\n`);
      failed = true;
      continue;
    }
    for (const f of JSON.parse(r.stdout) as BenchFigure[]) rows.push(evaluate(m.name, f));
  }
  if (args.includes("--json")) process.stdout.write(JSON.stringify({ rows }, null, 2) + "\n");
  else process.stdout.write(renderReport(rows));
  const missed = rows.filter((r) => !r.ok).length;
  if (missed) process.stderr.write(`bench: ${missed} figure(s) missed their target\n`);
  return failed ? 1 : 0;
}

const childName = flag("--child");
if (childName) await child(childName);
else process.exitCode = await parent();
