// Writes an operation's output the way the AWS service would put it on the wire, driven by the
// SDK's own Smithy schemas (exported by every @aws-sdk/client-* package as `<Operation>$`). Tests
// keep fixtures in the API's JSON shape (the shape boto3, the AWS CLI and SDK v3 agree on) and the
// replay server turns them into EC2-query XML, awsQuery XML, REST-XML or REST-JSON, so the real
// SDK deserializers run over them.
import { NormalizedSchema } from "@smithy/core/schema";

/** `[9, namespace, name, traits, input, output]`: the static operation schema an SDK client exports. */
export type OperationSchema = readonly [9, string, string, unknown, unknown, unknown];

export type AwsProtocol = "ec2" | "query" | "restXml" | "restJson";

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShapeError";
  }
}

export function operationName(op: OperationSchema): string {
  return op[2];
}

export function operationTraits(op: OperationSchema): { http?: [string, string, number] } {
  const t = op[3];
  return t && typeof t === "object" ? t : {};
}

export function inputSchema(op: OperationSchema): NormalizedSchema {
  return NormalizedSchema.of(op[4] as Parameters<typeof NormalizedSchema.of>[0]);
}

export function outputSchema(op: OperationSchema): NormalizedSchema {
  return NormalizedSchema.of(op[5] as Parameters<typeof NormalizedSchema.of>[0]);
}

/** A scalar as text (objects as JSON, never "[object Object]"). */
const text = (v: unknown): string =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

interface Traits {
  xmlName?: string;
  xmlFlattened?: unknown;
  xmlAttribute?: unknown;
  jsonName?: string;
  httpHeader?: string;
  httpPayload?: unknown;
  httpResponseCode?: unknown;
}
const traitsOf = (s: NormalizedSchema) => s.getMergedTraits() as Traits;

function isoTime(v: unknown, path: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number") return new Date(v * 1000).toISOString();
  if (v instanceof Date) return v.toISOString();
  throw new ShapeError(`${path}: expected a timestamp, got ${typeof v}`);
}

function scalarText(s: NormalizedSchema, v: unknown, path: string): string {
  if (s.isTimestampSchema()) return isoTime(v, path);
  if (s.isBlobSchema()) return Buffer.from(text(v)).toString("base64");
  if (typeof v === "object" && v !== null) throw new ShapeError(`${path}: expected a scalar`);
  return text(v);
}

/** Unknown members are an error: a fixture typo must not vanish silently on the way to the SDK. */
function checkMembers(s: NormalizedSchema, v: Record<string, unknown>, path: string): void {
  const known = new Set(Object.keys(s.getMemberSchemas()));
  for (const k of Object.keys(v))
    if (!known.has(k)) throw new ShapeError(`${path}.${k}: not a member of ${s.getName() ?? "the shape"}`);
}

function xmlValue(s: NormalizedSchema, name: string, v: unknown, path: string): string {
  if (v === undefined || v === null) return "";
  if (s.isListSchema()) {
    if (!Array.isArray(v)) throw new ShapeError(`${path}: expected a list`);
    const m = s.getValueSchema();
    if (traitsOf(s).xmlFlattened) return v.map((x, i) => xmlValue(m, name, x, `${path}[${i}]`)).join("");
    const itemName = traitsOf(m).xmlName ?? "member";
    return `<${name}>${v.map((x, i) => xmlValue(m, itemName, x, `${path}[${i}]`)).join("")}</${name}>`;
  }
  if (s.isMapSchema()) {
    if (typeof v !== "object") throw new ShapeError(`${path}: expected a map`);
    const k = s.getKeySchema();
    const val = s.getValueSchema();
    const kn = traitsOf(k).xmlName ?? "key";
    const vn = traitsOf(val).xmlName ?? "value";
    const entries = Object.entries(v as Record<string, unknown>).map(
      ([key, x]) => `<${kn}>${esc(key)}</${kn}>${xmlValue(val, vn, x, `${path}.${key}`)}`,
    );
    if (traitsOf(s).xmlFlattened) return entries.map((e) => `<${name}>${e}</${name}>`).join("");
    return `<${name}>${entries.map((e) => `<entry>${e}</entry>`).join("")}</${name}>`;
  }
  if (s.isStructSchema()) {
    if (typeof v !== "object" || Array.isArray(v)) throw new ShapeError(`${path}: expected a structure`);
    const obj = v as Record<string, unknown>;
    checkMembers(s, obj, path);
    const { attrs, body } = xmlMembers(s, obj, path);
    return `<${name}${attrs}>${body}</${name}>`;
  }
  return `<${name}>${esc(scalarText(s, v, path))}</${name}>`;
}

