// Import peak RSS: a generated 200 MB Trivy JSON report (100,000 vulnerabilities with realistic
// descriptions and references) imported into SQLite by `importReport` in a fresh process, whose
// VmHWM is the figure. The report is written into the run's scratch directory, never committed.
import { fork } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
// The importers alone: the package root also loads the cloud connectors and their SDKs.
import { fileSource, importReport } from "@ctem/discovery/imports";
import { openSqliteStores } from "@ctem/store";
import type { BenchFigure, Measurement } from "../harness.js";

const CHILD_FLAG = "--ctem-bench-import-child";
const TARGET_BYTES = 200 * 1024 * 1024;
const MiB = 1024 * 1024;

interface ChildResult {
  found: number;
  written: number;
  status: string;
  message?: string;
  ms: number;
  peakMiB: number;
}

/** Writes a Trivy report of about `bytes` bytes: results of 5,000 vulnerabilities each. */
export async function writeTrivyReport(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, "drain");
  };
  const filler =
    "The vulnerable function mishandles crafted input, which allows remote attackers to cause a denial of service or possibly execute arbitrary code. ".repeat(
      6,
    );
  await write(
    `{"SchemaVersion":2,"CreatedAt":"2026-01-01T00:00:00Z","ArtifactName":"registry.example/bench:1","ArtifactType":"container_image","Metadata":{"ImageID":"sha256:${"b".repeat(64)}","RepoTags":["registry.example/bench:1"]},"Results":[`,
  );
  let written = 0;
  let n = 0;
  for (let r = 0; written < bytes; r++) {
    await write(
      `${r ? "," : ""}{"Target":"layer-${r}","Class":"os-pkgs","Type":"debian","Vulnerabilities":[`,
    );
    for (let i = 0; i < 5000 && written < bytes; i++, n++) {
      const v = {
        VulnerabilityID: `CVE-2024-${100000 + n}`,
        PkgName: `pkg-${n % 7919}`,
        InstalledVersion: "1.2.3-1",
        FixedVersion: "1.2.4-1",
        Status: "fixed",
        Severity: ["LOW", "MEDIUM", "HIGH", "CRITICAL"][n % 4],
        Title: `pkg-${n % 7919}: crafted input handling flaw`,
        Description: filler,
        CVSS: { nvd: { V3Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", V3Score: 9.8 } },
        References: Array.from({ length: 8 }, (_, k) => `https://security.example.org/advisories/${n}/${k}`),
      };
      const s = (i ? "," : "") + JSON.stringify(v);
      written += s.length;
      await write(s);
    }
    await write("]}");
  }
  await write("]}\n");
  out.end();
  await once(out, "finish");
  return n;
}

async function runChild(file: string, db: string): Promise<ChildResult> {
  const stores = openSqliteStores(db);
  const t0 = performance.now();
  const r = await importReport(stores.graph, fileSource(file), {
    id: "bench-import",
    startedAt: new Date().toISOString(),
  });
  const ms = performance.now() - t0;
  await stores.close();
  const status = await readFile("/proc/self/status", "utf8").catch(() => "");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  const peakMiB = m?.[1] ? Number(m[1]) / 1024 : process.memoryUsage().rss / MiB;
  return {
    found: r.found,
    written: r.written,
    status: r.status,
    ...(r.message ? { message: r.message } : {}),
    ms,
    peakMiB,
  };
}

if (process.argv.includes(CHILD_FLAG)) {
  const i = process.argv.indexOf(CHILD_FLAG);
  runChild(process.argv[i + 1]!, process.argv[i + 2]!).then(
    (r) => process.send?.(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

export const importPeakRss: Measurement = {
  name: "import-rss",
  description: "ctem import of a generated 200 MB Trivy JSON report into SQLite: peak RSS of a fresh process",
  async run(ctx): Promise<BenchFigure[]> {
    const file = path.join(ctx.tmpDir, "trivy-200mb.json");
    const vulns = await writeTrivyReport(file, TARGET_BYTES);
    const size = (await stat(file)).size;
    ctx.log(
      `import-rss: generated ${(size / MiB).toFixed(0)} MiB report with ${vulns.toLocaleString("en-US")} vulnerabilities`,
    );
    const result = await new Promise<ChildResult>((resolve, reject) => {
      const child = fork(
        fileURLToPath(import.meta.url),
        [CHILD_FLAG, file, path.join(ctx.tmpDir, "import.db")],
        {
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        },
      );
      let got: ChildResult | undefined;
      child.on("message", (m) => (got = m as ChildResult));
      child.on("error", reject);
      child.on("exit", (code) =>
        got ? resolve(got) : reject(new Error(`import child exited with ${code}`)),
      );
    });
    if (result.status !== "ok" || result.found !== vulns)
      throw new Error(
        `import-rss: expected ${vulns} findings imported, got ${result.status} ${result.found} ${result.message ?? ""}`,
      );
    return [
      {
        metric: "import peak RSS (200 MB report)",
        value: result.peakMiB,
        unit: "MiB",
        target: { op: "<=", value: 400 },
        note: `${(size / MiB).toFixed(0)} MiB, ${result.found.toLocaleString("en-US")} findings written in ${(result.ms / 1000).toFixed(1)} s (validate pass + write pass)`,
      },
      { metric: "import throughput", value: size / MiB / (result.ms / 1000), unit: "MiB/s" },
    ];
  },
};
