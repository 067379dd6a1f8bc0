import type { Permission } from "@/lib/auth/permissions";
import { VigilError } from "@/lib/errors";
import type { PersonActor } from "@/lib/audit/actor";

/**
 * The rules that keep people from raising privileges: nobody grants a permission they
 * don't hold, nobody changes their own membership, nobody acts on someone whose role
 * holds more than theirs, and only an owner makes or unmakes an owner.
 */

export interface Authority {
  userId: string;
  permissions: readonly Permission[];
  roleKey: string;
}

export function missingPermissions(actor: Pick<Authority, "permissions">, wanted: readonly string[]): string[] {
  return wanted.filter((p) => !actor.permissions.includes(p as Permission));
}

export function assertCanGrant(actor: Authority, rolePermissions: readonly string[], roleKey: string | null, what = "grant"): void {
  const missing = missingPermissions(actor, rolePermissions);
  if (missing.length > 0) {
    throw new VigilError("forbidden", `You can't ${what} a role with permissions you don't hold: ${missing.join(", ")}.`);
  }
  if (roleKey === "owner" && actor.roleKey !== "owner") throw new VigilError("forbidden", "Only an owner can make someone an owner.");
}

export function assertCanManage(actor: Authority, target: { userId: string; permissions: readonly string[]; roleKey: string | null }): void {
  if (target.userId === actor.userId) throw new VigilError("forbidden", "You can't change your own membership; ask another administrator.");
  if (target.roleKey === "owner" && actor.roleKey !== "owner") throw new VigilError("forbidden", "Only an owner can change an owner's membership.");
  const missing = missingPermissions(actor, target.permissions);
  if (missing.length > 0) throw new VigilError("forbidden", "This member's role holds permissions you don't; ask someone who holds them.");
}

/** The acting person of a console session, as the rules and the audit record need them. */
export function actorOf(session: { user: { id: string }; permissions: readonly Permission[]; role: { key: string; builtIn: boolean }; actor: PersonActor }): Authority & { audit: PersonActor } {
  return {
    userId: session.user.id,
    permissions: session.permissions,
    // Only the built-in owner role counts as "owner"; a custom role never does.
    roleKey: session.role.builtIn ? session.role.key : `custom:${session.role.key}`,
    audit: session.actor,
  };
}

/** Whether the actor may change this member at all (for showing or hiding the controls). */
export function mayManage(actor: Authority, target: { userId: string; permissions: readonly string[]; roleKey: string | null }): boolean {
  try {
    assertCanManage(actor, target);
    return true;
  } catch {
    return false;
  }
}

export function mayGrant(actor: Authority, role: { permissions: readonly string[]; key: string; builtIn: boolean }): boolean {
  try {
    assertCanGrant(actor, role.permissions, role.builtIn ? role.key : null);
    return true;
  } catch {
    return false;
  }
}
