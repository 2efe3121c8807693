// Fails when a runtime (production) dependency carries a licence ctem (Apache-2.0) cannot ship:
// AGPL, GPL, LGPL, EPL, SSPL, EUPL, CDDL, or no licence at all (DESIGN "Node and licences").
// An SPDX "A OR B" passes when any alternative is allowed. Dev-only tools are not checked.
import { execFileSync } from "node:child_process";

interface PkgInfo {
  name: string;
  versions: string[];
  license: string;
}

export const DENIED = /\b(AGPL|GPL|LGPL|EPL|SSPL|EUPL|CDDL|CPAL|OSL|BUSL)(-|\b)/i;
export const UNKNOWN = /^(UNKNOWN|UNLICENSED|SEE LICENSE IN|Custom)/i;

/** Whether an SPDX expression (or a plain licence name) allows use in an Apache-2.0 product. */
export function allowed(expr: string): boolean {
  const e = expr.trim().replace(/^\((.*)\)$/, "$1");
  if (!e || UNKNOWN.test(e)) return false;
  const alternatives = e.split(/\s+OR\s+/i);
  return alternatives.some((alt) => !DENIED.test(alt) && !UNKNOWN.test(alt.trim()));
}

function main(): void {
  const raw = execFileSync("pnpm", ["licenses", "list", "--prod", "--json"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const byLicence = JSON.parse(raw || "{}") as Record<string, PkgInfo[]>;
  const bad: string[] = [];
  let count = 0;
  for (const [licence, pkgs] of Object.entries(byLicence)) {
    for (const p of pkgs) {
      count++;
      if (!allowed(p.license ?? licence))
        bad.push(`${p.name}@${p.versions.join(",")}: ${p.license ?? licence}`);
    }
  }
  if (bad.length) {
    console.error(
      `licence check: ${bad.length} runtime dependencies ctem cannot ship:\n  ${bad.join("\n  ")}`,
    );
    process.exit(1);
  }
  console.error(
    `licence check: ${count} runtime packages, licences ${Object.keys(byLicence).sort().join(", ")}: ok`,
  );
}

if (process.argv[1]?.endsWith("check-licences.ts")) main();
