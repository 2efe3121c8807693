// A local AWS endpoint for tests: point the real SDK clients at it (`endpoint`, or
// AWS_ENDPOINT_URL for a child process) and it answers per (service, action) with scripted
// replies — outputs in the API's JSON shape, serialized by the operation's own schema; AWS errors
// (AccessDenied, throttling) for a number of calls; raw bodies. Requests are routed by the
// service and region of their SigV4 credential scope and by the action (query protocols), the
// S3 sub-resource, or the operation's HTTP binding (REST-JSON). Of the rules that match a call,
// the one naming more parameters wins, then the one added last: script the normal answers, then
// override them (a denial, a throttle `times: 1`) per test. Every call is recorded.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inputSchema, operationName, operationTraits, serializeError, serializeOutput } from "./serialize.js";
import type { AwsProtocol, OperationSchema, WireResponse } from "./serialize.js";

/** The protocol of each service, by SigV4 signing name. */
export const AWS_PROTOCOLS: Record<string, AwsProtocol> = {
  ec2: "ec2",
  iam: "query",
  sts: "query",
  rds: "query",
  elasticloadbalancing: "query",
  s3: "restXml",
  inspector2: "restJson",
};

/** Smithy namespace → signing name, where they differ. */
const SIGNING_NAMES: Record<string, string> = {
  "com.amazonaws.elasticloadbalancingv2": "elasticloadbalancing",
  "com.amazonaws.s3control": "s3",
};

export function signingNameOf(op: OperationSchema): string {
  return SIGNING_NAMES[op[1]] ?? op[1].replace(/^com\.amazonaws\./, "");
}

export type AwsReply =
  | { output: Record<string, unknown> }
  | { error: { code: string; message?: string; status?: number } }
  | { raw: WireResponse };

export interface AwsRuleOptions {
  /** Only requests signed for this region. */
  region?: string;
  /** Request parameters that must be present with these values (null: must be absent). */
  params?: Record<string, string | null>;
  /** Answer this many calls, then step aside for the next matching rule. */
  times?: number;
}

interface Rule extends AwsRuleOptions {
  service: string;
  action: string;
  op: OperationSchema;
  reply: AwsReply;
  used: number;
  seq: number;
}

export interface AwsCall {
  service: string;
  region: string;
  action: string;
  params: Record<string, string>;
  status: number;
}

export interface AwsReplayServer {
  /** `http://127.0.0.1:<port>`: the endpoint for the SDK clients. */
  readonly url: string;
  readonly calls: AwsCall[];
  /** Fixtures the server could not serialize (unknown members, wrong types). */
  readonly errors: Error[];
  /** Answer `op` with `output` (the API's JSON shape). */
  on(op: OperationSchema, output: Record<string, unknown>, opts?: AwsRuleOptions): this;
  /** Answer `op` with an AWS error (e.g. "AccessDenied", 403; "Throttling", 400). */
  fail(
    op: OperationSchema,
    code: string,
    opts?: AwsRuleOptions & { status?: number; message?: string },
  ): this;
  /** Answer `op` with a raw HTTP response. */
  raw(op: OperationSchema, res: WireResponse, opts?: AwsRuleOptions): this;
  /** Forget every rule and call. */
  reset(): this;
  close(): Promise<void>;
}

const THROTTLE_STATUS: Record<AwsProtocol, number> = { ec2: 503, query: 400, restXml: 503, restJson: 429 };

/** The status AWS uses for a throttling error in this protocol (EC2 RequestLimitExceeded is 503). */
export function throttleStatus(protocol: AwsProtocol): number {
  return THROTTLE_STATUS[protocol];
}

