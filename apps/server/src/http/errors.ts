// The one error plugin (CONVENTIONS 6): maps the error taxonomy, validation failures and Fastify's
// own errors to HTTP. Every error body is `{ error: { code, message, field?, requestId } }`;
// messages are written for the user and never echo what the client sent (a body that is not JSON
// would otherwise come back, and into the log, inside the parser's message).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { z } from "zod";
import { isCtemError } from "@ctem/model";
import type { ErrorCode } from "@ctem/model";

export const ERROR_CODES = [
  "invalid_input",
  "unauthenticated",
  "password_change_required",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "unavailable",
  "internal",
] as const;
export type HttpErrorCode = (typeof ERROR_CODES)[number];

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      /** The offending field, as `body.email`, `query.limit`, `params.key`. */
      field: z.string().optional(),
      requestId: z.string(),
    }),
  })
  .meta({ id: "Error" });

/** An error with an HTTP status the taxonomy has no word for (401, 429, 403 before a password change). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unavailable: 503,
  internal: 500,
};

const BY_STATUS: Record<number, [HttpErrorCode, string]> = {
  400: ["invalid_input", "the request is malformed"],
  401: ["unauthenticated", "sign in first"],
  403: ["forbidden", "not allowed"],
  404: ["not_found", "no such route"],
  405: ["not_found", "no such route"],
  406: ["invalid_input", "the request asks for a representation this API does not produce"],
  413: ["payload_too_large", "the request body is too large"],
  415: ["unsupported_media_type", "send the body as application/json"],
  429: ["rate_limited", "too many attempts; wait a minute and try again"],
};

function send(
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: HttpErrorCode,
  message: string,
  field?: string,
) {
  const body = { error: { code, message, requestId: req.id, ...(field ? { field } : {}) } };
  return reply.status(status).type("application/json; charset=utf-8").send(body);
}

function fieldOf(context: string | undefined, path: string): string {
  const where = context === "querystring" ? "query" : (context ?? "body");
  return path ? `${where}.${path}` : where;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const first = err.validation[0]!;
      let path = first.instancePath.replace(/^\//, "").replace(/\//g, ".");
      // An unknown key: name it (bounded; it is the client's own word, shown back to the client only).
      const keys = (first.params as { keys?: unknown } | undefined)?.keys;
      if (first.keyword === "unrecognized_keys" && Array.isArray(keys) && typeof keys[0] === "string")
        path = [path, keys[0].slice(0, 64)].filter(Boolean).join(".");
      const field = fieldOf(err.validationContext, path);
      const reason = first.message ?? "invalid";
      const missing = /expected .*, received undefined/.test(reason);
      return send(req, reply, 400, "invalid_input", `${field}: ${missing ? "required" : reason}`, field);
    }
    if (err instanceof HttpError) return send(req, reply, err.statusCode, err.code, err.message, err.field);
    if (isCtemError(err)) {
      const status = STATUS[err.code];
      const field = typeof err.details?.field === "string" ? err.details.field : undefined;
      if (status >= 500) req.log.error({ err: { code: err.code, message: err.message } }, "request failed");
      return send(req, reply, status, err.code, err.message, field);
    }
    if (isResponseSerializationError(err)) {
      req.log.error(
        { issues: err.cause.issues.slice(0, 3).map((i) => i.path.join(".")) },
        "response failed its schema",
      );
      return send(req, reply, 500, "internal", "internal error; the log has the request id");
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      if (err.code === "FST_ERR_CTP_INVALID_JSON_BODY" || err.code === "FST_ERR_CTP_EMPTY_JSON_BODY")
        return send(req, reply, 400, "invalid_input", "body: not valid JSON", "body");
      const [code, message] = BY_STATUS[status] ?? ["invalid_input", "the request is malformed"];
      return send(req, reply, status, code, message);
    }
    // Unexpected: the log gets the stack (never request data), the client the request id.
    req.log.error({ err: { name: err.name, code: err.code, stack: err.stack } }, "unexpected error");
    return send(req, reply, 500, "internal", "internal error; the log has the request id");
  });
  app.setNotFoundHandler((req, reply) => send(req, reply, 404, "not_found", "no such route"));
}
