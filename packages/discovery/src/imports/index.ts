// The importer registry with every built-in format registered, and the import runner.
import { registerImporter } from "./registry.js";
import { asffImporter } from "./formats/asff.js";
import { grypeImporter } from "./formats/grype.js";
import { inspector2Importer } from "./formats/inspector2.js";
import { sarifImporter } from "./formats/sarif.js";
import { trivyImporter } from "./formats/trivy.js";
import { cyclonedxImporter } from "./formats/cyclonedx.js";
import { ocsfImporter } from "./formats/ocsf.js";
import { cloudsploitImporter } from "./formats/cloudsploit.js";
import { gcpArtifactImporter } from "./formats/gcp-artifact.js";
import { wizImporter } from "./formats/wiz.js";
import { azureDefenderImporter } from "./formats/azure-defender.js";
import { gcpCaiImporter } from "./formats/gcp-cai.js";

export const BUILTIN_IMPORTERS = [
  trivyImporter,
  grypeImporter,
  inspector2Importer,
  sarifImporter,
  asffImporter,
  cyclonedxImporter,
  ocsfImporter,
  cloudsploitImporter,
  gcpArtifactImporter,
  wizImporter,
  azureDefenderImporter,
  gcpCaiImporter,
];
for (const imp of BUILTIN_IMPORTERS) registerImporter(imp);

export { registerImporter, listImporters, getImporter, detectImporter } from "./registry.js";
export type { Importer, ImportSource, ParseContext, Sniff, GraphFactsStream } from "./registry.js";
export { importReport } from "./run.js";
export type { ImportFileResult, ImportOptions, ImportStatus } from "./run.js";
export { fileSource, bytesSource } from "./source.js";
export { sniff } from "./sniff.js";
export { importSourceKey, severityOf } from "./facts.js";
export { walkJson, JsonShapeError } from "./json-walk.js";