function xmlMembers(s: NormalizedSchema, obj: Record<string, unknown>, path: string) {
  let attrs = "";
  let body = "";
  for (const [member, ms] of s.structIterator()) {
    const v = obj[member];
    if (v === undefined || v === null) continue;
    const t = traitsOf(ms);
    const name = t.xmlName ?? member;
    if (t.httpHeader !== undefined) continue;
    if (t.xmlAttribute) {
      if (name.startsWith("xsi:")) attrs += ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`;
      attrs += ` ${name}="${esc(scalarText(ms, v, `${path}.${member}`))}"`;
    } else body += xmlValue(ms, name, v, `${path}.${member}`);
  }
  return { attrs, body };
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";
const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** The success response for `op` with `output` (the API's JSON shape), as `protocol` writes it. */
export function serializeOutput(
  protocol: AwsProtocol,
  op: OperationSchema,
  output: Record<string, unknown>,
  requestId: string,
): WireResponse {
  const s = outputSchema(op);
  const name = operationName(op);
  const xml = { "content-type": "text/xml" };
  if (!s.isUnitSchema()) checkMembers(s, output, name);
  switch (protocol) {
    case "ec2": {
      const { body } = s.isUnitSchema() ? { body: "" } : xmlMembers(s, output, name);
      return {
        status: 200,
        headers: xml,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<${name}Response xmlns="${EC2_NS}"><requestId>${requestId}</requestId>${body}</${name}Response>`,
      };
    }
    case "query": {
      const { body } = s.isUnitSchema() ? { body: "" } : xmlMembers(s, output, name);
      return {
        status: 200,
        headers: xml,
        body: `<${name}Response><${name}Result>${body}</${name}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${name}Response>`,
      };
    }
    case "restXml": {
      const headers: Record<string, string> = { ...xml, "x-amz-request-id": requestId };
      let payload: [string, NormalizedSchema] | undefined;
      for (const [member, ms] of s.structIterator()) {
        const t = traitsOf(ms);
        const v = output[member];
        if (t.httpHeader !== undefined && v !== undefined) headers[t.httpHeader.toLowerCase()] = text(v);
        if (t.httpPayload) payload = [member, ms];
      }
      if (payload) {
        const [member, ms] = payload;
        const v = output[member];
        if (!ms.isStructSchema()) return { status: 200, headers, body: v === undefined ? "" : text(v) };
        const root = traitsOf(ms).xmlName ?? ms.getName() ?? member;
        const el = xmlValue(ms, root, v ?? {}, `${name}.${member}`);
        return { status: 200, headers, body: el.replace(`<${root}`, `<${root} xmlns="${S3_NS}"`) };
      }
      // GetBucketLocation's answer is a bare <LocationConstraint>: S3's one hand-made response.
      if (name === "GetBucketLocation") {
        const v = output.LocationConstraint;
        return {
          status: 200,
          headers,
          body: `<LocationConstraint xmlns="${S3_NS}">${v === undefined || v === null ? "" : esc(text(v))}</LocationConstraint>`,
        };
      }
      const root = traitsOf(s).xmlName ?? s.getName() ?? name;
      const { attrs, body } = xmlMembers(s, output, name);
      return { status: 200, headers, body: `<${root} xmlns="${S3_NS}"${attrs}>${body}</${root}>` };
    }
    case "restJson":
      return {
        status: 200,
        headers: { "content-type": "application/json", "x-amzn-requestid": requestId },
        body: JSON.stringify(s.isUnitSchema() ? {} : jsonValue(s, output, name)),
      };
  }
}

function jsonValue(s: NormalizedSchema, v: unknown, path: string): unknown {
  if (v === undefined || v === null) return v;
  if (s.isListSchema()) {
    if (!Array.isArray(v)) throw new ShapeError(`${path}: expected a list`);
    const m = s.getValueSchema();
    return v.map((x, i) => jsonValue(m, x, `${path}[${i}]`));
  }
  if (s.isMapSchema()) {
    const m = s.getValueSchema();
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, jsonValue(m, x, `${path}.${k}`)]),
    );
  }
  if (s.isStructSchema()) {
    const obj = v as Record<string, unknown>;
    checkMembers(s, obj, path);
    const out: Record<string, unknown> = {};
    for (const [member, ms] of s.structIterator()) {
      if (obj[member] === undefined) continue;
      const t = traitsOf(ms);
      if (t.httpHeader !== undefined) continue;
      out[t.jsonName ?? member] = jsonValue(ms, obj[member], `${path}.${member}`);
    }
    return out;
  }
  if (s.isTimestampSchema()) {
    if (typeof v === "number") return v;
    const ms = v instanceof Date ? v.getTime() : Date.parse(text(v));
    if (Number.isNaN(ms)) throw new ShapeError(`${path}: not a timestamp`);
    return ms / 1000;
  }
  if (s.isBlobSchema()) return Buffer.from(text(v)).toString("base64");
  return v;
}

/** An error response as `protocol` writes it; the SDK maps `code` to `error.name`. */
export function serializeError(
  protocol: AwsProtocol,
  err: { code: string; message?: string; status?: number },
  requestId: string,
): WireResponse {
  const message = err.message ?? `${err.code} (scripted by the ctem testkit)`;
  const status = err.status ?? 400;
  switch (protocol) {
    case "ec2":
      return {
        status,
        headers: { "content-type": "text/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${esc(err.code)}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case "query":
      return {
        status,
        headers: { "content-type": "text/xml" },
        body: `<ErrorResponse><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${esc(err.code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case "restXml":
      return {
        status,
        headers: { "content-type": "application/xml", "x-amz-request-id": requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(err.code)}</Code><Message>${esc(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    case "restJson":
      return {
        status,
        headers: {
          "content-type": "application/json",
          "x-amzn-errortype": err.code,
          "x-amzn-requestid": requestId,
        },
        body: JSON.stringify({ message }),
      };
  }
}