function credentialScope(req: IncomingMessage): { region: string; service: string } | undefined {
  const auth = req.headers.authorization ?? "";
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  return m ? { region: m[1]!, service: m[2]! } : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

/** Matches a REST request against an operation's HTTP binding; returns the labels it bound. */
function matchHttp(
  op: OperationSchema,
  service: string,
  method: string,
  pathname: string,
  query: URLSearchParams,
): Record<string, string> | undefined {
  const http = operationTraits(op).http;
  if (!http || http[0] !== method) return undefined;
  const [tplPath = "/", tplQuery = ""] = http[1].split("?");
  const segs = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const params: Record<string, string> = {};
  // Path-style S3 (forcePathStyle): the bucket is the first segment, not part of the binding.
  if (service === "s3" && Object.keys(inputSchema(op).getMemberSchemas()).includes("Bucket")) {
    const bucket = segs.shift();
    if (!bucket) return undefined;
    params.Bucket = bucket;
  }
  const tpl = tplPath.split("/").filter(Boolean);
  for (let i = 0; i < tpl.length; i++) {
    const t = tpl[i]!;
    const label = /^\{(.+?)(\+)?\}$/.exec(t);
    if (label) {
      if (label[2]) {
        params[label[1]!] = segs.slice(i).join("/");
        return params;
      }
      if (segs[i] === undefined) return undefined;
      params[label[1]!] = segs[i]!;
    } else if (segs[i] !== t) return undefined;
  }
  if (segs.length !== tpl.length) return undefined;
  for (const lit of tplQuery.split("&").filter(Boolean)) {
    const [k, v] = lit.split("=");
    if (k === "x-id") continue;
    if (!query.has(k!) || (v !== undefined && query.get(k!) !== v)) return undefined;
  }
  return params;
}

export async function startAwsReplayServer(
  opts: { protocols?: Record<string, AwsProtocol>; /** 0 (default): any free port. */ port?: number } = {},
): Promise<AwsReplayServer> {
  const protocols = { ...AWS_PROTOCOLS, ...opts.protocols };
  let rules: Rule[] = [];
  let seq = 0;
  let reqNo = 0;
  const calls: AwsCall[] = [];
  const errors: Error[] = [];

  const pick = (
    service: string,
    action: string,
    region: string,
    params: Record<string, string>,
    namespace?: string,
  ) =>
    rules
      .filter(
        (r) =>
          r.service === service &&
          // S3 and S3 Control share a signing name and an action name (GetPublicAccessBlock).
          (namespace === undefined || r.op[1] === namespace) &&
          r.action === action &&
          (r.region === undefined || r.region === region) &&
          (r.times === undefined || r.used < r.times) &&
          Object.entries(r.params ?? {}).every(([k, v]) => (v === null ? !(k in params) : params[k] === v)),
      )
      .sort(
        (a, b) => Object.keys(b.params ?? {}).length - Object.keys(a.params ?? {}).length || b.seq - a.seq,
      )[0];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `ctem-testkit-${++reqNo}`;
    const scope = credentialScope(req);
    const body = await readBody(req);
    const send = (w: WireResponse) => {
      res.writeHead(w.status, { ...w.headers, "content-length": Buffer.byteLength(w.body) });
      res.end(w.body);
    };
    if (!scope) {
      send({ status: 403, headers: {}, body: "ctem testkit: unsigned request" });
      return;
    }
    const protocol = protocols[scope.service];
    if (!protocol) {
      send({
        status: 400,
        headers: {},
        body: `ctem testkit: no protocol known for service ${scope.service}`,
      });
      return;
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let action: string | undefined;
    let namespace: string | undefined;
    let params: Record<string, string> = {};
    if (protocol === "ec2" || protocol === "query") {
      params = Object.fromEntries(new URLSearchParams(body));
      action = params.Action;
    } else {
      const query = url.searchParams;
      // Most specific binding first: "/?acl" before "/".
      const candidates = rules
        .filter((r) => r.service === scope.service)
        .map((r) => ({ r, bound: matchHttp(r.op, scope.service, req.method ?? "GET", url.pathname, query) }))
        .filter((c) => c.bound)
        .sort(
          (a, b) =>
            (operationTraits(b.r.op).http?.[1].length ?? 0) - (operationTraits(a.r.op).http?.[1].length ?? 0),
        );
      const hit = candidates[0];
      if (hit) {
        action = hit.r.action;
        namespace = hit.r.op[1];
        params = { ...Object.fromEntries(query), ...hit.bound };
        if (protocol === "restJson" && body) {
          const parsed = JSON.parse(body) as Record<string, unknown>;
          for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") params[k] = v;
        }
      }
    }
    const rule = action ? pick(scope.service, action, scope.region, params, namespace) : undefined;
    let w: WireResponse;
    if (!rule) {
      w = serializeError(
        protocol,
        {
          code: "CtemTestkitNoReply",
          message: `ctem testkit: nothing scripted for ${scope.service} ${action ?? `${req.method} ${req.url}`} in ${scope.region}`,
          status: 501,
        },
        requestId,
      );
    } else {
      rule.used++;
      const r = rule.reply;
      w =
        "output" in r
          ? serializeOutput(protocol, rule.op, r.output, requestId)
          : "error" in r
            ? serializeError(protocol, r.error, requestId)
            : r.raw;
    }
    calls.push({
      service: scope.service,
      region: scope.region,
      action: action ?? "?",
      params,
      status: w.status,
    });
    send(w);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // A fixture that does not fit its shape: say so loudly (tests see it as the error message).
      const body = `<ErrorResponse><Error><Code>CtemTestkitError</Code><Message>${String(e instanceof Error ? e.message : e).replace(/[<&]/g, " ")}</Message></Error></ErrorResponse>`;
      errors.push(e instanceof Error ? e : new Error(String(e)));
      res.writeHead(500, { "content-type": "text/xml" });
      res.end(body);
    });
  });
  // Keep-alive sockets would hold close() open after the SDK clients are done.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const add = (op: OperationSchema, reply: AwsReply, o: AwsRuleOptions = {}) => {
    rules.push({
      ...o,
      service: signingNameOf(op),
      action: operationName(op),
      op,
      reply,
      used: 0,
      seq: seq++,
    });
  };
  const api: AwsReplayServer = {
    url: `http://127.0.0.1:${port}`,
    calls,
    errors,
    on(op, output, o) {
      add(op, { output }, o);
      return api;
    },
    fail(op, code, o = {}) {
      const { status, message, ...rest } = o;
      add(op, { error: { code, ...(status ? { status } : {}), ...(message ? { message } : {}) } }, rest);
      return api;
    },
    raw(op, w, o) {
      add(op, { raw: w }, o);
      return api;
    },
    reset() {
      rules = [];
      calls.length = 0;
      errors.length = 0;
      return api;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
  return api;
}
