import { describe, expect, it } from "vitest";
import { pool } from "@/lib/db/pool";
import { resolveMembership } from "@/lib/auth/membership";
import { VigilError } from "@/lib/errors";
import { attemptSignIn } from "@/lib/auth/sign-in";
import { acceptAsNewPerson, acceptAsSignedIn, inviteMember, listInvitations, revokeInvitation } from "@/lib/console/invitations";
import { leaveOrg } from "@/lib/console/members";
import { actorOf } from "@/lib/console/rules";
import { ensureBuiltInRoles } from "@/lib/orgs/create-org";
import { addUser, eventsOf, nextIp, orgWithUser, PASSWORD, type TestUser } from "@/tests/integration/console-fixtures";

/** Issue 10, finding 1: joining an org is an invitation the person accepts. */

async function actor(user: TestUser, orgId: string) {
  const m = await resolveMembership(user.id, orgId);
  if (!m) throw new Error("not a member");
  return actorOf({ ...m, actor: { type: "user" as const, id: user.id, email: user.email, name: user.name, ip: "192.0.2.1", userAgent: null } });
}
const audit = (u: TestUser) => ({ type: "user" as const, id: u.id, email: u.email, name: u.name, ip: "192.0.2.9", userAgent: null });
const roleId = async (key: string) => (await ensureBuiltInRoles()).get(key)!;
const tokenOf = (link: string) => link.replace(/^\/invite\//, "");
const accountOf = async (email: string) => (await pool().query("select id from users where email = $1", [email])).rows[0];
const refused = (p: Promise<unknown>, code: VigilError["code"]) =>
  expect(p).rejects.toSatisfy((e: unknown) => e instanceof VigilError && e.code === code);
const isMember = async (userId: string, orgId: string) =>
  (await pool().query("select 1 from memberships where user_id = $1 and org_id = $2", [userId, orgId])).rowCount === 1;
const uniq = () => Math.random().toString(36).slice(2, 8);

describe("identity: invitations instead of admin-made accounts", () => {
  it("1(a): X's admin inviting a fresh address gets a link, no password, and no account exists until the link is used", async () => {
    const x = await orgWithUser("admin");
    const y = await orgWithUser("owner");
    const ciso = `ciso-${uniq()}@y-corp.test`;
    const fromX = await inviteMember(x.orgId, await actor(x.user, x.orgId), { email: ciso, roleId: await roleId("director") });
    expect(Object.keys(fromX).sort()).toEqual(["emailed", "expiresAt", "link"]);
    expect(fromX.link).toMatch(/^\/invite\/[A-Za-z0-9_-]{43}$/);
    expect(await accountOf(ciso)).toBeUndefined();
    // Y invites the same address: still no account, so X's admin holds nothing to sign in with.
    const fromY = await inviteMember(y.orgId, await actor(y.user, y.orgId), { email: ciso, roleId: await roleId("admin") });
    expect(await accountOf(ciso)).toBeUndefined();
    expect(await attemptSignIn({ email: ciso, password: tokenOf(fromX.link), ip: nextIp() })).toEqual({ ok: false, code: "invalid" });
    // The real person uses Y's link: their own password; X's link can't adopt that account.
    await acceptAsNewPerson(tokenOf(fromY.link), { name: "Y CISO", password: "their own long password" });
    await refused(acceptAsNewPerson(tokenOf(fromX.link), { name: "X admin", password: "x admin's password!!" }), "not_found");
    const account = await accountOf(ciso);
    expect(await isMember(account.id, y.orgId)).toBe(true);
    expect(await isMember(account.id, x.orgId)).toBe(false);
    expect((await attemptSignIn({ email: ciso, password: "their own long password", ip: nextIp() })).ok).toBe(true);
    expect(await eventsOf(x.orgId, "MEMBER_INVITED")).toHaveLength(1);
  });

  it("1(b): inviting another org's owner answers like a fresh address and attaches nothing until they accept, signed in as that address", async () => {
    const x = await orgWithUser("admin");
    const y = await orgWithUser("owner");
    const xActor = await actor(x.user, x.orgId);
    const director = await roleId("director");
    const existing = await inviteMember(x.orgId, xActor, { email: y.user.email, roleId: director });
    const fresh = await inviteMember(x.orgId, xActor, { email: `nobody-${uniq()}@example.com`, roleId: director });
    expect(Object.keys(existing).sort()).toEqual(Object.keys(fresh).sort());
    expect(existing.emailed).toBe(fresh.emailed);
    expect((await eventsOf(x.orgId, "MEMBER_INVITED")).map((e) => Object.keys(e.metadata).sort()))
      .toEqual([["expires_at", "new_role", "user"], ["expires_at", "new_role", "user"]]);
    expect(await isMember(y.user.id, x.orgId)).toBe(false);
    // Someone else signed in (X's admin) can't accept it, nor make an account with it.
    await refused(acceptAsSignedIn(tokenOf(existing.link), audit(x.user)), "not_found");
    await refused(acceptAsNewPerson(tokenOf(existing.link), { name: "Impostor", password: "impostor password 1" }), "not_found");
    expect(await isMember(y.user.id, x.orgId)).toBe(false);
    // Y's owner accepts: a member of X now, once.
    await acceptAsSignedIn(tokenOf(existing.link), audit(y.user));
    expect(await isMember(y.user.id, x.orgId)).toBe(true);
    await refused(acceptAsSignedIn(tokenOf(existing.link), audit(y.user)), "not_found");
    // And they can leave X.
    await leaveOrg(x.orgId, audit(y.user));
    expect(await isMember(y.user.id, x.orgId)).toBe(false);
    expect(await eventsOf(x.orgId, "MEMBER_LEFT")).toHaveLength(1);
    expect((await attemptSignIn({ email: y.user.email, password: PASSWORD, ip: nextIp() })).ok).toBe(true);
  });

  it("an invitation is single-use, expires, and can be revoked; pending ones are listed", async () => {
    const x = await orgWithUser("admin");
    const xActor = await actor(x.user, x.orgId);
    const director = await roleId("director");
    const a = await inviteMember(x.orgId, xActor, { email: `a-${uniq()}@example.com`, roleId: director });
    const b = await inviteMember(x.orgId, xActor, { email: `b-${uniq()}@example.com`, roleId: director });
    const c = await inviteMember(x.orgId, xActor, { email: `c-${uniq()}@example.com`, roleId: director });
    expect(await listInvitations(x.orgId)).toHaveLength(3);
    await acceptAsNewPerson(tokenOf(a.link), { name: "A", password: "a long password 1" });
    await refused(acceptAsNewPerson(tokenOf(a.link), { name: "A again", password: "a long password 2" }), "not_found");
    await pool().query("update invitations set expires_at = now() - interval '1 second' where token_hash = encode(sha256($1::bytea), 'hex')", [tokenOf(b.link)]);
    await refused(acceptAsNewPerson(tokenOf(b.link), { name: "B", password: "b long password 1" }), "not_found");
    const [pending] = await listInvitations(x.orgId);
    await revokeInvitation(x.orgId, xActor, { invitationId: pending!.id });
    await refused(acceptAsNewPerson(tokenOf(c.link), { name: "C", password: "c long password 1" }), "not_found");
    expect(await listInvitations(x.orgId)).toHaveLength(0);
    await refused(acceptAsNewPerson("not-a-token", { name: "D", password: "d long password 1" }), "not_found");
    // Too short a password names the field and spends nothing.
    const d = await inviteMember(x.orgId, xActor, { email: `d-${uniq()}@example.com`, roleId: director });
    await expect(acceptAsNewPerson(tokenOf(d.link), { name: "D", password: "short" })).rejects.toMatchObject({ fieldErrors: { password: expect.any(String) } });
    expect(await listInvitations(x.orgId)).toHaveLength(1);
  });

  it("the last owner can't leave; another org's admin can't revoke X's invitation", async () => {
    const x = await orgWithUser("owner");
    await refused(leaveOrg(x.orgId, audit(x.user)), "invalid_request");
    const y = await orgWithUser("admin");
    await inviteMember(x.orgId, await actor(x.user, x.orgId), { email: `e-${uniq()}@example.com`, roleId: await roleId("director") });
    const [inv] = await listInvitations(x.orgId);
    await refused(revokeInvitation(y.orgId, await actor(y.user, y.orgId), { invitationId: inv!.id }), "not_found");
    const member = await addUser(x.orgId, "director");
    await leaveOrg(x.orgId, audit(member));
    expect(await isMember(member.id, x.orgId)).toBe(false);
  });
});
