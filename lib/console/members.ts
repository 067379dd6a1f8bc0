import type pg from "pg";
import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { knownPermissions } from "@/lib/auth/membership";
import { withAudit } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import { assertCanGrant, assertCanManage, type Authority } from "@/lib/console/rules";
import { isUuid } from "@/lib/uuid";

/**
 * Members of an org: change role, remove, leave (people join by accepting an invitation:
 * lib/console/invitations.ts). Each change is a PERMISSIONS_CHANGED event with the previous role, written in the
 * change's transaction.
 */

export interface MemberRow {
  membershipId: string;
  userId: string;
  email: string;
  name: string;
  roleId: string;
  roleKey: string;
  roleName: string;
  mfaEnabled: boolean;
  lockedUntil: string | null;
  joinedAt: string;
}

export async function listMembers(orgId: string): Promise<MemberRow[]> {
  const { rows } = await pool().query<{
    membership_id: string; user_id: string; email: string; name: string; role_id: string; role_key: string; role_name: string;
    mfa_enabled_at: Date | null; locked_until: Date | null; created_at: Date;
  }>(
    `select m.id as membership_id, u.id as user_id, u.email, u.name, r.id as role_id, r.key as role_key, r.name as role_name,
       u.mfa_enabled_at, u.locked_until, m.created_at
     from memberships m join users u on u.id = m.user_id join roles r on r.id = m.role_id
     where m.org_id = $1 order by u.email`,
    [orgId],
  );
  return rows.map((r) => ({
    membershipId: r.membership_id, userId: r.user_id, email: r.email, name: r.name, roleId: r.role_id, roleKey: r.role_key,
    roleName: r.role_name, mfaEnabled: r.mfa_enabled_at !== null,
    lockedUntil: r.locked_until && r.locked_until.getTime() > Date.now() ? r.locked_until.toISOString() : null,
    joinedAt: r.created_at.toISOString(),
  }));
}

interface RoleRecord {
  id: string;
  key: string;
  name: string;
  permissions: string[];
}

/** A role usable in the org (built-in, or the org's own); a foreign role is "not found". */
export async function roleInOrg(db: pg.Pool | pg.PoolClient, orgId: string, roleId: string): Promise<RoleRecord> {
  if (!isUuid(roleId)) throw new VigilError("not_found", "That role doesn't exist.", { roleId: "choose a role" });
  const { rows } = await db.query<RoleRecord & { permissions: string[] | null }>(
    "select id, key, name, permissions from roles where id = $1 and (org_id is null or org_id = $2)",
    [roleId, orgId],
  );
  if (!rows[0]) throw new VigilError("not_found", "That role doesn't exist.", { roleId: "choose a role" });
  return { ...rows[0], permissions: knownPermissions(rows[0].permissions) };
}

interface LockedMember {
  id: string;
  user_id: string;
  email: string;
  role_id: string;
  role_key: string;
  role_name: string;
  permissions: string[] | null;
  built_in: boolean;
}

export async function lockMember(client: pg.PoolClient, orgId: string, membershipId: string): Promise<LockedMember> {
  if (!isUuid(membershipId)) throw new VigilError("not_found", "That member doesn't exist.");
  const { rows } = await client.query<LockedMember>(
    `select m.id, m.user_id, u.email, r.id as role_id, r.key as role_key, r.name as role_name, r.permissions, r.built_in
     from memberships m join users u on u.id = m.user_id join roles r on r.id = m.role_id
     where m.org_id = $1 and m.id = $2 for update of m`,
    [orgId, membershipId],
  );
  if (!rows[0]) throw new VigilError("not_found", "That member doesn't exist.");
  return rows[0];
}

/** Owners left in the org besides the given membership, counted under lock. */
async function otherOwners(client: pg.PoolClient, orgId: string, membershipId: string): Promise<number> {
  const { rows } = await client.query<{ id: string }>(
    `select m.id from memberships m join roles r on r.id = m.role_id
     where m.org_id = $1 and r.key = 'owner' and r.org_id is null and m.id <> $2 for update of m`,
    [orgId, membershipId],
  );
  return rows.length;
}

