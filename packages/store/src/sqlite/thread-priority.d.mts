// Types of thread-priority.mjs (plain JavaScript: used by worker threads' entry files).

/** The nice value a background thread takes. */
export declare const BACKGROUND_NICE: number;

/**
 * Lowers the calling worker thread's priority to nice BACKGROUND_NICE (Linux; never the main
 * thread, never raised): its id and new nice value, or undefined when it changed nothing.
 */
export declare function lowerThreadPriority(): { tid: number; nice: number } | undefined;
