import { FilterError } from "@/lib/events/filter";
import { QUERY_TOO_EXPENSIVE_MESSAGE, isDatabaseUnavailable, isStatementTimeout } from "@/lib/db/pool";
import type { FieldError } from "@/lib/events/schema";

/**
 * One error type with stable codes, and one mapper to HTTP. Unexpected errors become a
 * generic 500 whose detail goes to the server log only.
 */

export type ErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "payload_too_large"
  | "unsupported_media_type"
  | "query_too_expensive"
  | "rate_limited"
  | "unavailable"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  // The request is well formed but asks more than one read may cost: the client's to narrow,
  // not to retry as is (a 503 would invite the same request again).
  query_too_expensive: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  get status(): number {
    return STATUS[this.code];
  }
}

export const invalid = (message: string, details?: FieldError[]) => new ApiError("invalid_request", message, details);
export const notFound = (what = "resource") => new ApiError("not_found", `${what} not found`);

export function errorResponse(err: unknown): Response {
  let e: ApiError;
  if (err instanceof ApiError) e = err;
  else if (err instanceof FilterError) e = invalid("invalid search: " + err.message, err.errors);
  else if (isStatementTimeout(err)) e = new ApiError("query_too_expensive", QUERY_TOO_EXPENSIVE_MESSAGE);
  else if (isDatabaseUnavailable(err)) {
    e = new ApiError("unavailable", "the database is unavailable; retry shortly", undefined, { "Retry-After": "5" });
  } else {
    console.error("[vigil] unexpected error", err);
    e = new ApiError("internal", "internal error");
  }
  const body: { error: { code: string; message: string; details?: unknown } } = { error: { code: e.code, message: e.message } };
  if (e.details !== undefined) body.error.details = e.details;
  return Response.json(body, { status: e.status, headers: { "Cache-Control": "no-store", ...e.headers } });
}
