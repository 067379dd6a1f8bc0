import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { listLiveSessions, revokeOtherSessions, type SessionRow } from "@/lib/auth/user-sessions";
import { describeDevice } from "@/lib/auth/device";
import { withAuditInOrgs } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import { isUuid } from "@/lib/uuid";

/**
 * Your own sessions (Settings → Your account): where you are signed in, and ending any of
 * them. Ending one is SESSION_REVOKED in each org you belong to, like your own MFA changes.
 */

export interface AccountSession extends SessionRow {
  device: string | null;
  current: boolean;
}

export async function accountSessions(userId: string, currentSessionId: string): Promise<AccountSession[]> {
  return (await listLiveSessions(userId)).map((s) => ({ ...s, device: describeDevice(s.userAgent).summary ?? null, current: s.id === currentSessionId }));
}

async function orgIdsOf(userId: string): Promise<string[]> {
  return (await pool().query<{ org_id: string }>("select org_id from memberships where user_id = $1", [userId])).rows.map((r) => r.org_id);
}

/** Ends one of your sessions (not the one you are using: that is signing out). */
export async function revokeOwnSession(actor: PersonActor, currentSessionId: string, sessionId: string): Promise<void> {
  if (sessionId === currentSessionId) throw new VigilError("invalid_request", "That is this session: use Sign out.", { sessionId: "this session" });
  if (!isUuid(sessionId)) throw new VigilError("not_found", "That session doesn't exist or has already ended.");
  await withAuditInOrgs(await orgIdsOf(actor.id), actor, async (client) => {
    // Your own sessions only: another person's id is "not found", like a missing one.
    const { rows } = await client.query<{ ip: string | null; user_agent: string | null; created_at: Date }>(
      `update user_sessions set revoked_at = now(), revoked_reason = 'revoked_by_user'
       where id = $1 and user_id = $2 and revoked_at is null and expires_at > now()
       returning host(ip) as ip, user_agent, created_at`,
      [sessionId, actor.id],
    );
    const ended = rows[0];
    if (!ended) throw new VigilError("not_found", "That session doesn't exist or has already ended.");
    const device = describeDevice(ended.user_agent).summary;
    return {
      result: undefined,
      events: [{
        action: "SESSION_REVOKED",
        category: "authentication",
        targets: [{ type: "user", id: actor.id, name: actor.email }],
        metadata: {
          scope: "one", session_id: sessionId, sessions: 1, session_started_at: ended.created_at.toISOString(),
          ...(ended.ip ? { session_ip: ended.ip } : {}), ...(device ? { session_device: device } : {}),
        },
      }],
    };
  });
}

/** Ends all your sessions but this one; answers how many. */
export async function revokeOwnOtherSessions(actor: PersonActor, currentSessionId: string): Promise<number> {
  return withAuditInOrgs(await orgIdsOf(actor.id), actor, async (client) => {
    const ended = await revokeOtherSessions(client, actor.id, currentSessionId, "revoked_by_user");
    return {
      result: ended,
      events: ended === 0 ? [] : [{
        action: "SESSION_REVOKED",
        category: "authentication",
        targets: [{ type: "user", id: actor.id, name: actor.email }],
        metadata: { scope: "all_others", sessions: ended },
      }],
    };
  });
}
