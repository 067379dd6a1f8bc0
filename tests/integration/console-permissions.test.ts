import { describe, expect, it } from "vitest";
import { pool } from "@/lib/db/pool";
import { resolveMembership } from "@/lib/auth/membership";
import type { Permission } from "@/lib/auth/permissions";
import { BUILT_IN_ROLES } from "@/lib/auth/permissions";
import { VigilError } from "@/lib/errors";
import { changeMemberRole, removeMember } from "@/lib/console/members";
import { inviteMember } from "@/lib/console/invitations";
import { createRole, updateRole } from "@/lib/console/roles";
import { createConsoleApiKey, revokeConsoleApiKey } from "@/lib/console/api-keys";
import { blockFromConsole, updateOrgSettings, getOrgSettings } from "@/lib/console/org-settings";
import { actorOf } from "@/lib/console/rules";
import { ensureBuiltInRoles } from "@/lib/orgs/create-org";
import { eventWithChain } from "@/lib/events/event-detail";
import { searchEvents } from "@/lib/events/search";
import { emptyFilter } from "@/lib/events/filter";
import { recordEvent } from "@/lib/events/ingest";
import { addUser, eventsOf, orgWithUser, type TestUser } from "@/tests/integration/console-fixtures";

/** The console actor of a member, read the way a request reads it. */
async function actor(user: TestUser, orgId: string) {
  const m = await resolveMembership(user.id, orgId);
  if (!m) throw new Error("not a member");
  return actorOf({ ...m, actor: { type: "user" as const, id: user.id, email: user.email, name: user.name, ip: "192.0.2.1", userAgent: null } });
}

async function membershipId(orgId: string, userId: string): Promise<string> {
  const { rows } = await pool().query("select id from memberships where org_id = $1 and user_id = $2", [orgId, userId]);
  return rows[0].id;
}

async function roleId(key: string): Promise<string> {
  return (await ensureBuiltInRoles()).get(key)!;
}

const refused = (p: Promise<unknown>, code: VigilError["code"] = "forbidden") =>
  expect(p).rejects.toSatisfy((e: unknown) => e instanceof VigilError && e.code === code);

