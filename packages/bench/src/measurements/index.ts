// Every measurement `pnpm bench` runs, in report order. Each issue adds its own here.
import type { Measurement } from "../harness.js";
import { ingest } from "./ingest.js";
import { intelLoadMeasurement } from "./intel.js";
import { importPeakRss } from "./import.js";
import { derive10k, derive100k } from "./derive.js";
import { webMeasurement } from "./web.js";
import { analyze10k, analyze100k } from "./analyze.js";
import { apiIssues50k } from "./api.js";

export const MEASUREMENTS: Measurement[] = [
  ingest,
  intelLoadMeasurement,
  importPeakRss,
  derive10k,
  derive100k,
  analyze10k,
  analyze100k,
  apiIssues50k,
  webMeasurement,
];
