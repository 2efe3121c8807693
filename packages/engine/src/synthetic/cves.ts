// Real (CVE, package, version) tuples for synthetic findings: copied from the Trivy and Grype
// reports in the shared data (data/SOURCES.md), each CVE present in EPSS or KEV.
import { readFileSync } from "node:fs";
import { z } from "zod";

export const CvePackage = z.object({
  cve: z.string(),
  package: z.string(),
  installedVersion: z.string(),
  fixedVersion: z.string(),
  severity: z.string(),
  vector: z.string(),
  kev: z.boolean(),
  origin: z.string(),
});
export type CvePackage = z.infer<typeof CvePackage>;

let table: CvePackage[] | undefined;

export function cvePackages(): CvePackage[] {
  table ??= z
    .array(CvePackage)
    .parse(JSON.parse(readFileSync(new URL("../../data/cve-packages.json", import.meta.url), "utf8")));
  return table;
}
