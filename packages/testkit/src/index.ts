// @ctem/testkit (dev-only): local replay servers the connector tests point the real SDK clients at.
export { startAwsReplayServer, AWS_PROTOCOLS, signingNameOf, throttleStatus } from "./aws/server.js";
export type { AwsReplayServer, AwsReply, AwsRuleOptions, AwsCall } from "./aws/server.js";
export { serializeOutput, serializeError, ShapeError } from "./aws/serialize.js";
export type { AwsProtocol, OperationSchema, WireResponse } from "./aws/serialize.js";
export { startGcpReplayServer } from "./gcp/server.js";
export type { GcpReplayServer, GcpAssetPage, GcpCall, GcpFailure } from "./gcp/server.js";
export { startAzureReplayServer, AZURE_TEST_CA_FILE } from "./azure/server.js";
export type { AzureReplayServer, AzureReply, AzureCall, AzureHttpClient } from "./azure/server.js";
export { loadCassette } from "./azure/cassette.js";
