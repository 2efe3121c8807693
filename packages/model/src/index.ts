// @ctem/model: the vocabulary and the ports every other package speaks.
export * from "./kinds.js";
export * from "./graph.js";
export * from "./runs.js";
export * from "./settings.js";
export * from "./issue.js";
export * from "./accounts.js";
export * from "./ops.js";
export * from "./errors.js";
export * from "./ports.js";
export * from "./schema-docs.js";
export * from "./validate.js";
