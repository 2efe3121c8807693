// Reads VCR cassettes (`{ version: 1, interactions: [{ request, response }] }`, as cloud-custodian
// records ARM) into replay routes: each GET answer keyed by its lower-cased path. Bodies are JSON
// under `response.body.data`, or a raw string under `response.body.string`.
import type { AzureReplayServer } from "./server.js";

interface Interaction {
  request: { method: string; uri: string };
  response: { status: { code: number }; body: { data?: unknown; string?: string } };
}

export function loadCassette(replay: AzureReplayServer, cassette: unknown, file = "cassette"): number {
  const c = cassette as { interactions?: Interaction[] };
  if (!Array.isArray(c.interactions)) throw new Error(`${file}: not a VCR cassette (no interactions)`);
  let n = 0;
  c.interactions.forEach((i, k) => {
    if (i.request.method !== "GET") return;
    const url = new URL(i.request.uri);
    let body: unknown = i.response.body.data;
    if (body === undefined && typeof i.response.body.string === "string") {
      try {
        body = JSON.parse(i.response.body.string);
      } catch {
        throw new Error(`${file}: interactions[${k}].response.body.string is not JSON`);
      }
    }
    replay.on("GET", decodeURIComponent(url.pathname), { status: i.response.status.code, body });
    n++;
  });
  return n;
}
