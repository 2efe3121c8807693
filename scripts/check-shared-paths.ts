// Fails on any path into ../shared in the repository: tests copy what they need into fixtures/
// (DESIGN "Tests and fixtures"). Markdown is exempt: SOURCES.md files name where data came from.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

// Built from parts so this file does not match itself.
const SHARED = ["\\.\\.[\\\\/]+(\\.\\.[\\\\/]+)*", "shared", "([\\\\/]|\\b)"].join("");
// Also path.join(…, "..", "shared"): a ".." segment followed by a "shared" segment.
const JOINED = `['"\`]\\.\\.['"\`]\\s*,\\s*['"\`]shared['"\`]`;
export const SHARED_PATH = new RegExp(`${SHARED}|[\\\\/]work[\\\\/]shared\\b|${JOINED}`);

/** This check and its test necessarily spell such paths. */
const SELF = new Set(["scripts/check-shared-paths.ts", "scripts/checks.test.ts"]);

export function findSharedPaths(files: string[], read: (f: string) => string): string[] {
  const hits: string[] = [];
  for (const f of files) {
    if (f.endsWith(".md") || SELF.has(f)) continue;
    let text: string;
    try {
      text = read(f);
    } catch {
      continue; // deleted in the work tree
    }
    if (text.includes("\u0000")) continue; // binary
    text.split("\n").forEach((line, i) => {
      if (SHARED_PATH.test(line)) hits.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  return hits;
}

function main(): void {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
  const hits = findSharedPaths(files, (f) => readFileSync(f, "utf8"));
  if (hits.length) {
    console.error(
      `shared-path check: ${hits.length} paths into ../shared (copy the data into fixtures/):\n  ${hits.join("\n  ")}`,
    );
    process.exit(1);
  }
  console.error(`shared-path check: ${files.length} files, no path into ../shared: ok`);
}

if (process.argv[1]?.endsWith("check-shared-paths.ts")) main();