export const builtInKey = (m: { role_key: string; built_in: boolean }) => (m.built_in ? m.role_key : null);

export async function changeMemberRole(orgId: string, actor: Authority & { audit: PersonActor }, input: { membershipId: string; roleId: string }): Promise<void> {
  await withAudit(orgId, actor.audit, async (client) => {
    const member = await lockMember(client, orgId, input.membershipId);
    assertCanManage(actor, { userId: member.user_id, permissions: knownPermissions(member.permissions), roleKey: builtInKey(member) });
    const role = await roleInOrg(client, orgId, input.roleId);
    assertCanGrant(actor, role.permissions, role.key, "grant");
    if (role.id === member.role_id) throw new VigilError("invalid_request", `${member.email} already has the ${role.name} role.`);
    if (builtInKey(member) === "owner" && (await otherOwners(client, orgId, member.id)) === 0) {
      throw new VigilError("invalid_request", "An organization keeps at least one owner: make someone else an owner first.");
    }
    await client.query("update memberships set role_id = $3 where org_id = $1 and id = $2", [orgId, member.id, role.id]);
    return {
      result: undefined,
      events: [{
        action: "PERMISSIONS_CHANGED",
        category: "settings",
        targets: [{ type: "user", id: member.user_id, name: member.email }],
        changes: [
          { field: "role", before: member.role_name, after: role.name },
          { field: "permissions", before: knownPermissions(member.permissions), after: role.permissions },
        ],
        metadata: { action: "role_changed", user: member.email, new_role: role.name, previous_role: member.role_name },
      }],
    };
  });
}

export async function removeMember(orgId: string, actor: Authority & { audit: PersonActor }, input: { membershipId: string }): Promise<void> {
  await withAudit(orgId, actor.audit, async (client) => {
    const member = await lockMember(client, orgId, input.membershipId);
    assertCanManage(actor, { userId: member.user_id, permissions: knownPermissions(member.permissions), roleKey: builtInKey(member) });
    if (builtInKey(member) === "owner" && (await otherOwners(client, orgId, member.id)) === 0) {
      throw new VigilError("invalid_request", "An organization keeps at least one owner.");
    }
    await client.query("delete from memberships where org_id = $1 and id = $2", [orgId, member.id]);
    return {
      result: undefined,
      events: [{
        action: "PERMISSIONS_CHANGED",
        category: "settings",
        severity: "warning",
        targets: [{ type: "user", id: member.user_id, name: member.email }],
        changes: [{ field: "role", before: member.role_name, after: null }],
        metadata: { action: "member_removed", user: member.email, new_role: null, previous_role: member.role_name },
      }],
    };
  });
}

/** The signed-in person leaves the org; the last owner can't (the org keeps an owner). */
export async function leaveOrg(orgId: string, actor: PersonActor): Promise<void> {
  await withAudit(orgId, actor, async (client) => {
    const { rows } = await client.query<{ id: string; role_key: string; role_name: string; built_in: boolean }>(
      `select m.id, r.key as role_key, r.name as role_name, r.built_in from memberships m join roles r on r.id = m.role_id
       where m.org_id = $1 and m.user_id = $2 for update of m`,
      [orgId, actor.id],
    );
    const member = rows[0];
    if (!member) throw new VigilError("not_found", "You are not a member of this organization.");
    if (builtInKey(member) === "owner" && (await otherOwners(client, orgId, member.id)) === 0) {
      throw new VigilError("invalid_request", "You are the last owner: make someone else an owner before you leave.");
    }
    await client.query("delete from memberships where org_id = $1 and id = $2", [orgId, member.id]);
    return {
      result: undefined,
      events: [{
        action: "MEMBER_LEFT",
        category: "settings",
        targets: [{ type: "user", id: actor.id, name: actor.email }],
        changes: [{ field: "role", before: member.role_name, after: null }],
        metadata: { user: actor.email, previous_role: member.role_name },
      }],
    };
  });
}
