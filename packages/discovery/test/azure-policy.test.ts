// infra/azure/scanner-role.json and docs/azure.md's module table are generated from the Azure
// module declarations: stale copies fail here. The role is read-only: control-plane reads only,
// no data actions, no key listing.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { format, resolveConfig } from "prettier";
import { AZURE_MODULES, azureScannerActions, azureScannerRole, withAzureModulesTable } from "../src/index.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const read = (rel: string) => readFileSync(`${root}${rel}`, "utf8");
const formatted = async (rel: string, text: string) =>
  format(text, { ...((await resolveConfig(`${root}${rel}`)) ?? {}), filepath: `${root}${rel}` });
const STALE = "stale: run `pnpm exec tsx scripts/gen-azure-role.ts`";

describe("generated Azure role and docs", () => {
  it("infra/azure and docs/azure.md match the module declarations", async () => {
    expect(read("infra/azure/scanner-role.json"), STALE).toBe(
      await formatted("infra/azure/scanner-role.json", JSON.stringify(azureScannerRole())),
    );
    const docs = read("docs/azure.md");
    expect(docs, STALE).toBe(await formatted("docs/azure.md", withAzureModulesTable(docs)));
    for (const m of AZURE_MODULES) expect(docs).toContain(`| \`${m.id}\``);
  });

  it("the role is every module's actions and only reads", () => {
    const role = JSON.parse(read("infra/azure/scanner-role.json")) as {
      Actions: string[];
      DataActions: string[];
      NotActions: string[];
    };
    expect(role.Actions).toEqual(azureScannerActions());
    expect(new Set(role.Actions)).toEqual(new Set(AZURE_MODULES.flatMap((m) => m.permissions)));
    expect(role.DataActions).toEqual([]);
    for (const a of role.Actions) expect(a, a).toMatch(/^Microsoft\.[A-Za-z]+\/[A-Za-z/]+\/read$/);
    expect(role.Actions.some((a) => /listkeys|\*/i.test(a))).toBe(false);
  });
});
