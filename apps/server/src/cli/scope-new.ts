// `ctem scope add` for every provider: a new scope's record saved and printed (JSON or the text the
// provider's command gives, which says what to grant and what to run next).
import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import type { AppStore, Scope } from "@ctem/model";
import type { CliContext } from "./context.js";

export async function saveNewScope(
  ctx: CliContext,
  cmd: Command,
  app: AppStore,
  fields: Pick<Scope, "name" | "provider" | "config"> & Partial<Pick<Scope, "include" | "exclude">>,
  text: () => string,
): Promise<Scope> {
  const s: Scope = {
    id: `scope-${randomUUID()}`,
    name: fields.name,
    provider: fields.provider,
    config: fields.config,
    include: fields.include ?? [],
    exclude: fields.exclude ?? [],
    createdAt: new Date().toISOString(),
  };
  await app.scopes.save(s);
  ctx.print(cmd, s, text);
  return s;
}
