import { consoleAccess, refusalMessage, refusalStatus, type ConsoleSession } from "@/lib/auth/session";
import type { Permission } from "@/lib/auth/permissions";
import { QUERY_TOO_EXPENSIVE_MESSAGE, isDatabaseUnavailable, isStatementTimeout } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { httpStatus } from "@/lib/http/errors";
import { crossSiteRefusal } from "@/lib/http/same-site";

/**
 * The one wrapper for the console's route handlers (downloads, exports, export progress):
 * session, MFA requirement and permission; the cross-site guard for a route with effects;
 * and error mapping — a VigilError answers its status and message, a statement past its
 * limit 422, a database that can't be reached 503, anything else a generic 500 whose detail
 * goes to the server log only. Answers are plain text, or JSON `{ error }` with `json`.
 */

export interface ConsoleRouteOptions {
  permission: Permission;
  /** What the person was trying to do, for the refusal: "download reports". */
  what: string;
  /** For a route that records or changes something: refuse cross-site requests, saying where to do it instead. */
  sameSite?: string;
  json?: boolean;
}

export interface ConsoleRouteContext<P> {
  req: Request;
  session: ConsoleSession;
  params: P;
}

export function consoleRoute<P = Record<string, never>>(
  opts: ConsoleRouteOptions,
  fn: (ctx: ConsoleRouteContext<P>) => Promise<Response>,
): (req: Request, ctx?: { params: Promise<P> }) => Promise<Response> {
  const answer = (message: string, status: number, headers: Record<string, string> = {}) =>
    opts.json
      ? Response.json({ error: message }, { status, headers: { "Cache-Control": "no-store", ...headers } })
      : new Response(message, { status, headers: { "Cache-Control": "no-store", ...headers } });
  return async (req, ctx) => {
    try {
      const { session, refusal } = await consoleAccess(opts.permission);
      if (refusal) return answer(refusalMessage(refusal, opts.what), refusalStatus(refusal));
      if (opts.sameSite) {
        const crossSite = crossSiteRefusal(req, opts.sameSite);
        if (crossSite) return crossSite;
      }
      return await fn({ req, session, params: (await ctx?.params) ?? ({} as P) });
    } catch (err) {
      if (err instanceof VigilError) return answer(err.message, httpStatus(err.code), err.headers);
      if (isStatementTimeout(err)) return answer(QUERY_TOO_EXPENSIVE_MESSAGE, 422);
      if (isDatabaseUnavailable(err)) return answer("The database is unavailable; try again shortly.", 503, { "Retry-After": "5" });
      console.error("[vigil] console route failed", err);
      return answer("Something went wrong.", 500);
    }
  };
}
