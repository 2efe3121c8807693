// The error taxonomy every package throws and apps/server maps to exit codes and HTTP statuses.
// Messages are written for the user and never carry secrets.

export type ErrorCode = "invalid_input" | "not_found" | "conflict" | "forbidden" | "unavailable" | "internal";

export class CtemError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = "CtemError";
    this.code = code;
    this.details = details;
  }
}

/** Bad input: names what is wrong (file, line, item id, field) in `message` and `details`. */
export class ValidationError extends CtemError {
  constructor(message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super("invalid_input", message, details, options);
    this.name = "ValidationError";
  }
}

export class NotFoundError extends CtemError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("not_found", message, details);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends CtemError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("conflict", message, details);
    this.name = "ConflictError";
  }
}

export function isCtemError(e: unknown): e is CtemError {
  return e instanceof CtemError;
}
