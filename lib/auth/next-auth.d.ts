import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; name: string };
    /** The server-side session row (lib/auth/user-sessions.ts). */
    sessionId?: string;
  }
  interface User {
    /** Set by authorize() at sign-in: the session row the JWT will carry. */
    sessionId?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    /** The id of the session's row in user_sessions. */
    sid?: string;
  }
}
