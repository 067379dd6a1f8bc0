/**
 * Where a person goes back to after signing in: the console page they asked for before
 * they had a session. Only a path of this site is accepted; anything that a browser could
 * read as another origin (`//evil.com`, `/\evil.com`, `https://evil`, a tab or newline the
 * URL parser drops) falls back to the events page, so the sign-in page can't be turned
 * into an open redirect.
 */

/** Set by proxy.ts on console requests: the path and query the browser asked for. */
export const RETURN_PATH_HEADER = "x-vigil-return-to";

export const DEFAULT_RETURN_PATH = "/events";
const MAX_LENGTH = 2048;
const BASE = "http://vigil.invalid";

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** The return path when it is a path of this site, else `fallback`. */
export function safeReturnPath(value: unknown, fallback = DEFAULT_RETURN_PATH): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== "string" || v.length === 0 || v.length > MAX_LENGTH) return fallback;
  // One leading slash, then no second slash or backslash (browsers read "/\" as "//"),
  // and no whitespace or control characters anywhere (URL parsers drop or split on them).
  if (!/^\/(?![/\\])/.test(v) || /[\\\s]/.test(v) || hasControlCharacter(v)) return fallback;
  let url: URL;
  try {
    url = new URL(v, BASE);
  } catch {
    return fallback;
  }
  // The raw string passing says nothing about what it resolves to: dot segments (also
  // spelled %2e) collapse afterwards, so "/./..//evil" and "/events/..//x" become "//…".
  // Only the resolved result is returned, so only the resolved result is judged.
  const resolved = url.pathname + url.search + url.hash;
  if (url.origin !== BASE || !isSiteLocalPath(resolved)) return fallback;
  // Going "back" to sign-in or to an API route makes no sense after signing in, and a
  // download (an export, a report) must be started by the person, not by a sign-in link.
  if (isPointlessTarget(url.pathname)) return fallback;
  return resolved;
}

/** Exactly one leading slash, then nothing a browser could read as the start of a host. */
function isSiteLocalPath(path: string): boolean {
  return /^\/(?![/\\])/.test(path) && !path.includes("\\") && !hasControlCharacter(path);
}

function isPointlessTarget(p: string): boolean {
  return p === "/sign-in" || p.startsWith("/sign-in/") || p.startsWith("/api/") || p.startsWith("/events/export") || p.startsWith("/reports/download") || p.startsWith("/reports/runs/");
}

/**
 * Where next-auth may send a browser after sign-in or sign-out: a path of this site that
 * passes `safeReturnPath`, else the sign-in page. Absolute URLs of this origin are judged by
 * their path; any other origin is refused.
 */
export function safeAuthRedirect(url: string, baseUrl: string): string {
  let candidate: string = url;
  try {
    const absolute = new URL(url);
    if (absolute.origin !== new URL(baseUrl).origin) return `${baseUrl}/sign-in`;
    candidate = absolute.pathname + absolute.search + absolute.hash;
  } catch {
    // Not absolute: judged as a path below.
  }
  return `${baseUrl}${safeReturnPath(candidate, "/sign-in")}`;
}

/** The sign-in page, asked to come back to `returnTo` when that is a path of this site. */
export function signInPath(returnTo: string | null | undefined): string {
  const path = safeReturnPath(returnTo, "");
  return path && path !== DEFAULT_RETURN_PATH ? `/sign-in?callbackUrl=${encodeURIComponent(path)}` : "/sign-in";
}

/** The path and query of a request URL as a return path, without the router's own `_rsc` marker. */
export function returnPathOf(url: { pathname: string; search: string }): string {
  const search = new URLSearchParams(url.search);
  if (search.has("_rsc")) {
    search.delete("_rsc");
    const rest = search.toString();
    return url.pathname + (rest ? `?${rest}` : "");
  }
  return url.pathname + url.search;
}
