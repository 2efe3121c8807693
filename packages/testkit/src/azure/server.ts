// A replay server for Azure Resource Manager (DESIGN "Tests and fixtures"), used by the connector
// tests through the real ARM SDK clients in two ways: in-process through the clients' `httpClient`
// option (`replay.httpClient`), or over loopback HTTPS (`replay.url`) with the committed test CA
// (`AZURE_TEST_CA_FILE`, for NODE_EXTRA_CA_CERTS in a child process: the SDK's bearer-token policy
// refuses plain http). Answers are keyed by method and lower-cased path (the api-version is
// ignored: the SDK's versions differ from the recordings'). Listings answer `{ value: [...] }`;
// unknown paths answer 404 with ARM's error shape, so a missing fixture is a failed collector,
// never an empty list. Also serves ARM's metadata document and an Entra token endpoint, so a
// client-secret credential can sign in against a custom `--arm-endpoint`.
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const PUBLIC_HOSTS = /https:\/\/(management\.azure\.com|graph\.microsoft\.com)(?=\/)/g;

export const AZURE_TEST_CA_FILE = fileURLToPath(new URL("./tls/ca.pem", import.meta.url));
const CERT_FILE = fileURLToPath(new URL("./tls/server.pem", import.meta.url));
const KEY_FILE = fileURLToPath(new URL("./tls/server-key.pem", import.meta.url));

export interface AzureReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface AzureCall {
  method: string;
  path: string;
  query: string;
  status: number;
  authorization?: string;
}

type Handler = AzureReply | ((call: { method: string; path: string; query: URLSearchParams }) => AzureReply);

export interface AzureReplayServer {
  /** https://127.0.0.1:<port> (trust AZURE_TEST_CA_FILE). */
  url: string;
  /** An `HttpClient` for the ARM clients' `httpClient` option: same answers, no socket. */
  httpClient: AzureHttpClient;
  calls: AzureCall[];
  /** Answers `method path` (lower-cased, no query) with `reply`. */
  on(method: string, path: string, reply: Handler): AzureReplayServer;
  /** A listing answered as `{ value }` (ARM's page shape). */
  list(path: string, value: unknown[]): AzureReplayServer;
  /** Every request whose path starts with `prefix` gets ARM's error answer (403, 429 …). */
  fail(prefix: string, status: number, code: string, message?: string): AzureReplayServer;
  /** Removes `fail` rules. */
  clearFailures(): AzureReplayServer;
  close(): Promise<void>;
}

/** The structural shape of @azure/core-rest-pipeline's HttpClient (testkit does not depend on it). */
export interface AzureHttpClient {
  sendRequest(request: {
    url: string;
    method: string;
    headers: { get(name: string): string | undefined };
  }): Promise<unknown>;
}

function headersOf(h: Record<string, string>) {
  const m = new Map(Object.entries(h).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
  const o = {
    get: (n: string) => m.get(n.toLowerCase())?.value,
    has: (n: string) => m.has(n.toLowerCase()),
    set: (n: string, v: string | number | boolean) =>
      void m.set(n.toLowerCase(), { name: n, value: String(v) }),
    delete: (n: string) => void m.delete(n.toLowerCase()),
    toJSON: (opts?: { preserveCase?: boolean }) =>
      Object.fromEntries([...m].map(([k, v]) => [opts?.preserveCase ? v.name : k, v.value])),
    *[Symbol.iterator](): IterableIterator<[string, string]> {
      for (const [k, v] of m) yield [k, v.value];
    },
  };
  return o;
}

const armError = (status: number, code: string, message: string): AzureReply => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", "x-ms-failure-cause": "gateway" },
  body: { error: { code, message } },
});

export async function startAzureReplayServer(): Promise<AzureReplayServer> {
  const routes = new Map<string, Handler>();
  const failures: Array<{ prefix: string; reply: AzureReply }> = [];
  const calls: AzureCall[] = [];
  let base = "";

  const answer = (method: string, url: URL, authorization: string | undefined): AzureReply => {
    const path = decodeURIComponent(url.pathname).toLowerCase().replace(/\/+$/, "");
    const query = url.searchParams;
    let reply: AzureReply;
    const failure = failures.find((f) => path.startsWith(f.prefix));
    if (failure) reply = failure.reply;
    else if (path === "/metadata/endpoints")
      reply = {
        status: 200,
        body: {
          name: "ctem-testkit",
          resourceManager: base,
          authentication: {
            loginEndpoint: base,
            audiences: [base],
            tenant: "common",
            identityProvider: "AAD",
          },
          microsoftGraphResourceId: base,
        },
      };
    else if (
      /^\/[^/]+\/v2\.0\/\.well-known\/openid-configuration$/.test(path) ||
      /^\/[^/]+\/\.well-known\/openid-configuration$/.test(path)
    ) {
      const tenant = path.split("/")[1]!;
      reply = {
        status: 200,
        body: {
          token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
          issuer: `${base}/${tenant}/v2.0`,
          jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
          end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
          response_types_supported: ["code", "id_token", "token"],
        },
      };
    } else if (method === "POST" && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(path))
      reply = {
        status: 200,
        body: {
          token_type: "Bearer",
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: "testkit-arm-token",
        },
      };
    else {
      const h = routes.get(`${method} ${path}`);
      if (!h)
        reply = armError(404, "ResourceNotFound", `the replay server has no answer for ${method} ${path}`);
      else reply = typeof h === "function" ? h({ method, path, query }) : h;
    }
    calls.push({
      method,
      path,
      query: url.search,
      status: reply.status,
      ...(authorization ? { authorization } : {}),
    });
    return reply;
  };

  const encode = (r: AzureReply) => {
    const text = r.body === undefined ? "" : typeof r.body === "string" ? r.body : JSON.stringify(r.body);
    const headers = {
      "content-type": "application/json; charset=utf-8",
      "x-ms-request-id": "00000000-0000-0000-0000-000000000000",
      ...(r.headers ?? {}),
    };
    return { text, headers };
  };

  const server = createServer(
    { cert: readFileSync(CERT_FILE), key: readFileSync(KEY_FILE) },
    (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on("end", () => {
        const url = new URL(req.url ?? "/", base);
        const r = answer(req.method ?? "GET", url, req.headers.authorization);
        const { text, headers } = encode(r);
        res.writeHead(r.status, headers);
        // Next-page links name the public clouds' hosts; over loopback they must come back here.
        res.end(text.replace(PUBLIC_HOSTS, base));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const httpClient: AzureHttpClient = {
    sendRequest(request) {
      const url = new URL(request.url);
      const r = answer(request.method, url, request.headers.get("authorization"));
      const { text, headers } = encode(r);
      return Promise.resolve({ request, status: r.status, headers: headersOf(headers), bodyAsText: text });
    },
  };

  const replay: AzureReplayServer = {
    url: base,
    httpClient,
    calls,
    on(method, path, reply) {
      routes.set(`${method.toUpperCase()} ${path.toLowerCase().replace(/\/+$/, "")}`, reply);
      return replay;
    },
    list(path, value) {
      return replay.on("GET", path, { status: 200, body: { value } });
    },
    fail(prefix, status, code, message) {
      const reply = armError(status, code, message ?? `${code} (scripted by the replay server)`);
      // Throttling answers say when to come back; 0 keeps the SDK's retries quick.
      if (status === 429) reply.headers = { ...reply.headers, "retry-after": "0" };
      failures.push({ prefix: prefix.toLowerCase(), reply });
      return replay;
    },
    clearFailures() {
      failures.length = 0;
      return replay;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return replay;
}
