// Schedules: each scope with a cron expression (croner syntax, UTC) is scanned on it, and the daily
// job (acceptance expiry, KPI snapshot) runs once a day. A scan still going when its next slot
// comes is not started twice (the scan service answers conflict; the slot is skipped).
import { Cron } from "croner";
import { ValidationError, isCtemError } from "@ctem/model";
import type { Scope } from "@ctem/model";

/** 02:00 UTC. */
export const DAILY_PATTERN = "0 2 * * *";

/** Throws a ValidationError naming the field when `pattern` is not a cron expression croner runs. */
export function checkSchedule(pattern: string, field = "body.schedule"): void {
  try {
    const c = new Cron(pattern, { paused: true, timezone: "UTC" });
    const next = c.nextRun();
    c.stop();
    if (!next) throw new Error("it never fires");
  } catch (e) {
    throw new ValidationError(`schedule: not a cron expression (${(e as Error).message})`, { field });
  }
}

export interface SchedulerDeps {
  listScopes: () => Promise<Scope[]>;
  startScan: (scopeId: string) => Promise<unknown>;
  daily: () => Promise<unknown>;
  dailyPattern?: string;
  onError?: (msg: string, err: unknown) => void;
}

export type Scheduler = ReturnType<typeof createScheduler>;

export function createScheduler(deps: SchedulerDeps) {
  const jobs = new Map<string, { pattern: string; cron: Cron }>();
  let daily: Cron | undefined;
  let started = false;
  let stopped = false;

  const scan = (id: string) => () => {
    deps.startScan(id).catch((e: unknown) => {
      if (isCtemError(e) && e.code === "conflict") return; // the previous run is still going
      deps.onError?.(`scheduled scan of ${id} could not start`, e);
    });
  };

  return {
    /** Starts the daily job and a job per scheduled scope. */
    async start(): Promise<void> {
      started = true;
      daily = new Cron(deps.dailyPattern ?? DAILY_PATTERN, { timezone: "UTC", protect: true }, async () => {
        try {
          await deps.daily();
        } catch (e) {
          deps.onError?.("the daily job failed", e);
        }
      });
      await this.reload();
    },
    /** Brings the jobs in line with the scopes (after a scope was added, changed or removed). */
    async reload(): Promise<void> {
      if (!started || stopped) return;
      const want = new Map(
        (await deps.listScopes()).filter((s) => s.schedule).map((s) => [s.id, s.schedule!] as const),
      );
      for (const [id, j] of jobs)
        if (want.get(id) !== j.pattern) {
          j.cron.stop();
          jobs.delete(id);
        }
      for (const [id, pattern] of want) {
        if (jobs.has(id)) continue;
        try {
          jobs.set(id, { pattern, cron: new Cron(pattern, { timezone: "UTC", protect: true }, scan(id)) });
        } catch (e) {
          deps.onError?.(`scope ${id}: its schedule cannot run`, e);
        }
      }
    },
    /** When each scheduled scope runs next. */
    next(): Record<string, string | null> {
      return Object.fromEntries([...jobs].map(([id, j]) => [id, j.cron.nextRun()?.toISOString() ?? null]));
    },
    stop(): void {
      stopped = true;
      daily?.stop();
      for (const j of jobs.values()) j.cron.stop();
      jobs.clear();
    },
  };
}
