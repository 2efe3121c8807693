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

/** OIDC single sign-on (docs/server.md): off unless CTEM_OIDC_ISSUER is set or an admin stored it. */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** The ID-token claim holding the user's groups. */
  groupsClaim: string;
  /** Group → role; a user in several mapped groups gets the strongest role. */
  roleMap: Record<string, "admin" | "analyst" | "developer">;
  /** Role for a user in no mapped group; absent: such a user may not sign in. */
  defaultRole?: "admin" | "analyst" | "developer";
  scopes: string[];
  /** Lets the issuer be plain http on loopback (tests, local IdPs); never for a remote issuer. */
  allowHttpLoopback: boolean;
}

/** What `ctem serve` needs beyond the paths; read from the environment by resolveServerConfig. */
export interface ServerConfig {
  /** E-mail of the admin created on the first start. */
  adminEmail: string;
  /** CTEM_ADMIN_PASSWORD: the first admin's password; else a one-time password is generated. */
  adminPassword?: string;
  /** CTEM_SECRET_KEY (32 bytes, hex or base64); else `<data>/secret.key` is created (0600). */
  secretKey?: string;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** Secure cookies: on when CTEM_PUBLIC_URL is https, or CTEM_COOKIE_SECURE=true. */
  cookieSecure: boolean;
  /** The URL users reach the server at (the OIDC redirect URI is built from it). */
  publicUrl?: string;
  /** Failed or not, login attempts per client address per minute. */
  loginRateLimit: number;
  /** Honour X-Forwarded-For (behind a reverse proxy). */
  trustProxy: boolean;
  oidc?: OidcConfig;
}

const ROLE_NAMES = ["admin", "analyst", "developer"] as const;
type RoleName = (typeof ROLE_NAMES)[number];

function envError(name: string, why: string): ValidationError {
  return new ValidationError(`${name}: ${why}`, { field: name });
}

function positiveInt(env: Record<string, string | undefined>, name: string, dflt: number): number {
  const v = env[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw envError(name, `a whole number from 1, got '${v}'`);
  return n;
}

function role(name: string, v: string): RoleName {
  if (!(ROLE_NAMES as readonly string[]).includes(v))
    throw envError(name, `unknown role '${v}' (one of ${ROLE_NAMES.join(", ")})`);
  return v as RoleName;
}

/**
 * The server's settings from the environment. Errors name the variable and never echo a secret.
 * CTEM_OIDC_ROLE_MAP is `group=role,group=role` (e.g. `secops=analyst,platform-admins=admin`).
 */
export function resolveServerConfig(cfg: CtemConfig): ServerConfig {
  const env = cfg.env;
  const publicUrl = env.CTEM_PUBLIC_URL || undefined;
  if (publicUrl && !/^https?:\/\/[^/]+/.test(publicUrl))
    throw envError("CTEM_PUBLIC_URL", "an http(s) URL such as https://ctem.example.com");
  const secureEnv = env.CTEM_COOKIE_SECURE;
  if (secureEnv !== undefined && secureEnv !== "" && secureEnv !== "true" && secureEnv !== "false")
    throw envError("CTEM_COOKIE_SECURE", "true or false");
  const out: ServerConfig = {
    adminEmail: env.CTEM_ADMIN_EMAIL || "admin@ctem.local",
    sessionIdleMinutes: positiveInt(env, "CTEM_SESSION_IDLE_MINUTES", 60),
    sessionMaxHours: positiveInt(env, "CTEM_SESSION_MAX_HOURS", 12),
    cookieSecure: secureEnv ? secureEnv === "true" : Boolean(publicUrl?.startsWith("https:")),
    loginRateLimit: positiveInt(env, "CTEM_LOGIN_RATE_LIMIT", 10),
    trustProxy: env.CTEM_TRUST_PROXY === "true",
  };
  if (publicUrl) out.publicUrl = publicUrl.replace(/\/+$/, "");
  if (env.CTEM_ADMIN_PASSWORD) {
    // The same rule as every password (auth/passwords.ts); the value itself is never echoed.
    if (env.CTEM_ADMIN_PASSWORD.length < 12 || env.CTEM_ADMIN_PASSWORD.length > 1024)
      throw envError("CTEM_ADMIN_PASSWORD", "at least 12 characters");
    out.adminPassword = env.CTEM_ADMIN_PASSWORD;
  }
  if (env.CTEM_SECRET_KEY) out.secretKey = env.CTEM_SECRET_KEY;
  if (env.CTEM_OIDC_ISSUER) {
    if (!env.CTEM_OIDC_CLIENT_ID)
      throw envError("CTEM_OIDC_CLIENT_ID", "required when CTEM_OIDC_ISSUER is set");
    const roleMap: Record<string, RoleName> = {};
    for (const pair of (env.CTEM_OIDC_ROLE_MAP ?? "").split(",").filter((s) => s.trim())) {
      const i = pair.lastIndexOf("=");
      if (i <= 0) throw envError("CTEM_OIDC_ROLE_MAP", "group=role pairs separated by commas");
      roleMap[pair.slice(0, i).trim()] = role("CTEM_OIDC_ROLE_MAP", pair.slice(i + 1).trim());
    }
    out.oidc = {
      issuer: env.CTEM_OIDC_ISSUER,
      clientId: env.CTEM_OIDC_CLIENT_ID,
      groupsClaim: env.CTEM_OIDC_GROUPS_CLAIM || "groups",
      roleMap,
      scopes: (env.CTEM_OIDC_SCOPES || "openid email profile").split(/[\s,]+/).filter(Boolean),
      allowHttpLoopback: env.CTEM_OIDC_ALLOW_HTTP_LOOPBACK === "true",
    };
    if (env.CTEM_OIDC_CLIENT_SECRET) out.oidc.clientSecret = env.CTEM_OIDC_CLIENT_SECRET;
    if (env.CTEM_OIDC_DEFAULT_ROLE)
      out.oidc.defaultRole = role("CTEM_OIDC_DEFAULT_ROLE", env.CTEM_OIDC_DEFAULT_ROLE);
  }
  return out;
}
