/**
 * The one error Vigil's own code throws for an expected refusal: a stable code, a message
 * for the person or program that asked, and optionally what is wrong field by field. The
 * domain throws it and knows nothing of HTTP; each transport has one mapper (lib/http/errors.ts
 * for the API envelope, lib/http/action.ts for server-action state). Anything else thrown is
 * unexpected: a generic answer, the detail in the server log only.
 */

export type ErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "query_too_expensive"
  | "rate_limited"
  | "unavailable"
  | "internal";

export interface FieldError {
  path: string;
  message: string;
}

export class VigilError extends Error {
  /** What is wrong, field by field in the order found (or, for a refused batch, each item's result). */
  readonly details?: ReadonlyArray<FieldError | object>;

  /**
   * `details` as { path, message } pairs, or as { field: message } for a form; `headers` are
   * what an HTTP answer adds (Retry-After, WWW-Authenticate).
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    details?: ReadonlyArray<FieldError | object> | Record<string, string>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "VigilError";
    if (details) this.details = isList(details) ? details : Object.entries(details).map(([path, m]) => ({ path, message: m }));
  }

  /** The details as a form shows them: the first message per field. */
  get fieldErrors(): Record<string, string> | undefined {
    if (!this.details) return undefined;
    const out: Record<string, string> = {};
    for (const d of this.details) if (isFieldError(d)) out[d.path] ??= d.message;
    return out;
  }
}

const isList = (v: object): v is ReadonlyArray<object> => Array.isArray(v);
const isFieldError = (d: object): d is FieldError =>
  typeof (d as FieldError).path === "string" && typeof (d as FieldError).message === "string";

export const invalid = (message: string, details?: FieldError[] | Record<string, string>) => new VigilError("invalid_request", message, details);
export const notFound = (what = "resource") => new VigilError("not_found", `${what} not found`);
