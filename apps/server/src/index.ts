// @ctem/server: the ctem CLI and the API (buildApp for tests and benchmarks, startServer for `ctem serve`).
export { main, buildProgram } from "./cli/main.js";
export { resolveConfig, readSettingsOverlay } from "./config.js";
export type { CtemConfig } from "./config.js";
export { EXIT } from "./cli/exit.js";
export { buildApp } from "./http/app.js";
export type { AppDeps, CtemApp } from "./http/app.js";
export { createPasswordHasher } from "./auth/passwords.js";
export { createSecretBox } from "./auth/secrets.js";
export { startServer } from "./cli/serve.js";
export { resolveServerConfig } from "./config.js";
export type { ServerConfig } from "./config.js";
