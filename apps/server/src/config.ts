// The one place that reads process.env and the data directory's ctem.config.json (CONVENTIONS 5).
// Everything else receives a CtemConfig.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { SETTINGS_KEYS, SettingsPatch, ValidationError, formatIssuePath } from "@ctem/model";
import type { SettingsPatch as SettingsPatchT } from "@ctem/model";

export interface CtemConfig {
  /** Where relative paths given by the user resolve: the directory the user ran `ctem` from. */
  cwd: string;
  dataDir: string;
  dbFile: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Set when NEO4J_URI is: the security graph lives in Neo4j, the app tables stay in dbFile. */
  neo4j?: { uri: string; user: string; password: string; database?: string };
}

export interface PathOptions {
  data?: string;
  db?: string;
}

export const DB_FILE_NAME = "ctem.db";
export const OVERLAY_FILE_NAME = "ctem.config.json";

/**
 * `--data DIR` (default `$CTEM_DATA`, else `./data`) holds the SQLite file, the key file and the
 * feeds; `--db FILE` names the SQLite file, and without `--data` the data directory is its folder.
 * `pnpm ctem` runs from the repository root, so the user's directory comes from INIT_CWD.
 */
export function resolveConfig(
  opts: PathOptions,
  env: Record<string, string | undefined> = process.env,
): CtemConfig {
  const cwd = env.INIT_CWD && path.isAbsolute(env.INIT_CWD) ? env.INIT_CWD : process.cwd();
  let dataDir: string;
  let dbFile: string;
  if (opts.data) {
    dataDir = path.resolve(cwd, opts.data);
    dbFile = opts.db ? path.resolve(cwd, opts.db) : path.join(dataDir, DB_FILE_NAME);
  } else if (opts.db) {
    dbFile = path.resolve(cwd, opts.db);
    dataDir = path.dirname(dbFile);
  } else {
    dataDir = path.resolve(cwd, env.CTEM_DATA || "data");
    dbFile = path.join(dataDir, DB_FILE_NAME);
  }
  const cfg: CtemConfig = { cwd, dataDir, dbFile, env };
  if (env.NEO4J_URI)
    cfg.neo4j = {
      uri: env.NEO4J_URI,
      user: env.NEO4J_USER ?? env.NEO4J_USERNAME ?? "neo4j",
      password: env.NEO4J_PASSWORD ?? "",
      ...(env.NEO4J_DATABASE ? { database: env.NEO4J_DATABASE } : {}),
    };
  return cfg;
}

/** Reads `<data>/ctem.config.json`, the read-only settings overlay; errors name the file and field. */
export function readSettingsOverlay(dataDir: string): SettingsPatchT | undefined {
  const file = path.join(dataDir, OVERLAY_FILE_NAME);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ValidationError(`${file}: not valid JSON (${(e as Error).message})`, { file });
  }
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    const unknownKeys = Object.keys(raw).filter((k) => !(SETTINGS_KEYS as readonly string[]).includes(k));
    if (unknownKeys.length > 0)
      throw new ValidationError(
        `${file}: unknown key '${unknownKeys[0]}' (known: ${SETTINGS_KEYS.join(", ")})`,
        { file, field: unknownKeys[0] },
      );
  }
  const r = SettingsPatch.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    const field = first ? formatIssuePath(first.path) : "?";
    throw new ValidationError(`${file}: field ${field}: ${first?.message ?? "invalid"}`, { file, field });
  }
  return r.data;
}
