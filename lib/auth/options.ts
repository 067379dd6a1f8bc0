import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { env } from "@/lib/env";
import { attemptSignIn, recordSignOut } from "@/lib/auth/sign-in";
import { clientIpFromHeaders } from "@/lib/api/client-ip";

/**
 * next-auth v4: Credentials (argon2id, lockout, blocklist, TOTP in lib/auth/sign-in.ts),
 * JWT sessions of 8 hours, CSRF as next-auth gives it. The token carries only the user id;
 * every request re-reads the person, their memberships and their role
 * (lib/auth/session.ts), so a removed member or a changed role takes effect at once.
 */

export const SESSION_MAX_AGE_S = 8 * 3600;

// Vigil serves its own origin (often http://127.0.0.1:PORT) without NEXTAUTH_URL: let
// next-auth take the origin from the Host header, as v5's `trustHost: true` does. Set
// NEXTAUTH_URL to pin it instead.
process.env.AUTH_TRUST_HOST ??= "true";

/** Why a sign-in was refused, as the sign-in form reads it from next-auth's `error`. */
export const SIGN_IN_ERRORS = ["mfa_required", "mfa_invalid", "rate_limited"] as const;

export function authOptions(): NextAuthOptions {
  return {
    secret: env().AUTH_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S, updateAge: 15 * 60 },
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
          const outcome = await attemptSignIn({
            email: String(credentials?.email ?? ""),
            password: String(credentials?.password ?? ""),
            code: credentials?.code ? String(credentials.code) : undefined,
            ip: clientIpFromHeaders((name) => headers[name]),
            // Whole: a user agent holds commas ("KHTML, like Gecko").
            userAgent: (Array.isArray(headers["user-agent"]) ? headers["user-agent"][0] : headers["user-agent"]) ?? null,
          });
          if (outcome.ok) return outcome.user;
          // next-auth hands a thrown message to the form as `error`; null is CredentialsSignin.
          if (outcome.code === "invalid") return null;
          throw new Error(outcome.code);
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.sub = user.id;
          token.email = user.email;
          token.name = user.name;
        }
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user = { id: token.sub, email: token.email ?? "", name: token.name ?? "" };
        return session;
      },
    },
    events: {
      async signOut({ token }) {
        if (!token?.sub) return;
        const { headers } = await import("next/headers");
        const h = await headers();
        await recordSignOut(token.sub, {
          ip: clientIpFromHeaders((name) => h.get(name)),
          userAgent: h.get("user-agent"),
        });
      },
    },
  };
}
