// @ctem/discovery: cloud connectors (aws/, azure/, gcp/), the importer registry and importers
// (imports/), and the scan runner. Each part adds its exports here.
export * from "./imports/index.js";
export { runScan } from "./runner/runner.js";
export type { ScanTask, ScanEvent, ScanResult, RunScanOptions, CodedError } from "./runner/runner.js";
export { scanAws, awsSource } from "./aws/scan.js";
export type { AwsScanOptions, AwsScanResult } from "./aws/scan.js";
export { createAwsClients } from "./aws/clients.js";
export type { AwsClients, AwsClientOptions, AwsCredentials } from "./aws/clients.js";
export { AWS_MODULES } from "./aws/modules/index.js";
export type { AwsModule, AwsCollectContext, AwsTransformContext } from "./aws/module.js";
export { CollectError, awsErrorCode } from "./aws/errors.js";
export { AwsScopeConfig, parseAwsScopeConfig, newExternalId, AWS_REGION_PATTERN } from "./aws/scope.js";
export {
  scannerActions,
  scannerPolicy,
  scannerRoleTemplate,
  awsModulesMarkdown,
  withModulesTable,
} from "./aws/policy.js";
