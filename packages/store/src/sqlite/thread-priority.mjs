// A background thread's scheduling priority. Plain JavaScript, as the worker files that use it
// (derived-writer.mjs, snapshot-reader.mjs): a worker starts from a file.
import { readFileSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/** The nice value a background thread takes (0 is the default; 19 the lowest priority). */
export const BACKGROUND_NICE = 10;

/**
 * Lowers the calling thread's scheduling priority to nice BACKGROUND_NICE (never raises it), for a
 * worker thread whose work has slack: the derived edges' write (awaited only before the AppStore
 * commit) and the snapshot's findings read (taken after derive). Where cores are fewer than busy
 * threads, the analysing thread then keeps its core instead of sharing it with them. At 100k assets
 * on 2 cores, four back-to-back pairs: whole analysis 10.9/9.52/9.48/9.37 s at the default priority,
 * 9.32/9.06/8.97/8.89 s with both threads at nice 10 (the search, fix plan and AppStore commit run
 * beside the derived write; the writes and reads take as long as before).
 *
 * Linux only, where each thread has its own id and priority (`/proc/thread-self`); elsewhere a
 * priority belongs to the process, so this does nothing. Never on the process' main thread (its id
 * is the process id). A priority that cannot be changed leaves the thread as it was. Returns the
 * thread's id and the nice value it now has, or undefined when it changed nothing.
 */
export function lowerThreadPriority() {
  if (process.platform !== "linux") return undefined;
  try {
    const tid = Number(readFileSync("/proc/thread-self/stat", "utf8").split(" ", 1)[0]);
    if (!Number.isInteger(tid) || tid <= 0 || tid === process.pid) return undefined;
    if (getPriority(tid) >= BACKGROUND_NICE) return undefined;
    setPriority(tid, BACKGROUND_NICE);
    return { tid, nice: getPriority(tid) };
  } catch {
    return undefined;
  }
}
