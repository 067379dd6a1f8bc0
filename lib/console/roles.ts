import type pg from "pg";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { VigilError } from "@/lib/errors";
import { knownPermissions } from "@/lib/auth/membership";
import { PERMISSIONS, type Permission } from "@/lib/auth/permissions";
import { slugify } from "@/lib/orgs/create-org";
import { withAudit } from "@/lib/audit/record";
import type { PersonActor } from "@/lib/audit/actor";
import { assertCanGrant, missingPermissions, type Authority } from "@/lib/console/rules";
import { isUuid } from "@/lib/uuid";

/**
 * Roles: the built-in ones (shared, read-only) and an org's custom roles, any subset of the
 * same permissions. Creating or editing a role is a PERMISSIONS_CHANGED event.
 */

export const PERMISSION_LABELS: Record<Permission, { label: string; description: string }> = {
  "events:read": { label: "Read events", description: "Search events and open their details" },
  "events:export": { label: "Export events", description: "Download events as CSV or NDJSON" },
  "reports:download": { label: "Download reports", description: "Security and compliance reports" },
  "alerts:manage": { label: "Manage alerts", description: "Review alerts, block, open incidents" },
  "settings:manage": { label: "Manage settings", description: "Organization settings, MFA policy, blocklist" },
  "members:manage": { label: "Manage members", description: "Add and remove members, change roles, custom roles" },
  "apikeys:manage": { label: "Manage API keys", description: "Create, scope and revoke API keys" },
  "retention:manage": { label: "Manage retention", description: "Retention policies and legal holds" },
};

export interface RoleRow {
  id: string;
  key: string;
  name: string;
  builtIn: boolean;
  permissions: Permission[];
  members: number;
}

export async function listRoles(orgId: string): Promise<RoleRow[]> {
  const { rows } = await pool().query<{ id: string; key: string; name: string; built_in: boolean; permissions: string[] | null; members: number }>(
    `select r.id, r.key, r.name, r.built_in, r.permissions,
       (select count(*)::int from memberships m where m.role_id = r.id and m.org_id = $1) as members
     from roles r where r.org_id is null or r.org_id = $1
     order by r.built_in desc, cardinality(coalesce(r.permissions, '{}')) desc, r.name`,
    [orgId],
  );
  return rows.map((r) => ({ id: r.id, key: r.key, name: r.name, builtIn: r.built_in, permissions: knownPermissions(r.permissions), members: r.members }));
}

function cleanPermissions(values: readonly string[]): Permission[] {
  const unknown = values.filter((v) => !(PERMISSIONS as readonly string[]).includes(v));
  if (unknown.length) throw new VigilError("invalid_request", `Unknown permissions: ${unknown.join(", ")}.`, { permissions: "contains unknown permissions" });
  return PERMISSIONS.filter((p) => values.includes(p));
}

async function lockCustomRole(client: pg.PoolClient, orgId: string, roleId: string): Promise<{ id: string; key: string; name: string; permissions: Permission[] }> {
  if (!isUuid(roleId)) throw new VigilError("not_found", "That role doesn't exist.");
  const { rows } = await client.query<{ id: string; key: string; name: string; permissions: string[] | null }>(
    "select id, key, name, permissions from roles where id = $1 and org_id = $2 and not built_in for update",
    [roleId, orgId],
  );
  if (!rows[0]) throw new VigilError("not_found", "That custom role doesn't exist (built-in roles can't be changed).");
  return { ...rows[0], permissions: knownPermissions(rows[0].permissions) };
}

export async function createRole(orgId: string, actor: Authority & { audit: PersonActor }, input: { name: string; permissions: string[] }): Promise<{ id: string }> {
  const name = input.name.trim();
  const permissions = cleanPermissions(input.permissions);
  assertCanGrant(actor, permissions, null, "create");
  // Custom keys can't collide with built-in ones ("owner" etc.).
  const key = `custom-${slugify(name)}`;
  return withAudit(orgId, actor.audit, async (client) => {
    const id = uuidv7();
    const inserted = await client.query(
      "insert into roles (id, org_id, key, name, permissions, built_in) values ($1, $2, $3, $4, $5, false) on conflict (org_id, key) do nothing",
      [id, orgId, key, name, permissions],
    );
    if (!inserted.rowCount) throw new VigilError("conflict", `A role named ${name} exists already.`, { name: "is taken" });
    return {
      result: { id },
      events: [{
        action: "PERMISSIONS_CHANGED",
        category: "settings",
        targets: [{ type: "role", id, name }],
        changes: [{ field: "permissions", before: null, after: permissions }],
        metadata: { action: "role_created", role: name },
      }],
    };
  });
}

export async function updateRole(orgId: string, actor: Authority & { audit: PersonActor }, input: { roleId: string; name: string; permissions: string[] }): Promise<void> {
  const permissions = cleanPermissions(input.permissions);
  const name = input.name.trim();
  await withAudit(orgId, actor.audit, async (client) => {
    const role = await lockCustomRole(client, orgId, input.roleId);
    // Editing a role changes what its members hold: both the old and the new set must be yours.
    if (missingPermissions(actor, role.permissions).length) {
      throw new VigilError("forbidden", "This role holds permissions you don't; you can't change it.");
    }
    assertCanGrant(actor, permissions, null, "give");
    const changes = [];
    if (role.name !== name) changes.push({ field: "name", before: role.name, after: name });
    if (role.permissions.join() !== permissions.join()) changes.push({ field: "permissions", before: role.permissions, after: permissions });
    if (changes.length === 0) throw new VigilError("invalid_request", "Nothing changed.");
    await client.query("update roles set name = $3, permissions = $4 where id = $1 and org_id = $2", [role.id, orgId, name, permissions]);
    return {
      result: undefined,
      events: [{
        action: "PERMISSIONS_CHANGED",
        category: "settings",
        targets: [{ type: "role", id: role.id, name }],
        changes,
        metadata: { action: "role_updated", role: name, ...(role.name !== name ? { previous_name: role.name } : {}) },
      }],
    };
  });
}

export async function deleteRole(orgId: string, actor: Authority & { audit: PersonActor }, input: { roleId: string }): Promise<void> {
  await withAudit(orgId, actor.audit, async (client) => {
    const role = await lockCustomRole(client, orgId, input.roleId);
    if (missingPermissions(actor, role.permissions).length) throw new VigilError("forbidden", "This role holds permissions you don't; you can't delete it.");
    const used = await client.query("select 1 from memberships where role_id = $1 limit 1", [role.id]);
    if (used.rowCount) throw new VigilError("conflict", `Members still have the ${role.name} role; give them another role first.`);
    await client.query("delete from roles where id = $1 and org_id = $2", [role.id, orgId]);
    return {
      result: undefined,
      events: [{
        action: "PERMISSIONS_CHANGED",
        category: "settings",
        severity: "warning",
        targets: [{ type: "role", id: role.id, name: role.name }],
        changes: [{ field: "permissions", before: role.permissions, after: null }],
        metadata: { action: "role_deleted", role: role.name },
      }],
    };
  });
}