describe("memberships and permissions", () => {
  it("reads permissions from the role, fails closed without a membership, and honours the org cookie only for members", async () => {
    const a = await orgWithUser("director");
    const b = await orgWithUser("admin");
    expect(await resolveMembership(undefined, a.orgId)).toBeUndefined();
    expect(await resolveMembership("not-a-uuid")).toBeUndefined();
    const m = await resolveMembership(a.user.id, b.orgId);
    // Asked for an org they don't belong to: their own org, never the other.
    expect(m?.org.id).toBe(a.orgId);
    expect(m?.permissions).toEqual(BUILT_IN_ROLES.director!.permissions);
    await addUser(b.orgId, "auditor", a.user.email);
    const switched = await resolveMembership(a.user.id, b.orgId);
    expect(switched?.org.id).toBe(b.orgId);
    expect(switched?.role.key).toBe("auditor");
    expect(switched?.orgs.map((o) => o.id).sort()).toEqual([a.orgId, b.orgId].sort());
  });

  it("records a role change as PERMISSIONS_CHANGED with the previous role, in the same transaction", async () => {
    const { orgId, user: admin } = await orgWithUser("admin");
    const member = await addUser(orgId, "agent");
    await changeMemberRole(orgId, await actor(admin, orgId), { membershipId: await membershipId(orgId, member.id), roleId: await roleId("manager") });
    const [event] = await eventsOf(orgId, "PERMISSIONS_CHANGED");
    expect(event).toMatchObject({ category: "settings", actor_email: admin.email, source: "console", ip: "192.0.2.1" });
    expect(event.metadata).toMatchObject({ action: "role_changed", user: member.email, new_role: "Manager", previous_role: "Agent" });
    expect(event.changes[0]).toEqual({ field: "role", before: "Agent", after: "Manager" });
  });

  it("never lets anyone raise their own privileges or grant what they lack", async () => {
    const { orgId, user: owner } = await orgWithUser("owner");
    const admin = await addUser(orgId, "admin");
    const manager = await addUser(orgId, "manager");
    // A custom "members only" role: can manage members, nothing else.
    const custom = await createRole(orgId, await actor(owner, orgId), { name: "People ops", permissions: ["members:manage"] });
    const ops = await addUser(orgId, custom.id);
    const opsActor = await actor(ops, orgId);
    // Self-escalation: changing your own membership is refused.
    await refused(changeMemberRole(orgId, opsActor, { membershipId: await membershipId(orgId, ops.id), roleId: await roleId("admin") }));
    // Granting a role holding permissions you lack is refused, to others too.
    await refused(changeMemberRole(orgId, opsActor, { membershipId: await membershipId(orgId, manager.id), roleId: await roleId("admin") }));
    await refused(inviteMember(orgId, opsActor, { email: "friend@example.com", roleId: await roleId("director") }));
    // Acting on someone whose role holds more than yours is refused.
    await refused(removeMember(orgId, opsActor, { membershipId: await membershipId(orgId, manager.id) }));
    // A custom role can't be given permissions its creator lacks, nor widened by its holder.
    await refused(createRole(orgId, opsActor, { name: "Sneaky", permissions: ["members:manage", "events:export"] }));
    await refused(updateRole(orgId, opsActor, { roleId: custom.id, name: "People ops", permissions: ["members:manage", "settings:manage"] }));
    // Only an owner makes an owner; an admin can't touch the owner.
    const adminActor = await actor(admin, orgId);
    await refused(changeMemberRole(orgId, adminActor, { membershipId: await membershipId(orgId, manager.id), roleId: await roleId("owner") }));
    await refused(removeMember(orgId, adminActor, { membershipId: await membershipId(orgId, owner.id) }));
    // The last owner can't be demoted, even by themselves through another owner's absence.
    const ownerActor = await actor(owner, orgId);
    await refused(changeMemberRole(orgId, ownerActor, { membershipId: await membershipId(orgId, owner.id), roleId: await roleId("admin") }));
    // Nothing above changed anything, and nothing was recorded for the refusals.
    const m = await resolveMembership(ops.id, orgId);
    expect(m?.permissions).toEqual(["members:manage"]);
    const changes = await eventsOf(orgId, "PERMISSIONS_CHANGED");
    expect(changes.map((e) => e.metadata.action)).toEqual(["role_created"]);
  });

  it("a custom role that can read but not export gets exactly that", async () => {
    const { orgId, user: admin } = await orgWithUser("admin");
    const role = await createRole(orgId, await actor(admin, orgId), { name: "Read only", permissions: ["events:read"] });
    const reader = await addUser(orgId, role.id);
    const m = await resolveMembership(reader.id, orgId);
    expect(m?.permissions).toEqual<Permission[]>(["events:read"]);
    expect(m?.role).toMatchObject({ name: "Read only", builtIn: false });
  });

  it("a custom role of one org means nothing in another", async () => {
    const a = await orgWithUser("admin");
    const b = await orgWithUser("admin");
    const role = await createRole(a.orgId, await actor(a.user, a.orgId), { name: "Auditors plus", permissions: ["events:read", "events:export"] });
    const target = await addUser(b.orgId, "agent");
    await refused(changeMemberRole(b.orgId, await actor(b.user, b.orgId), { membershipId: await membershipId(b.orgId, target.id), roleId: role.id }), "not_found");
  });
});

