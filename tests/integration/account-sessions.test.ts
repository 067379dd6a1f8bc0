import { describe, expect, it } from "vitest";
import { accountSessions, revokeOwnOtherSessions, revokeOwnSession } from "@/lib/console/account-sessions";
import { liveSession, startUserSession } from "@/lib/auth/user-sessions";
import { eventsOf, orgWithUser } from "@/tests/integration/console-fixtures";

/** Settings → Your account lists your live sessions and ends them (issue 10, finding 7). */
describe("your own sessions", () => {
  it("lists the live ones with this one marked, ends one, then every other one, each SESSION_REVOKED", async () => {
    const { orgId, user } = await orgWithUser("manager");
    const actor = { type: "user" as const, id: user.id, email: user.email, name: user.name, ip: "192.0.2.85" };
    const mine = await startUserSession(user.id, { ip: "192.0.2.85", userAgent: "vigil-tests" });
    const laptop = await startUserSession(user.id, { ip: "198.51.100.8", userAgent: "laptop" });
    const phone = await startUserSession(user.id, { ip: "198.51.100.9", userAgent: "phone" });

    const listed = await accountSessions(user.id, mine);
    expect(listed.map((s) => s.id).sort()).toEqual([mine, laptop, phone].sort());
    expect(listed.filter((s) => s.current).map((s) => s.id)).toEqual([mine]);

    await expect(revokeOwnSession(actor, mine, mine)).rejects.toThrow(/this session/);
    await revokeOwnSession(actor, mine, laptop);
    expect(await liveSession(laptop, user.id)).toBeUndefined();
    expect(await revokeOwnOtherSessions(actor, mine)).toBe(1);
    expect(await liveSession(phone, user.id)).toBeUndefined();
    expect(await liveSession(mine, user.id)).toBeDefined();
    expect((await accountSessions(user.id, mine)).map((s) => s.id)).toEqual([mine]);
    expect(await eventsOf(orgId, "SESSION_REVOKED")).toHaveLength(2);
  });

  it("can't end another person's session", async () => {
    const a = await orgWithUser("manager");
    const b = await orgWithUser("manager");
    const mine = await startUserSession(a.user.id, { ip: "192.0.2.86", userAgent: "vigil-tests" });
    const theirs = await startUserSession(b.user.id, { ip: "192.0.2.87", userAgent: "vigil-tests" });
    await expect(revokeOwnSession({ type: "user" as const, id: a.user.id, email: a.user.email, name: a.user.name }, mine, theirs)).rejects.toThrow(/doesn't exist/);
    expect(await liveSession(theirs, b.user.id)).toBeDefined();
  });
});
