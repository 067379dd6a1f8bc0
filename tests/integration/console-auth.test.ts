import { describe, expect, it } from "vitest";
import { generate } from "otplib";
import { pool, withTransaction } from "@/lib/db/pool";
import { rateLimitKey, attemptSignIn, MAX_FAILED_ATTEMPTS, recordSignOut } from "@/lib/auth/sign-in";
import { addBlocklistEntry } from "@/lib/auth/blocklist";
import { newTotpSecret, sealSecret } from "@/lib/auth/mfa";
import { PASSWORD, addUser, eventsOf, nextIp, orgWithUser } from "@/tests/integration/console-fixtures";

const UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

describe("console sign-in", () => {
  it("signs a member in and records LOGIN_SUCCESS with the device and IP", async () => {
    const { orgId, user } = await orgWithUser("manager");
    const ip = nextIp();
    const outcome = await attemptSignIn({ email: user.email.toUpperCase(), password: PASSWORD, ip, userAgent: UA });
    expect(outcome).toEqual({ ok: true, user: { id: user.id, email: user.email, name: user.name }, orgId });
    const [event] = await eventsOf(orgId, "LOGIN_SUCCESS");
    expect(event).toMatchObject({ status: "success", actor_email: user.email, ip, source: "console", category: "authentication" });
    expect(event.metadata).toMatchObject({ device: "Chrome 120 / Windows", browser: "Chrome 120", method: "password", mfa: false });
  });

  it("answers an unknown email exactly like a wrong password, and records nothing for it", async () => {
    const { orgId, user } = await orgWithUser();
    const wrong = await attemptSignIn({ email: user.email, password: "nope", ip: nextIp() });
    const unknown = await attemptSignIn({ email: "nobody-" + user.email, password: "nope", ip: nextIp() });
    expect(wrong).toEqual({ ok: false, code: "invalid" });
    expect(unknown).toEqual(wrong);
    const failed = await eventsOf(orgId, "LOGIN_FAILED");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ reason: "invalid password", status: "failed", metadata: { attempts: 1 } });
  });

  it("takes similar time for an unknown account as for a known one (argon2 runs either way)", async () => {
    const { user } = await orgWithUser();
    const time = async (email: string) => {
      const t = performance.now();
      await attemptSignIn({ email, password: "wrong password", ip: nextIp() });
      return performance.now() - t;
    };
    await time("warmup@example.com");
    const known = Math.min(await time(user.email), await time(user.email));
    const unknown = Math.min(await time("ghost@example.com"), await time("ghost@example.com"));
    expect(unknown).toBeGreaterThan(known * 0.3);
  });

  it(`locks the account after ${MAX_FAILED_ATTEMPTS} failures, refusing even the right password, and unlocks after the lock`, async () => {
    const { orgId, user } = await orgWithUser();
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      expect((await attemptSignIn({ email: user.email, password: "wrong", ip: nextIp() })).ok).toBe(false);
    }
    const locked = await attemptSignIn({ email: user.email, password: PASSWORD, ip: nextIp() });
    expect(locked).toEqual({ ok: false, code: "invalid" });
    const failed = await eventsOf(orgId, "LOGIN_FAILED");
    expect(failed.map((e) => e.metadata.attempts)).toEqual([1, 2, 3, 4, 5, 5]);
    expect(failed.at(-1)).toMatchObject({ reason: "locked" });
    expect(failed[4].metadata.locked_until).toBeTruthy();
    // The lock runs out: the right password works again and the count starts over.
    await pool().query("update users set locked_until = now() - interval '1 second' where id = $1", [user.id]);
    expect((await attemptSignIn({ email: user.email, password: PASSWORD, ip: nextIp() })).ok).toBe(true);
    const { rows } = await pool().query("select failed_attempts, locked_until from users where id = $1", [user.id]);
    expect(rows[0]).toEqual({ failed_attempts: 0, locked_until: null });
  });

  it("refuses an address or range on the org's blocklist with the generic answer, and records why", async () => {
    const { orgId, user } = await orgWithUser();
    await withTransaction((c) => addBlocklistEntry(c, orgId, { value: "203.0.113.0/24", reason: "brute force" }));
    const refused = await attemptSignIn({ email: user.email, password: PASSWORD, ip: "203.0.113.77" });
    expect(refused).toEqual({ ok: false, code: "invalid" });
    const [event] = await eventsOf(orgId, "LOGIN_FAILED");
    expect(event).toMatchObject({ reason: "blocked IP", ip: "203.0.113.77", metadata: { blocklist_entry: "203.0.113.0/24" } });
    // Another address is fine; an expired entry no longer applies.
    expect((await attemptSignIn({ email: user.email, password: PASSWORD, ip: nextIp() })).ok).toBe(true);
    await withTransaction((c) => addBlocklistEntry(c, orgId, { value: "203.0.113.0/24", expiresAt: new Date(Date.now() - 1000) }));
    expect((await attemptSignIn({ email: user.email, password: PASSWORD, ip: "203.0.113.77" })).ok).toBe(true);
  });

  it("refuses a blocked actor and IPv6 ranges", async () => {
    const { orgId, user } = await orgWithUser();
    await withTransaction((c) => addBlocklistEntry(c, orgId, { value: user.email.toUpperCase() }));
    expect(await attemptSignIn({ email: user.email, password: PASSWORD, ip: nextIp() })).toEqual({ ok: false, code: "invalid" });
    expect((await eventsOf(orgId, "LOGIN_FAILED"))[0]).toMatchObject({ reason: "blocked actor" });
    const other = await orgWithUser();
    await withTransaction((c) => addBlocklistEntry(c, other.orgId, { value: "2001:db8:abcd::/48" }));
    expect((await attemptSignIn({ email: other.user.email, password: PASSWORD, ip: "2001:db8:abcd::42" })).ok).toBe(false);
    expect((await attemptSignIn({ email: other.user.email, password: PASSWORD, ip: "2001:db8:abce::42" })).ok).toBe(true);
  });

  it("asks for the second factor, refuses a bad or replayed code, accepts a good one once", async () => {
    const { orgId, user } = await orgWithUser();
    const secret = newTotpSecret();
    await pool().query("update users set mfa_secret = $2, mfa_enabled_at = now() where id = $1", [user.id, sealSecret(secret)]);
    const ip = nextIp();
    expect(await attemptSignIn({ email: user.email, password: PASSWORD, ip })).toEqual({ ok: false, code: "mfa_required" });
    expect(await attemptSignIn({ email: user.email, password: PASSWORD, code: "000000", ip })).toEqual({ ok: false, code: "mfa_invalid" });
    const code = await generate({ secret });
    expect((await attemptSignIn({ email: user.email, password: PASSWORD, code, ip })).ok).toBe(true);
    expect(await attemptSignIn({ email: user.email, password: PASSWORD, code, ip })).toEqual({ ok: false, code: "mfa_invalid" });
    const failed = await eventsOf(orgId, "LOGIN_FAILED");
    expect(failed.map((e) => e.reason)).toEqual(["bad MFA code", "bad MFA code"]);
    const [success] = await eventsOf(orgId, "LOGIN_SUCCESS");
    expect(success.metadata).toMatchObject({ method: "password+totp", mfa: true });
  });

  it("rate-limits sign-in attempts per client address", async () => {
    const { user } = await orgWithUser();
    const ip = nextIp();
    const outcomes = [];
    for (let i = 0; i < 32; i++) outcomes.push(await attemptSignIn({ email: `nobody${i}@example.com`, password: "x", ip }));
    expect(outcomes.at(-1)).toMatchObject({ ok: false, code: "rate_limited" });
    // Another address is unaffected.
    expect((await attemptSignIn({ email: user.email, password: PASSWORD, ip: nextIp() })).ok).toBe(true);
  });

  it("records a sign-in, a failure and LOGOUT only in the org the person signs into (finding 1)", async () => {
    // Y's owner is also a member of X (say X's admin attached them): X must learn nothing of their Y sign-ins.
    const y = await orgWithUser("owner");
    const x = await orgWithUser("admin");
    await addUser(x.orgId, "auditor", y.user.email);
    expect(await attemptSignIn({ email: y.user.email, password: PASSWORD, ip: nextIp(), userAgent: UA, orgHint: y.orgId })).toMatchObject({ ok: true, orgId: y.orgId });
    expect(await attemptSignIn({ email: y.user.email, password: "wrong", ip: nextIp(), orgHint: y.orgId })).toEqual({ ok: false, code: "invalid" });
    await recordSignOut(y.user.id, { ip: "192.0.2.9", userAgent: UA, orgId: y.orgId });
    expect(await eventsOf(y.orgId, "LOGIN_SUCCESS")).toHaveLength(1);
    expect(await eventsOf(y.orgId, "LOGIN_FAILED")).toHaveLength(1);
    expect(await eventsOf(y.orgId, "LOGOUT")).toMatchObject([{ actor_email: y.user.email, ip: "192.0.2.9" }]);
    const seenByX = (await eventsOf(x.orgId)).filter((e) => e.actor_email === y.user.email);
    expect(seenByX).toEqual([]);
    // Without a hint, the first org the person joined opens.
    expect(await attemptSignIn({ email: y.user.email, password: PASSWORD, ip: nextIp() })).toMatchObject({ ok: true, orgId: y.orgId });
  });

  it("an org's block keeps the person out of that org only (finding 1)", async () => {
    const y = await orgWithUser("owner");
    const x = await orgWithUser("admin");
    await addUser(x.orgId, "auditor", y.user.email);
    await pool().query("insert into blocklist_entries (id, org_id, kind, value, reason) values (gen_random_uuid(), $1, 'actor', $2, 'hostile')", [x.orgId, y.user.email]);
    // Asked for X: X blocks them, so the sign-in opens Y, and X records nothing.
    expect(await attemptSignIn({ email: y.user.email, password: PASSWORD, ip: nextIp(), orgHint: x.orgId })).toMatchObject({ ok: true, orgId: y.orgId });
    expect((await eventsOf(x.orgId)).filter((e) => e.actor_email === y.user.email)).toEqual([]);
    const { rows } = await pool().query("select locked_until, failed_attempts from users where id = $1", [y.user.id]);
    expect(rows[0]).toEqual({ locked_until: null, failed_attempts: 0 });
    // Blocked in every org they belong to: refused, recorded where they meant to go.
    await pool().query("insert into blocklist_entries (id, org_id, kind, value, reason) values (gen_random_uuid(), $1, 'actor', $2, 'x')", [y.orgId, y.user.email]);
    expect(await attemptSignIn({ email: y.user.email, password: PASSWORD, ip: nextIp(), orgHint: y.orgId })).toEqual({ ok: false, code: "invalid" });
    expect((await eventsOf(y.orgId, "LOGIN_FAILED")).at(-1)).toMatchObject({ reason: "blocked actor" });
  });

  it("checks at most the limit's passwords when 25 wrong ones arrive at once (finding 9)", async () => {
    const { orgId, user } = await orgWithUser("manager");
    const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => attemptSignIn({ email: user.email, password: `wrong-${i}`, ip: nextIp() })));
    expect(outcomes.every((o) => !o.ok)).toBe(true);
    const failed = await eventsOf(orgId, "LOGIN_FAILED");
    expect(failed).toHaveLength(25);
    expect(failed.filter((e) => e.reason === "invalid password")).toHaveLength(MAX_FAILED_ATTEMPTS);
    // Locked: even the right password is refused now.
    expect(await attemptSignIn({ email: user.email, password: PASSWORD, ip: nextIp() })).toEqual({ ok: false, code: "invalid" });
  });

  it("keys the sign-in rate limit by IPv4 address and by IPv6 /64 (finding 9)", () => {
    expect(rateLimitKey("2001:db8:1:2:aaaa::1")).toBe(rateLimitKey("2001:db8:1:2:ffff:ffff:ffff:ffff"));
    expect(rateLimitKey("2001:db8:1:2::1")).not.toBe(rateLimitKey("2001:db8:1:3::1"));
    expect(rateLimitKey("127.0.0.1")).not.toBe(rateLimitKey("127.0.0.2"));
  });
});
