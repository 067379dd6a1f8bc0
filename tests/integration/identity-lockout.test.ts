import { describe, expect, it } from "vitest";
import { pool, withTransaction } from "@/lib/db/pool";
import { lockBlockedMembers, unlockUnblockedMembers } from "@/lib/auth/account-lock";
import { orgWithUser } from "@/tests/integration/console-fixtures";

/** Issue 10, finding 9: unblocking an actor doesn't wipe their brute-force failure count. */
describe("identity: lockout", () => {
  it("unblocking keeps the brute-force failure count", async () => {
    const { orgId, user } = await orgWithUser("director");
    await pool().query("update users set failed_attempts = 4 where id = $1", [user.id]);
    await withTransaction((c) => lockBlockedMembers(c, orgId, user.email));
    await withTransaction((c) => unlockUnblockedMembers(c, orgId, user.email));
    const { rows } = await pool().query("select failed_attempts, locked_until from users where id = $1", [user.id]);
    expect(rows[0]).toEqual({ failed_attempts: 4, locked_until: null });
  });
});
