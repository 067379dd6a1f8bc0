import { NextResponse, type NextRequest } from "next/server";
import { RETURN_PATH_HEADER, returnPathOf } from "@/lib/auth/return-path";

/**
 * Tells the console's pages which path and query the browser asked for, so that a person
 * without a session is sent to sign-in and then back to that page (lib/auth/session.ts
 * redirectToSignIn). The header is always overwritten here, and the sign-in page accepts
 * only paths of this site whatever it holds.
 */
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set(RETURN_PATH_HEADER, returnPathOf(request.nextUrl));
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // Pages only: not the API, next-auth, Next's own assets or files with an extension.
  matcher: ["/((?!api/|_next/|sign-in|.*\\.[A-Za-z0-9]+$).*)"],
};
