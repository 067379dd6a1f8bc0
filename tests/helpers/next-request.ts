// Next.js reads AsyncLocalStorage from globalThis, which its server sets up before anything
// else loads; this import does the same here, so it must stay the first one.
import "next/dist/server/node-environment-baseline";
import { workAsyncStorage } from "next/dist/server/app-render/work-async-storage.external";
import { workUnitAsyncStorage } from "next/dist/server/app-render/work-unit-async-storage.external";
import { createRequestStoreForAPI } from "next/dist/server/async-storage/request-store";
import { encode } from "next-auth/jwt";
import { env } from "@/lib/env";
import { SESSION_MAX_AGE_S } from "@/lib/auth/options";
import { startUserSession } from "@/lib/auth/user-sessions";

/**
 * Runs a page, a server action or a console route handler inside Next.js's own request
 * scope — the stores that `cookies()`, `headers()`, `redirect()` and `revalidatePath()`
 * read — with real request headers, so the real session code (next-auth's JWT cookie,
 * lib/auth/session.ts) decides who is asking. Nothing is mocked: what is left out of a
 * full server is routing and rendering, which a test of who may do what doesn't need.
 */

export interface NextRequestOptions {
  path: string;
  headers?: Record<string, string>;
  /** "render" for pages (cookies are read-only), "action" for actions and route handlers. */
  phase?: "render" | "action";
}

export interface NextRequestScope<T> {
  result?: T;
  error?: unknown;
  /** Set-Cookie values the code asked for (cookies().set in an action). */
  setCookies: string[];
}

export async function inNextRequest<T>(opts: NextRequestOptions, fn: () => Promise<T>): Promise<NextRequestScope<T>> {
  const url = new URL(opts.path, "http://localhost");
  // What Next's server puts in front of every request behind it.
  const headers = new Headers({ host: "localhost", "x-forwarded-host": "localhost", "x-forwarded-proto": "http", ...opts.headers });
  const setCookies: string[] = [];
  const requestStore = createRequestStoreForAPI(
    { headers } as never, url, undefined as never, (cookies: string[]) => setCookies.push(...cookies), undefined as never, undefined,
  );
  (requestStore as { phase: string }).phase = opts.phase ?? "action";
  // The work store of one dynamic request: no static generation, an incremental cache
  // that only collects what revalidatePath() asks to refresh.
  const workStore = {
    page: url.pathname, route: url.pathname, incrementalCache: {}, forceStatic: false, dynamicShouldError: false,
    isStaticGeneration: false, fetchCache: undefined, isDraftMode: false,
  };
  try {
    const result = await workAsyncStorage.run(workStore as never, () => workUnitAsyncStorage.run(requestStore as never, fn));
    return { result, setCookies };
  } catch (error) {
    return { error, setCookies };
  }
}

/**
 * The cookie next-auth sets at sign-in (over http), holding the user's id and a session
 * row opened for it, like a real one. `sessionId` reuses a row (to test revocation).
 */
export async function sessionCookie(user: { id: string; email: string; name: string }, sessionId?: string): Promise<string> {
  const sid = sessionId ?? (await startUserSession(user.id, { ip: "192.0.2.1", userAgent: "vigil-tests" }));
  const token = await encode({ token: { sub: user.id, email: user.email, name: user.name, sid }, secret: env().AUTH_SECRET!, maxAge: SESSION_MAX_AGE_S });
  return `next-auth.session-token=${token}`;
}

/** What redirect() or notFound() threw, if it was one of them. */
export function navigation(error: unknown): { redirect?: string; notFound?: boolean } | undefined {
  const digest = error && typeof error === "object" && "digest" in error ? String((error as { digest: unknown }).digest) : "";
  if (digest.startsWith("NEXT_REDIRECT")) return { redirect: digest.split(";")[2] };
  if (digest === "NEXT_HTTP_ERROR_FALLBACK;404") return { notFound: true };
  return undefined;
}
