// Skipped rows are counted, never dropped silently: every parser reports how many and why.

export interface SkippedRows {
  count: number;
  /** The first few, so a message can name them; `count` has the total. */
  examples: Array<{ line: number; reason: string }>;
}

const EXAMPLES = 20;

export function createSkipped(): SkippedRows & { add(line: number, reason: string): void } {
  const s = {
    count: 0,
    examples: [] as SkippedRows["examples"],
    add(line: number, reason: string) {
      s.count++;
      if (s.examples.length < EXAMPLES) s.examples.push({ line, reason });
    },
  };
  return s;
}

/** A plain-data copy (without the `add` method) for results and JSON output. */
export function frozenSkipped(s: SkippedRows): SkippedRows {
  return { count: s.count, examples: [...s.examples] };
}
