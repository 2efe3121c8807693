// Types for boundaries.js (plain JS so eslint.config.js can import it without a TS loader).
export declare const BOUNDARIES: Record<string, string[]>;
export declare const TEST_ONLY_IMPORTS: string[];