describe("API keys, settings and blocklist from the console", () => {
  it("shows a key once, scopes it within the creator's permissions, revokes it, and audits both", async () => {
    const { orgId, user: admin } = await orgWithUser("admin");
    const adminActor = await actor(admin, orgId);
    const created = await createConsoleApiKey(orgId, adminActor, { name: "Backend", scopes: ["events:write", "events:read"] });
    expect(created.key).toMatch(/^vgl_/);
    const stored = await pool().query("select key_hash, scopes from api_keys where id = $1", [created.id]);
    expect(stored.rows[0].key_hash).not.toContain(created.key);
    expect(stored.rows[0].scopes).toEqual(["events:write", "events:read"]);
    await revokeConsoleApiKey(orgId, adminActor, { id: created.id });
    const events = await eventsOf(orgId, "SETTINGS_CHANGED");
    expect(events.map((e) => e.metadata.action)).toEqual(["created", "revoked"]);
    expect(JSON.stringify(events)).not.toContain(created.key);
    // A manager-like custom role holding apikeys:manage but not reports:download can't mint reports:read or admin.
    const keyRole = await createRole(orgId, adminActor, { name: "Integrator", permissions: ["apikeys:manage", "events:read"] });
    const integrator = await addUser(orgId, keyRole.id);
    await refused(createConsoleApiKey(orgId, await actor(integrator, orgId), { name: "x", scopes: ["admin"] }));
    await refused(createConsoleApiKey(orgId, await actor(integrator, orgId), { name: "x", scopes: ["reports:read"] }));
    // Another org's key is not found.
    const other = await orgWithUser("admin");
    await refused(revokeConsoleApiKey(other.orgId, await actor(other.user, other.orgId), { id: created.id }), "not_found");
  });

  it("records SETTINGS_CHANGED with before and after, and refuses requiring MFA by someone without it", async () => {
    const { orgId, user: admin } = await orgWithUser("admin");
    const adminActor = await actor(admin, orgId);
    const before = await getOrgSettings(orgId);
    await updateOrgSettings(orgId, { audit: adminActor.audit, mfaEnabled: false }, { ...before, timezone: "Europe/Lisbon", businessHours: { days: [1, 2, 3, 4, 5, 6], start: "07:00", end: "19:00" } });
    const [event] = await eventsOf(orgId, "SETTINGS_CHANGED");
    expect(event.metadata).toMatchObject({ section: "organization", action: "updated" });
    expect(event.changes).toEqual(expect.arrayContaining([
      { field: "timezone", before: "UTC", after: "Europe/Lisbon" },
      { field: "business_hours", before: "08:00–19:00", after: "07:00–19:00" },
    ]));
    await refused(updateOrgSettings(orgId, { audit: adminActor.audit, mfaEnabled: false }, { ...before, requireMfa: true }), "invalid_request");
    expect((await getOrgSettings(orgId)).requireMfa).toBe(false);
  });

  it("an action whose audit record can't be written does not happen", async () => {
    const { orgId, user: admin } = await orgWithUser("admin");
    const adminActor = await actor(admin, orgId);
    // An actor email that can't be stored makes the audit event invalid: the block must not land.
    const broken = { ...adminActor.audit, email: "x".repeat(400) };
    await expect(blockFromConsole(orgId, broken, { value: "192.0.2.0/24" })).rejects.toThrow(/audit event/);
    const { rows } = await pool().query("select count(*)::int as n from blocklist_entries where org_id = $1", [orgId]);
    expect(rows[0].n).toBe(0);
    await blockFromConsole(orgId, adminActor.audit, { value: "192.0.2.0/24", reason: "test" });
    const [event] = await eventsOf(orgId, "BLOCKLIST_ENTRY_CREATED");
    expect(event.metadata).toMatchObject({ kind: "cidr", value: "192.0.2.0/24" });
  });
});

describe("cross-org isolation", () => {
  it("another org's event is not found, exactly like a missing one, and searches never cross orgs", async () => {
    const a = await orgWithUser("admin");
    const b = await orgWithUser("admin");
    const created = await recordEvent(a.orgId, { action: "CONTACT_UPDATED", actor: { type: "user", email: "x@a.example" } }, "api");
    expect(await eventWithChain(a.orgId, created.id)).toBeTruthy();
    expect(await eventWithChain(b.orgId, created.id)).toBeUndefined();
    const page = await searchEvents(b.orgId, { ...emptyFilter(), actor: ["x@a.example"] }, { limit: 10 });
    expect(page.data).toEqual([]);
  });
});

describe("saved searches", () => {
  it("belong to one person in one org", async () => {
    const { saveSearch, listSavedSearches, deleteSavedSearch } = await import("@/lib/console/saved-searches");
    const { orgId, user } = await orgWithUser("manager");
    const other = await addUser(orgId, "manager");
    const s = await saveSearch(orgId, user.id, { name: "Failures", query: "status=failed&cursor=abc" });
    expect(s.query).toBe("status=failed");
    expect(await listSavedSearches(orgId, other.id)).toEqual([]);
    await refused(deleteSavedSearch(orgId, other.id, s.id), "not_found");
    await deleteSavedSearch(orgId, user.id, s.id);
    expect(await listSavedSearches(orgId, user.id)).toEqual([]);
  });
});
