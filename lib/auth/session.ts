import { cache } from "react";
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { getServerSession } from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { blockingOrgs, findBlock } from "@/lib/auth/blocklist";
import { hasPermission, resolveMembership, type Membership } from "@/lib/auth/membership";
import type { Permission } from "@/lib/auth/permissions";
import type { PersonActor } from "@/lib/audit/actor";
import { clientIpFromHeaders } from "@/lib/net/client-ip";
import { RETURN_PATH_HEADER, signInPath } from "@/lib/auth/return-path";
import { liveSession } from "@/lib/auth/user-sessions";
import { pool } from "@/lib/db/pool";

/**
 * The console's session, for pages and server actions: the next-auth JWT gives the user
 * id and the session row's id; the row must be live (lib/auth/user-sessions.ts), and
 * everything else (memberships, current org, role, permissions, blocklist) is read fresh
 * on each request and fails closed.
 */

/** The org the user last switched to; only honoured while they are a member of it. */
export const ORG_COOKIE = "vigil-org";
/** The viewer's IANA time zone, set by the browser (components/console/time-zone-cookie.tsx). */
export const TZ_COOKIE = "vigil-tz";

export interface ConsoleSession extends Membership {
  /** The server-side session row this request came with ("this session" in the list). */
  sessionId: string;
  ip: string | null;
  userAgent: string | null;
  /** Where times are shown: the browser's zone, else the org's. */
  timeZone: string;
  /** The org requires MFA and this person hasn't enrolled: only account settings are open. */
  mfaSetupRequired: boolean;
  actor: PersonActor;
}

export function isTimeZone(tz: string | undefined): tz is string {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

async function memberOrgIds(userId: string): Promise<string[]> {
  const { rows } = await pool().query<{ org_id: string }>("select org_id from memberships where user_id = $1", [userId]);
  return rows.map((r) => r.org_id);
}

export const getConsoleSession = cache(async (): Promise<ConsoleSession | undefined> => {
  const session = await getServerSession(authOptions());
  const userId = session?.user?.id;
  if (!userId) return undefined;
  // Checked here too, not only in next-auth's callback: a revoked session never reaches a page.
  const live = await liveSession(session.sessionId, userId);
  if (!live) return undefined;
  const jar = await cookies();
  const h = await headers();
  const ip = clientIpFromHeaders((name) => h.get(name)) ?? null;
  let membership = await resolveMembership(userId, jar.get(ORG_COOKIE)?.value, live.cutOffOrgIds);
  if (!membership) return undefined;
  // A block (an admin's, or an alert's response action) ends access to that org at once —
  // to that org only: the person's other orgs stay open (docs/security.md, finding 1).
  const subject = { ip, actors: [membership.user.email, membership.user.id] };
  if (await findBlock([membership.org.id], subject)) {
    const blocked = await blockingOrgs(await memberOrgIds(userId), subject);
    membership = await resolveMembership(userId, jar.get(ORG_COOKIE)?.value, [...live.cutOffOrgIds, ...blocked]);
    if (!membership) return undefined;
  }
  const userAgent = h.get("user-agent");
  const tz = jar.get(TZ_COOKIE)?.value;
  return {
    ...membership,
    sessionId: live.id,
    ip,
    userAgent,
    timeZone: isTimeZone(tz) ? tz : membership.org.timezone,
    mfaSetupRequired: membership.org.requireMfa && !membership.user.mfaEnabled,
    actor: { type: "user" as const, id: membership.user.id, email: membership.user.email, name: membership.user.name, ip, userAgent },
  };
});

/**
 * To sign-in, asked to come back to the page of this request afterwards (proxy.ts passes
 * its path; lib/auth/return-path.ts keeps it to this site).
 */
export async function redirectToSignIn(): Promise<never> {
  const h = await headers();
  redirect(signInPath(h.get(RETURN_PATH_HEADER)));
}

/** For pages: the session, or a redirect to sign-in (or to MFA enrollment when the org requires it). */
export async function requireSession(opts: { allowMfaSetup?: boolean } = {}): Promise<ConsoleSession> {
  const session = await getConsoleSession();
  if (!session) return redirectToSignIn();
  if (session.mfaSetupRequired && !opts.allowMfaSetup) redirect("/settings/account?mfa=required");
  return session;
}

/** Why a console request is refused: no session, the org's MFA still to set up, or a role without the permission. */
export type ConsoleRefusal = "signed_out" | "mfa_setup" | "forbidden";

/**
 * For console route handlers and server actions that don't go through consoleAction: the
 * same three checks as requireSession and consoleAction, in one place, so a download or an
 * action can't skip the org's MFA requirement that its page enforces.
 */
export async function consoleAccess(
  permission?: Permission,
  opts: { allowMfaSetup?: boolean } = {},
): Promise<{ session: ConsoleSession; refusal?: undefined } | { session?: undefined; refusal: ConsoleRefusal }> {
  const session = await getConsoleSession();
  if (!session) return { refusal: "signed_out" };
  if (session.mfaSetupRequired && !opts.allowMfaSetup) return { refusal: "mfa_setup" };
  if (permission && !session.permissions.includes(permission)) return { refusal: "forbidden" };
  return { session };
}

/** A refusal as a route handler answers it: 401 without a session, 403 otherwise. */
export function refusalStatus(refusal: ConsoleRefusal): 401 | 403 {
  return refusal === "signed_out" ? 401 : 403;
}

export function refusalMessage(refusal: ConsoleRefusal, what: string): string {
  if (refusal === "signed_out") return "Sign in first.";
  if (refusal === "mfa_setup") return "Your organization requires two-factor authentication: set it up first under Settings → Your account.";
  return `Your role doesn't allow you to ${what}.`;
}

export function can(session: Pick<Membership, "permissions">, permission: Permission): boolean {
  return hasPermission(session, permission);
}
