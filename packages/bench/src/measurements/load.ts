// One measurement by name, importing only the module that defines it: a measurement's child process
// (main.ts) then holds none of the others' modules. Importing them all took a child to 435 MiB of
// RSS before it measured anything (the API measurement's server and its cloud SDKs about 330 of
// it; any one module alone 75-146 MiB), and that counted in every peak RSS figure.
import type { Measurement } from "../harness.js";

const LOADERS: Record<string, () => Promise<Measurement>> = {
  ingest: () => import("./ingest.js").then((m) => m.ingest),
  "intel-load": () => import("./intel.js").then((m) => m.intelLoadMeasurement),
  "import-rss": () => import("./import.js").then((m) => m.importPeakRss),
  "derive-10k": () => import("./derive.js").then((m) => m.derive10k),
  "derive-100k": () => import("./derive.js").then((m) => m.derive100k),
  "analyze-10k": () => import("./analyze.js").then((m) => m.analyze10k),
  "analyze-100k": () => import("./analyze.js").then((m) => m.analyze100k),
  "api-issues-50k": () => import("./api.js").then((m) => m.apiIssues50k),
  web: () => import("./web.js").then((m) => m.webMeasurement),
};

/** The names that can be loaded (main.ts checks them against the report's list). */
export const LOADABLE: readonly string[] = Object.keys(LOADERS);

/** The measurement `name`, from its own module alone. */
export async function loadMeasurement(name: string): Promise<Measurement> {
  const load = LOADERS[name];
  if (!load) throw new Error(`bench: no loader for measurement '${name}' (measurements/load.ts)`);
  const m = await load();
  if (m.name !== name) throw new Error(`bench: loader '${name}' gave measurement '${m.name}'`);
  return m;
}
