// infra/gcp (the roles to grant, the custom role) and docs/gcp.md's module table are generated from
// the GCP module declarations: stale copies fail here. The grant is read-only: Cloud Asset list
// permissions and the viewer role, nothing that reads data or changes anything.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { format, resolveConfig } from "prettier";
import {
  GCP_MODULES,
  gcpCustomRoleYaml,
  gcpRolesDocument,
  gcpScannerPermissions,
  withGcpModulesTable,
} from "../../src/index.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const read = (rel: string) => readFileSync(`${root}${rel}`, "utf8");
const formatted = async (rel: string, text: string) =>
  format(text, { ...((await resolveConfig(`${root}${rel}`)) ?? {}), filepath: `${root}${rel}` });
const STALE = "stale: run `pnpm exec tsx scripts/gen-gcp-roles.ts`";

describe("generated GCP roles and docs", () => {
  it("infra/gcp and docs/gcp.md match the module declarations", async () => {
    expect(read("infra/gcp/roles.json"), STALE).toBe(
      await formatted("infra/gcp/roles.json", JSON.stringify(gcpRolesDocument())),
    );
    expect(read("infra/gcp/ctem-scanner-role.yaml"), STALE).toBe(
      await formatted("infra/gcp/ctem-scanner-role.yaml", gcpCustomRoleYaml()),
    );
    const docs = read("docs/gcp.md");
    expect(docs, STALE).toBe(await formatted("docs/gcp.md", withGcpModulesTable(docs)));
    for (const m of GCP_MODULES) expect(docs).toContain(`\`${m.id}\``);
  });

  it("grants only Cloud Asset list permissions and the viewer role", () => {
    expect(gcpScannerPermissions()).toEqual([
      "cloudasset.assets.listIamPolicy",
      "cloudasset.assets.listResource",
    ]);
    for (const p of gcpScannerPermissions()) expect(p).toMatch(/^cloudasset\.assets\.list[A-Za-z]+$/);
    expect(gcpRolesDocument().grant).toEqual(["roles/cloudasset.viewer"]);
    const yaml = read("infra/gcp/ctem-scanner-role.yaml");
    for (const p of gcpScannerPermissions()) expect(yaml).toContain(`  - ${p}`);
  });
});
