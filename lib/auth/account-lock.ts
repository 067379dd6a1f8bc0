import type pg from "pg";

/**
 * Blocking an account that is a Vigil user of the org keeps that person out of this org: the
 * org's blocklist is checked at sign-in and on every console request (lib/auth/sign-in.ts,
 * lib/auth/session.ts). It never touches the account itself: a block in one org must not
 * keep the person out of their other orgs, and unblocking must not reset a brute-force lock
 * (docs/security.md, findings 1 and 9). These functions name the members a block concerns.
 */

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

/** The org's members an actor block names: shut out of this org (only) while it lasts. */
export async function lockBlockedMembers(client: pg.PoolClient, orgId: string, actor: string): Promise<LockedMember[]> {
  return membersNamed(client, orgId, actor);
}

/** The org's members a removed actor block named: back in this org, their account untouched. */
export async function unlockUnblockedMembers(client: pg.PoolClient, orgId: string, actor: string): Promise<LockedMember[]> {
  return membersNamed(client, orgId, actor);
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
