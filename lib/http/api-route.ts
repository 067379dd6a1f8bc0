import { markInexactNumbers } from "@/lib/events/exact-json";
import type { z } from "zod";
import { errorResponse } from "@/lib/http/errors";
import { VigilError } from "@/lib/errors";
import type { Permission } from "@/lib/auth/permissions";
import { RateLimiter } from "@/lib/auth/rate-limit";
import type { ApiScope } from "@/lib/auth/scopes";
import { authenticate, type Principal } from "@/lib/http/principal";
import { env } from "@/lib/env";
import { zodErrors } from "@/lib/events/schema";
import { paramsToObject } from "@/lib/events/search-params";

/**
 * The one wrapper for /api/v1 handlers: authentication (an API key or a console session:
 * lib/http/principal.ts), scope (or, for a person, permission), rate limit, query validation
 * and error mapping, composed from small steps so a handler can't forget one.
 */

export interface ApiContext<Q, P> {
  req: Request;
  principal: Principal;
  orgId: string;
  query: Q;
  params: P;
}

let limiter: RateLimiter | undefined;
function rateLimiter(): RateLimiter {
  limiter ??= new RateLimiter(env().VIGIL_API_RATE, env().VIGIL_API_BURST);
  return limiter;
}

export function requireScope(principal: Principal, scope: ApiScope, permission?: Permission): void {
  const refusal = principal.refusal(scope, permission);
  if (refusal) throw new VigilError("forbidden", refusal);
}

export function enforceRateLimit(principal: Principal): void {
  const wait = rateLimiter().take(principal.limitKey);
  if (wait > 0) throw new VigilError("rate_limited", principal.kind === "api_key" ? "too many requests for this API key" : "too many requests", undefined, { "Retry-After": String(wait) });
}

export function parseQuery<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const parsed = schema.safeParse(paramsToObject(new URL(req.url).searchParams));
  if (!parsed.success) throw new VigilError("invalid_request", "invalid query parameters", zodErrors(parsed.error, "", "(query)"));
  return parsed.data;
}

/** Reads a JSON body, refusing anything over the limit before it is all in memory. */
export async function readJsonBody(req: Request, limit = env().VIGIL_MAX_BODY_BYTES): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new VigilError("unsupported_media_type", "send the body as JSON with Content-Type: application/json");
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  const tooLarge = () => new VigilError("payload_too_large", `the body exceeds ${limit} bytes; send at most 1000 events per request`);
  if (declared > limit) throw tooLarge();
  if (!req.body) throw new VigilError("invalid_request", "the body is empty");
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new VigilError("invalid_request", "the body is not valid UTF-8");
  }
  if (!text.trim()) throw new VigilError("invalid_request", "the body is empty");
  try {
    return markInexactNumbers(text, JSON.parse(text));
  } catch {
    throw new VigilError("invalid_request", "the body is not valid JSON");
  }
}

type RouteContext<P> = { params: Promise<P> };

export function apiRoute<Q = undefined, P = Record<string, never>>(
  opts: {
    scope: ApiScope;
    /** What a person needs instead of the scope, when more than SESSION_PERMISSION says (an export: events:export). */
    permission?: Permission;
    query?: z.ZodType<Q>;
  },
  handler: (ctx: ApiContext<Q, P>) => Promise<Response>,
): (req: Request, route: RouteContext<P>) => Promise<Response> {
  return async (req, route) => {
    try {
      const principal = await authenticate(req);
      requireScope(principal, opts.scope, opts.permission);
      enforceRateLimit(principal);
      const query = (opts.query ? parseQuery(opts.query, req) : undefined) as Q;
      const params = route?.params ? await route.params : ({} as P);
      return await handler({ req, principal, orgId: principal.orgId, query, params });
    } catch (err) {
      return errorResponse(err);
    }
  };
}
