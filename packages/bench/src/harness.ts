// The benchmark harness: every measurement reports its figures with a target and, where a
// baseline exists, the ratio against it measured in the same run. Budgets live here, never in
// timed unit tests.

export interface Target {
  /** The figure must be at most (`<=`) or at least (`>=`) this value. */
  op: "<=" | ">=";
  value: number;
}

export interface BenchFigure {
  metric: string;
  value: number;
  unit: string;
  target?: Target;
  /** A baseline measured in the same run, e.g. a bare typed-array BFS. */
  baseline?: { name: string; value: number; unit: string };
  /** Ratio value / baseline.value, with its own target. */
  ratioTarget?: Target;
  note?: string;
}

export interface BenchContext {
  /** A scratch directory for this run, removed afterwards. */
  tmpDir: string;
  log(msg: string): void;
}

export interface Measurement {
  /** kebab-case; `pnpm bench --only NAME` runs just this one. */
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchFigure[]>;
}

export function meets(value: number, t: Target): boolean {
  return t.op === "<=" ? value <= t.value : value >= t.value;
}

export interface FigureRow extends BenchFigure {
  measurement: string;
  ratio?: number;
  ok: boolean;
}

export function evaluate(measurement: string, f: BenchFigure): FigureRow {
  const ratio = f.baseline && f.baseline.value > 0 ? f.value / f.baseline.value : undefined;
  const ok =
    (!f.target || meets(f.value, f.target)) &&
    (!f.ratioTarget || ratio === undefined || meets(ratio, f.ratioTarget));
  return { ...f, measurement, ...(ratio === undefined ? {} : { ratio }), ok };
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3));

export function renderReport(rows: FigureRow[]): string {
  const table: string[][] = [["measurement", "metric", "value", "target", "baseline", "ratio", "ok"]];
  const notes = new Map<number, string>();
  for (const r of rows) {
    if (r.note) notes.set(table.length, r.note);
    table.push([
      r.measurement,
      r.metric,
      `${fmt(r.value)} ${r.unit}`,
      r.target ? `${r.target.op} ${fmt(r.target.value)}` : "-",
      r.baseline ? `${r.baseline.name} ${fmt(r.baseline.value)} ${r.baseline.unit}` : "-",
      r.ratio !== undefined
        ? `${r.ratio.toFixed(2)}×${r.ratioTarget ? ` (${r.ratioTarget.op} ${r.ratioTarget.value})` : ""}`
        : "-",
      r.ok ? "ok" : "MISSED",
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines: string[] = [];
  table.forEach((row, i) => {
    lines.push(
      row
        .map((c, j) => c.padEnd(widths[j]!))
        .join("  ")
        .trimEnd(),
    );
    const note = notes.get(i);
    if (note) lines.push(`    ${note}`);
  });
  return lines.join("\n") + "\n";
}

/** Resets the peak RSS (VmHWM; Linux: `5` in clear_refs); false where that is not possible. */
export async function resetPeakRss(): Promise<boolean> {
  const { writeFile } = await import("node:fs/promises");
  try {
    await writeFile("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set size of this process so far, in MiB (Linux: VmHWM). */
export async function peakRssMiB(): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  try {
    const status = await readFile("/proc/self/status", "utf8");
    const m = /VmHWM:\s+(\d+) kB/.exec(status);
    if (m?.[1]) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall back to the current RSS
  }
  return process.memoryUsage().rss / 1024 / 1024;
}
