import type pg from "pg";

/**
 * Blocking an account that is a Vigil user of the org locks the user (users.locked_until),
 * so sign-in refuses them as `locked`; the blocklist entry that comes with it ends their
 * console session and publishes the block. Unblocking clears the lock. An integrator's
 * actor that is no member of the org has no user to lock: only the blocklist holds it.
 */

/** Far enough ahead to mean "until unblocked", near enough for every date library. */
export const LOCKED_UNTIL_UNBLOCKED = new Date("9999-12-31T00:00:00.000Z");

export interface LockedMember {
  id: string;
  email: string;
}

/** Members of the org the actor value names: by e-mail (any case) or by user id. */
async function membersNamed(client: pg.PoolClient, orgId: string, actor: string): Promise<LockedMember[]> {
  const { rows } = await client.query<LockedMember>(
    `select u.id, u.email from users u join memberships m on m.user_id = u.id
     where m.org_id = $1 and (u.email = lower($2) or u.id::text = lower($2))
     order by u.id for update of u`,
    [orgId, actor.trim()],
  );
  return rows;
}

/** Locks the org's members the actor names, until `until` (null: until unblocked). */
export async function lockBlockedMembers(client: pg.PoolClient, orgId: string, actor: string, until: Date | null): Promise<LockedMember[]> {
  const members = await membersNamed(client, orgId, actor);
  const lockUntil = until ?? LOCKED_UNTIL_UNBLOCKED;
  for (const m of members) {
    // A longer lock already in place stays.
    await client.query("update users set locked_until = greatest(coalesce(locked_until, $2), $2) where id = $1", [m.id, lockUntil]);
  }
  return members;
}

/**
 * Clears the lock of the org's members the removed actor entry named, unless another
 * live actor entry (of any org they belong to) still blocks them.
 */
export async function unlockUnblockedMembers(client: pg.PoolClient, orgId: string, actor: string): Promise<LockedMember[]> {
  const members = await membersNamed(client, orgId, actor);
  const unlocked: LockedMember[] = [];
  for (const m of members) {
    const { rows } = await client.query<{ id: string }>(
      `update users u set locked_until = null
       where u.id = $1 and u.locked_until is not null
         and not exists (
           select 1 from blocklist_entries b join memberships m on m.org_id = b.org_id and m.user_id = u.id
           where b.kind = 'actor' and (b.expires_at is null or b.expires_at > now()) and (b.value = u.email or b.value = u.id::text)
         )
       returning u.id`,
      [m.id],
    );
    if (rows[0]) unlocked.push(m);
  }
  return unlocked;
}

/**
 * Whether the actor names a member of the org whose role may manage settings: a rule acting
 * by itself doesn't block them (an integrator can send events in anyone's name, and an
 * automatic response must not shut out the people who could undo it).
 */
export async function namesAdministrator(client: pg.PoolClient, orgId: string, actor: string): Promise<boolean> {
  const { rows } = await client.query(
    `select 1 from users u join memberships m on m.user_id = u.id join roles r on r.id = m.role_id
     where m.org_id = $1 and (u.email = lower($2) or u.id::text = lower($2)) and 'settings:manage' = any(r.permissions) limit 1`,
    [orgId, actor.trim()],
  );
  return rows.length > 0;
}
