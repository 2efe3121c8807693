// `pnpm start`: runs `ctem serve` once the server exists (issue "Server, part 1"). Until then it
// says so plainly and shows what does work, instead of pretending to start something.
import { buildProgram } from "../apps/server/src/cli/main.js";
import { main } from "../apps/server/src/cli/main.js";

const io = {
  stdout: (s: string) => process.stdout.write(s),
  stderr: (s: string) => process.stderr.write(s),
  env: process.env,
};
const hasServe = buildProgram(io).commands.some((c) => c.name() === "serve");
if (hasServe) {
  process.exitCode = await main(["serve", ...process.argv.slice(2)], io);
} else {
  process.stderr.write(
    [
      "ctem: the API server and web UI are not built yet (they arrive with the server and web issues),",
      "so `pnpm start` has nothing to serve. What works today:",
      "  pnpm ctem assets list            # the inventory in ./data/ctem.db",
      "  pnpm ctem intel lookup CVE-2021-44228 --json",
      "  pnpm ctem --help                 # every command that exists",
      "",
    ].join("\n"),
  );
  process.exitCode = await main(["--help"], io);
}
