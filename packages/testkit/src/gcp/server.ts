// A local replay server for the Cloud Asset API v1 REST surface (`GET /v1/{parent}/assets`), the
// calls @google-cloud/asset makes with `fallback: true`, `apiEndpoint: "127.0.0.1"`, `port` and
// `protocol: "http"`. Replies are listAssets pages in the REST JSON shape, chosen by parent and
// contentType and chained by pageToken; a scripted failure answers with Google's JSON error body
// (`{error: {code, message, status}}`), which the client turns into a GoogleError. Every call is
// recorded so tests can assert what the client asked.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GcpAssetPage {
  assets: unknown[];
  readAt?: string;
}

export interface GcpCall {
  method: string;
  path: string;
  parent: string;
  contentType: string;
  assetTypes: string[];
  pageToken: string;
  authorization: string | undefined;
}

export interface GcpFailure {
  /** HTTP status, e.g. 403. */
  status: number;
  /** google.rpc.Code name, e.g. PERMISSION_DENIED. */
  code: string;
  message: string;
}

export interface GcpReplayServer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  calls: GcpCall[];
  /** Pages for `parent` (e.g. `projects/p`) and content type (`RESOURCE`, `IAM_POLICY`), in order. */
  pages(parent: string, contentType: string, pages: GcpAssetPage[]): void;
  /** Answers every listAssets call for `parent` and `contentType` with an error until cleared. */
  fail(parent: string, contentType: string, failure: GcpFailure | undefined): void;
  close(): Promise<void>;
}

/** google.cloud.asset.v1.ContentType by number. */
const CONTENT_TYPES: Record<number, string> = {
  0: "CONTENT_TYPE_UNSPECIFIED",
  1: "RESOURCE",
  2: "IAM_POLICY",
  4: "ORG_POLICY",
  5: "ACCESS_POLICY",
  6: "OS_INVENTORY",
  7: "RELATIONSHIP",
};

const send = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
};

export async function startGcpReplayServer(): Promise<GcpReplayServer> {
  const pages = new Map<string, GcpAssetPage[]>();
  const failures = new Map<string, GcpFailure>();
  const calls: GcpCall[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/v1\/((?:projects|folders|organizations)\/[^/]+)\/assets$/.exec(url.pathname);
    if (req.method !== "GET" || !m) {
      send(res, 404, {
        error: { code: 404, message: `no replay for ${req.method} ${url.pathname}`, status: "NOT_FOUND" },
      });
      return;
    }
    const parent = decodeURIComponent(m[1]!);
    // The client sends enums as numbers (`$alt=json;enum-encoding=int`); recordings name them.
    const ct = url.searchParams.get("contentType") ?? "0";
    const contentType = CONTENT_TYPES[Number(ct)] ?? ct;
    const pageToken = url.searchParams.get("pageToken") ?? "";
    calls.push({
      method: req.method,
      path: url.pathname,
      parent,
      contentType,
      assetTypes: url.searchParams.getAll("assetTypes"),
      pageToken,
      authorization: req.headers.authorization,
    });
    const key = `${parent}|${contentType}`;
    const f = failures.get(key);
    if (f) {
      send(res, f.status, { error: { code: f.status, message: f.message, status: f.code } });
      return;
    }
    const list = pages.get(key);
    if (!list) {
      send(res, 404, { error: { code: 404, message: `no pages recorded for ${key}`, status: "NOT_FOUND" } });
      return;
    }
    const i = pageToken ? Number(pageToken.replace(/^page-/, "")) : 0;
    const page = list[i];
    if (!page) {
      send(res, 400, {
        error: { code: 400, message: `bad page token ${pageToken}`, status: "INVALID_ARGUMENT" },
      });
      return;
    }
    send(res, 200, {
      readTime: page.readAt ?? "2026-01-01T00:00:00Z",
      assets: page.assets,
      ...(i + 1 < list.length ? { nextPageToken: `page-${i + 1}` } : {}),
    });
  };
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    calls,
    pages(parent, contentType, p) {
      pages.set(`${parent}|${contentType}`, p);
    },
    fail(parent, contentType, failure) {
      if (failure) failures.set(`${parent}|${contentType}`, failure);
      else failures.delete(`${parent}|${contentType}`);
    },
    close: () =>
      new Promise<void>((r, j) => {
        server.closeAllConnections();
        server.close((e) => (e ? j(e) : r()));
      }),
  };
}
