import { pool } from "@/lib/db/pool";
import { PERMISSIONS, type Permission } from "@/lib/auth/permissions";
import { isUuid } from "@/lib/uuid";

/**
 * Who a signed-in user is in the console, read fresh on every request: the person, the
 * orgs they belong to, the current org (the one asked for when they are a member of it,
 * else their first), and the permissions of their role there. No membership, no access.
 */

export interface OrgSummary {
  id: string;
  slug: string;
  name: string;
}

export interface CurrentOrg extends OrgSummary {
  timezone: string;
  businessHours: { days: number[]; start: string; end: string };
  requireMfa: boolean;
  /** The org's policy: opening an event and running a search are recorded (lib/audit/reads.ts). */
  recordReads: boolean;
}

export interface RoleSummary {
  id: string;
  key: string;
  name: string;
  builtIn: boolean;
}

export interface Membership {
  user: { id: string; email: string; name: string; mfaEnabled: boolean };
  org: CurrentOrg;
  orgs: OrgSummary[];
  role: RoleSummary;
  permissions: Permission[];
}

interface Row {
  org_id: string;
  slug: string;
  org_name: string;
  timezone: string;
  business_hours: CurrentOrg["businessHours"];
  require_mfa: boolean;
  record_reads: boolean;
  role_id: string;
  role_key: string;
  role_name: string;
  built_in: boolean;
  permissions: string[] | null;
}

export function knownPermissions(values: readonly string[] | null | undefined): Permission[] {
  return PERMISSIONS.filter((p) => values?.includes(p));
}

/**
 * `closedOrgIds`: orgs this session may not open even though the person is a member (an
 * admin there signed them out everywhere: lib/auth/user-sessions.ts); they are left out
 * as if the membership weren't there.
 */
export async function resolveMembership(userId: string | undefined, requestedOrgId?: string | null, closedOrgIds: readonly string[] = []): Promise<Membership | undefined> {
  // Checked before any query: an absent id must never become "no condition".
  if (!userId || !isUuid(userId)) return undefined;
  const users = await pool().query<{ id: string; email: string; name: string; mfa_enabled_at: Date | null }>(
    "select id, email, name, mfa_enabled_at from users where id = $1",
    [userId],
  );
  const user = users.rows[0];
  if (!user) return undefined;
  // A custom role counts only in its own org.
  const { rows: all } = await pool().query<Row>(
    `select m.org_id, o.slug, o.name as org_name, o.timezone, o.business_hours, o.require_mfa, o.record_reads,
       r.id as role_id, r.key as role_key, r.name as role_name, r.built_in, r.permissions
     from memberships m
     join organizations o on o.id = m.org_id
     join roles r on r.id = m.role_id and (r.org_id is null or r.org_id = m.org_id)
     where m.user_id = $1
     order by m.created_at, o.slug`,
    [userId],
  );
  const rows = all.filter((r) => !closedOrgIds.includes(r.org_id));
  if (rows.length === 0) return undefined;
  const current = rows.find((r) => r.org_id === requestedOrgId) ?? rows[0]!;
  return {
    user: { id: user.id, email: user.email, name: user.name, mfaEnabled: user.mfa_enabled_at !== null },
    org: {
      id: current.org_id,
      slug: current.slug,
      name: current.org_name,
      timezone: current.timezone,
      businessHours: current.business_hours,
      requireMfa: current.require_mfa,
      recordReads: current.record_reads,
    },
    orgs: rows.map((r) => ({ id: r.org_id, slug: r.slug, name: r.org_name })),
    role: { id: current.role_id, key: current.role_key, name: current.role_name, builtIn: current.built_in },
    permissions: knownPermissions(current.permissions),
  };
}

export function hasPermission(m: Pick<Membership, "permissions">, permission: Permission): boolean {
  return m.permissions.includes(permission);
}
