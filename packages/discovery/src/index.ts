// @ctem/discovery: cloud connectors (aws/, azure/, gcp/), the importer registry and importers
// (imports/), and the scan runner. Each part adds its exports here.
export * from "./imports/index.js";
