// Serves the recorded AWS account on 127.0.0.1 for trying `ctem scan aws` end to end:
//   pnpm exec tsx packages/discovery/test/serve-recorded-account.ts [--port N] [--deny Action,…]
// then, in another shell, with the printed AWS_ENDPOINT_URL:
//   AWS_ENDPOINT_URL=http://127.0.0.1:N AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
//   AWS_REGION=us-east-1 pnpm ctem --data /tmp/ctem-demo scan aws --regions us-east-1,us-west-2
// `--deny DescribeInstances` answers that action with AccessDenied (the scan then exits 3).
import { startAwsReplayServer } from "@ctem/testkit";
import { denyActions, scriptRecordedAccount } from "./aws-helpers.js";

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const aws = scriptRecordedAccount(await startAwsReplayServer({ port: Number(opt("--port") ?? 0) }));
denyActions(aws, (opt("--deny") ?? "").split(",").filter(Boolean));
process.stdout.write(`AWS_ENDPOINT_URL=${aws.url}\n`);
const stop = () => {
  void aws.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
