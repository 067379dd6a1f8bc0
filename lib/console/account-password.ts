import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from "@/lib/auth/passwords";
import { withAttemptLimit } from "@/lib/auth/attempt-limit";
import { revokeOtherSessions } from "@/lib/auth/user-sessions";
import { withAuditInOrgs } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";

/**
 * Changing your own password (Settings → Your account): the current password first (within
 * the attempt limit, so a stolen session can't guess it), then the new one, argon2id. The
 * change ends every other session of the person at once (whoever else held one is out)
 * and is PASSWORD_CHANGED in each org they belong to, in the change's transaction.
 */

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

function assertAcceptable(input: PasswordChange): void {
  const n = input.newPassword.length;
  if (n < PASSWORD_MIN_LENGTH) throw new VigilError("invalid_request", `Choose a password of at least ${PASSWORD_MIN_LENGTH} characters.`, { newPassword: `at least ${PASSWORD_MIN_LENGTH} characters` });
  if (n > PASSWORD_MAX_LENGTH) throw new VigilError("invalid_request", `A password has at most ${PASSWORD_MAX_LENGTH} characters.`, { newPassword: `at most ${PASSWORD_MAX_LENGTH} characters` });
  if (input.newPassword === input.currentPassword) throw new VigilError("invalid_request", "The new password must differ from the current one.", { newPassword: "same as the current one" });
}

/** Answers how many other sessions the change ended. */
export async function changeOwnPassword(actor: PersonActor, currentSessionId: string, input: PasswordChange): Promise<{ otherSessionsEnded: number }> {
  assertAcceptable(input);
  const { rows } = await pool().query<{ password_hash: string | null }>("select password_hash from users where id = $1", [actor.id]);
  const stored = rows[0]?.password_hash;
  const orgIds = (await pool().query<{ org_id: string }>("select org_id from memberships where user_id = $1", [actor.id])).rows.map((r) => r.org_id);
  return withAttemptLimit(actor.id, "password", async () => {
    if (!stored || input.currentPassword.length > PASSWORD_MAX_LENGTH || !(await verifyPassword(stored, input.currentPassword))) {
      throw new VigilError("invalid_request", "Your current password isn't right.", { currentPassword: "isn't right" });
    }
    const newHash = await hashPassword(input.newPassword);
    return withAuditInOrgs(orgIds, actor, async (client) => {
      // Only if unchanged since it was checked: two racing changes can't both pass on the old password.
      const updated = await client.query("update users set password_hash = $2 where id = $1 and password_hash = $3", [actor.id, newHash, stored]);
      if (!updated.rowCount) throw new VigilError("conflict", "Your password was just changed elsewhere; sign in again.");
      const ended = await revokeOtherSessions(client, actor.id, currentSessionId, "password_changed");
      return {
        result: { otherSessionsEnded: ended },
        events: [{
          action: "PASSWORD_CHANGED",
          category: "authentication",
          targets: [{ type: "user", id: actor.id, name: actor.email }],
          metadata: { method: "self_service", other_sessions_ended: ended },
        }],
      };
    });
  });
}
