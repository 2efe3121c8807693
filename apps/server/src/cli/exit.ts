// DESIGN's exit codes: scripts and CI rely on them.
export const EXIT = {
  ok: 0,
  /** stderr names the cause. */
  failure: 1,
  usage: 2,
  /** A collector failed, a file was refused, or rows were skipped; the summary says which. */
  partial: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown by commands for bad usage that commander cannot see (e.g. a malformed value). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
