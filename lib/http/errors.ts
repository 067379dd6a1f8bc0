import { QUERY_TOO_EXPENSIVE_MESSAGE, isDatabaseUnavailable, isStatementTimeout } from "@/lib/db/pool";
import { VigilError, type ErrorCode } from "@/lib/errors";

/**
 * The HTTP mapper of lib/errors.ts: a VigilError becomes the API's error envelope with its
 * status; what the database says (a statement past its time limit, no connection) becomes
 * 422 or 503; anything else a generic 500 whose detail goes to the server log only.
 */

export { VigilError, invalid, notFound } from "@/lib/errors";

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  // The request is well formed but asks more than one read may cost: the client's to narrow,
  // not to retry as is (a 503 would invite the same request again).
  query_too_expensive: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export const httpStatus = (code: ErrorCode): number => STATUS[code];

export function errorResponse(err: unknown): Response {
  let e: VigilError;
  if (err instanceof VigilError) e = err;
  else if (isStatementTimeout(err)) e = new VigilError("query_too_expensive", QUERY_TOO_EXPENSIVE_MESSAGE);
  else if (isDatabaseUnavailable(err)) {
    e = new VigilError("unavailable", "the database is unavailable; retry shortly", undefined, { "Retry-After": "5" });
  } else {
    console.error("[vigil] unexpected error", err);
    e = new VigilError("internal", "internal error");
  }
  const body: { error: { code: string; message: string; details?: unknown } } = { error: { code: e.code, message: e.message } };
  if (e.details !== undefined) body.error.details = e.details;
  return Response.json(body, { status: STATUS[e.code], headers: { "Cache-Control": "no-store", ...e.headers } });
}
