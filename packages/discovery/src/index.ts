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
export { scanAzure, azureSource } from "./azure/scan.js";
export type { AzureScanOptions, AzureScanResult } from "./azure/scan.js";
export { createAzureCredential } from "./azure/credential.js";
export type { AzureCredentialOptions } from "./azure/credential.js";
export { resolveAzureEndpoints, AZURE_CLOUDS } from "./azure/endpoints.js";
export type { AzureCloud, AzureEndpoints } from "./azure/endpoints.js";
export { AzureScopeConfig, parseAzureScopeConfig, AZURE_GUID_PATTERN } from "./azure/scope.js";
export { AZURE_MODULES } from "./azure/modules/index.js";
export type { AzureModule } from "./azure/module.js";
export {
  azureScannerActions,
  azureScannerRole,
  azureModulesMarkdown,
  withAzureModulesTable,
} from "./azure/policy.js";
export { scanGcp } from "./gcp/scan.js";
export type { GcpScanOptions, GcpScanResult } from "./gcp/scan.js";
export { gcpSource, GCP_COLLECTORS, GCP_PARENT_PATTERN } from "./gcp/source.js";
export { GcpScopeConfig, parseGcpScopeConfig } from "./gcp/scope.js";
export { createGcpAssetClient } from "./gcp/client.js";
export type { GcpAssetClient, GcpClientOptions } from "./gcp/client.js";
export { GCP_MODULES } from "./gcp/modules.js";
export type { GcpModule } from "./gcp/module.js";
export { normalizeAsset } from "./gcp/assets.js";
export type { CaiAsset, CaiBinding } from "./gcp/assets.js";
export { transformResources, transformIamPolicies, GCP_TYPES } from "./gcp/transform.js";
export { gcpErrorCode } from "./gcp/errors.js";
export {
  gcpScannerPermissions,
  gcpScannerRoles,
  gcpRolesDocument,
  gcpCustomRoleYaml,
  gcpModulesMarkdown,
  withGcpModulesTable,
} from "./gcp/policy.js";
