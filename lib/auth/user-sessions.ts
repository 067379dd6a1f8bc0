import type pg from "pg";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { isUuid } from "@/lib/uuid";

/**
 * Console sessions kept on the server (issue 10, finding 7). The next-auth JWT carries the
 * id of a `user_sessions` row, and every request that reads the session checks that row:
 * not revoked, not idle for longer than SESSION_IDLE_S, not past its absolute end. Signing
 * out revokes the row, so a copied cookie dies with it; a password change revokes the
 * person's other sessions; an org admin's "sign out everywhere" cuts the member's current
 * sessions off that org (org_session_cutoffs); removal from an org ends access to it.
 */

/** Without activity for this long, a session ends (also the cookie's own lifetime). */
export const SESSION_IDLE_S = 8 * 3600;
/** A session ends this long after sign-in, however active: the person signs in again. */
export const SESSION_ABSOLUTE_S = 12 * 3600;
/** last_seen_at is written at most this often per session: one write a minute, not one a request. */
export const LAST_SEEN_EVERY_S = 60;

export type RevokeReason = "signed_out" | "password_changed" | "revoked_by_user";

export interface LiveSession {
  id: string;
  userId: string;
  createdAt: Date;
  /** Orgs this session may no longer open (an admin of the org signed the person out everywhere). */
  cutOffOrgIds: string[];
}

export interface SessionRow {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
}

export interface SessionOrigin {
  ip?: string | null;
  userAgent?: string | null;
}

/** Opens a session at sign-in; answers its id, which the JWT carries. */
export async function startUserSession(userId: string, origin: SessionOrigin, now = new Date()): Promise<string> {
  const id = uuidv7();
  await pool().query(
    `insert into user_sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
     values ($1, $2, $3, $3, $3::timestamptz + make_interval(secs => $4), $5, $6)`,
    [id, userId, now, SESSION_ABSOLUTE_S, origin.ip ?? null, origin.userAgent?.slice(0, 1024) ?? null],
  );
  return id;
}

/**
 * The session, when it is live for this user right now; else undefined. Marks it seen
 * (throttled to one write a minute) so the idle limit and the sessions list stay true.
 */
export async function liveSession(sessionId: unknown, userId: unknown, now = new Date()): Promise<LiveSession | undefined> {
  // Checked before any query: a token without a session id (one issued before sessions
  // were kept, or a forged one) is no session at all.
  if (typeof sessionId !== "string" || typeof userId !== "string" || !isUuid(sessionId) || !isUuid(userId)) return undefined;
  const { rows } = await pool().query<{ id: string; user_id: string; created_at: Date; last_seen_at: Date; cut_off: string[] }>(
    `select s.id, s.user_id, s.created_at, s.last_seen_at,
       coalesce((select array_agg(c.org_id) from org_session_cutoffs c where c.user_id = s.user_id and c.not_before > s.created_at), '{}') as cut_off
     from user_sessions s
     where s.id = $1 and s.user_id = $2 and s.revoked_at is null
       and s.expires_at > $3 and s.last_seen_at > $3::timestamptz - make_interval(secs => $4)`,
    [sessionId, userId, now, SESSION_IDLE_S],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (now.getTime() - row.last_seen_at.getTime() >= LAST_SEEN_EVERY_S * 1000) {
    await pool().query("update user_sessions set last_seen_at = $2 where id = $1 and last_seen_at < $2", [row.id, now]);
  }
  return { id: row.id, userId: row.user_id, createdAt: row.created_at, cutOffOrgIds: row.cut_off };
}

/** Ends one session. Answers whether it was live until now (a second sign-out ends nothing). */
export async function revokeSession(sessionId: unknown, userId: unknown, reason: RevokeReason): Promise<boolean> {
  if (typeof sessionId !== "string" || typeof userId !== "string" || !isUuid(sessionId) || !isUuid(userId)) return false;
  const { rowCount } = await pool().query(
    "update user_sessions set revoked_at = now(), revoked_reason = $3 where id = $1 and user_id = $2 and revoked_at is null and expires_at > now()",
    [sessionId, userId, reason],
  );
  return (rowCount ?? 0) > 0;
}

/** Ends every live session of the person except `keep` (their current one); answers how many ended. */
export async function revokeOtherSessions(db: pg.Pool | pg.PoolClient, userId: string, keep: string | null, reason: RevokeReason): Promise<number> {
  const { rowCount } = await db.query(
    `update user_sessions set revoked_at = now(), revoked_reason = $3
     where user_id = $1 and revoked_at is null and expires_at > now() and ($2::uuid is null or id <> $2::uuid)`,
    [userId, keep, reason],
  );
  return rowCount ?? 0;
}

/**
 * An org admin's "sign out everywhere" for a member: every session of theirs that exists
 * now stops opening this org (they sign in again to come back). Answers how many live
 * sessions it cut off.
 */
export async function cutOffOrgSessions(client: pg.PoolClient, orgId: string, userId: string): Promise<number> {
  await client.query(
    `insert into org_session_cutoffs (org_id, user_id, not_before) values ($1, $2, clock_timestamp())
     on conflict (org_id, user_id) do update set not_before = excluded.not_before`,
    [orgId, userId],
  );
  const { rows } = await client.query<{ n: number }>(
    "select count(*)::int as n from user_sessions where user_id = $1 and revoked_at is null and expires_at > now()",
    [userId],
  );
  return rows[0]?.n ?? 0;
}

/** The person's live sessions, newest first, for Settings → Your account. */
export async function listLiveSessions(userId: string, now = new Date()): Promise<SessionRow[]> {
  const { rows } = await pool().query<{ id: string; created_at: Date; last_seen_at: Date; expires_at: Date; ip: string | null; user_agent: string | null }>(
    `select id, created_at, last_seen_at, expires_at, host(ip) as ip, user_agent from user_sessions
     where user_id = $1 and revoked_at is null and expires_at > $2 and last_seen_at > $2::timestamptz - make_interval(secs => $3)
     order by created_at desc limit 100`,
    [userId, now, SESSION_IDLE_S],
  );
  return rows.map((r) => ({
    id: r.id, createdAt: r.created_at.toISOString(), lastSeenAt: r.last_seen_at.toISOString(), expiresAt: r.expires_at.toISOString(),
    ip: r.ip, userAgent: r.user_agent,
  }));
}
