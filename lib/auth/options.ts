import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { env } from "@/lib/env";
import { attemptSignIn, recordSignOut } from "@/lib/auth/sign-in";
import { clientIpFromHeaders } from "@/lib/net/client-ip";
import { liveSession, revokeSession, SESSION_IDLE_S, startUserSession } from "@/lib/auth/user-sessions";
import { safeAuthRedirect } from "@/lib/auth/return-path";

/**
 * next-auth v4: Credentials (argon2id, lockout, blocklist, TOTP in lib/auth/sign-in.ts),
 * CSRF as next-auth gives it. The JWT carries the user id and the id of a server-side
 * session row (lib/auth/user-sessions.ts); every read of the session, including
 * `/api/auth/session` renewing the cookie, checks that row, so a signed-out, revoked or
 * expired session opens nothing even with its cookie. Every request also re-reads the
 * person, their memberships and their role (lib/auth/session.ts), so a removed member or
 * a changed role takes effect at once.
 */

/** The cookie's lifetime: the idle limit; the session row also has an absolute end. */
export const SESSION_MAX_AGE_S = SESSION_IDLE_S;

/** Thrown in the jwt callback for a session that is over: next-auth then clears the cookie and answers no session. */
class SessionEnded extends Error {
  override name = "SessionEnded";
}

// Vigil serves its own origin (often http://127.0.0.1:PORT) without NEXTAUTH_URL: let
// next-auth take the origin from the Host header, as v5's `trustHost: true` does. Set
// NEXTAUTH_URL to pin it instead.
process.env.AUTH_TRUST_HOST ??= "true";

/** The org the browser had open (the vigil-org cookie, lib/auth/session.ts), from a Cookie header. */
function orgCookie(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header.join("; ") : header;
  return /(?:^|;\s*)vigil-org=([0-9a-fA-F-]{36})(?:;|$)/.exec(value ?? "")?.[1] ?? null;
}

export function authOptions(): NextAuthOptions {
  return {
    secret: env().AUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    jwt: { maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
          code: { label: "Authentication code", type: "text" },
        },
        async authorize(credentials, req) {
          const headers = (req?.headers ?? {}) as Record<string, string | string[] | undefined>;
          const ip = clientIpFromHeaders((name) => headers[name]) ?? null;
          // Whole: a user agent holds commas ("KHTML, like Gecko").
          const userAgent = (Array.isArray(headers["user-agent"]) ? headers["user-agent"][0] : headers["user-agent"]) ?? null;
          const outcome = await attemptSignIn({
            email: String(credentials?.email ?? ""),
            password: String(credentials?.password ?? ""),
            code: credentials?.code ? String(credentials.code) : undefined,
            ip,
            userAgent,
            orgHint: orgCookie(headers.cookie),
          });
          if (outcome.ok) return { ...outcome.user, sessionId: await startUserSession(outcome.user.id, { ip, userAgent }) };
          // next-auth hands a thrown message to the form as `error`; null is CredentialsSignin.
          if (outcome.code === "invalid") return null;
          throw new Error(outcome.code);
        },
      }),
    ],
    callbacks: {
      // One judge of every return path: next-auth's own default would pass "//evil" on as a path.
      redirect({ url, baseUrl }) {
        return safeAuthRedirect(url, baseUrl);
      },
      async jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.email = user.email;
          token.name = user.name;
          token.sid = user.sessionId;
          return token;
        }
        // Every later read re-issues the cookie: only while its session row is live.
        if (!(await liveSession(token.sid, token.sub))) throw new SessionEnded("session ended");
        return token;
      },
      session({ session, token }) {
        if (token.sub && token.sid) {
          session.user = { id: token.sub, email: token.email ?? "", name: token.name ?? "" };
          session.sessionId = token.sid;
        }
        return session;
      },
    },
    logger: {
      // An ended session is an expected answer (no session), not an error to log.
      error(code, metadata) {
        if (metadata instanceof SessionEnded) return;
        console.error(`[next-auth][error][${code}]`, metadata);
      },
    },
    events: {
      async signOut({ token }) {
        // LOGOUT says a session ended: only when this sign-out ended a live one.
        if (!token?.sub || !(await revokeSession(token.sid, token.sub, "signed_out"))) return;
        const { headers } = await import("next/headers");
        const h = await headers();
        await recordSignOut(token.sub, {
          ip: clientIpFromHeaders((name) => h.get(name)),
          userAgent: h.get("user-agent"),
          orgId: orgCookie(h.get("cookie") ?? undefined),
        });
      },
    },
  };
}
