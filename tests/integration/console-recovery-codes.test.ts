import { describe, expect, it } from "vitest";
import { generate } from "otplib";
import { pool } from "@/lib/db/pool";
import { attemptSignIn } from "@/lib/auth/sign-in";
import { VigilError } from "@/lib/errors";
import { confirmMfaEnrollment, mfaStatus, regenerateRecoveryCodes, startMfaEnrollment } from "@/lib/console/account-mfa";
import { PASSWORD, addUser, eventsOf, nextIp, orgWithUser } from "@/tests/integration/console-fixtures";

/** A code of the next 30-second step: the enrollment's own code can't be used twice. */
const nextStepCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });

const refused = (p: Promise<unknown>) => expect(p).rejects.toSatisfy((e: unknown) => e instanceof VigilError && e.code === "invalid_request");

describe("regenerating recovery codes", () => {
  it("takes a current app code, replaces every old code, shows new ones once, and records it in each org", async () => {
    const a = await orgWithUser("manager");
    const b = await orgWithUser("admin");
    await addUser(b.orgId, "auditor", a.user.email);
    const audit = { type: "user" as const, id: a.user.id, email: a.user.email, name: a.user.name, ip: "192.0.2.9" };
    const started = await startMfaEnrollment({ id: a.user.id, email: a.user.email });
    const { recoveryCodes: old } = await confirmMfaEnrollment(audit, await generate({ secret: started.secret }));
    // One old code used before the change: neither used nor unused old codes survive it.
    expect((await attemptSignIn({ email: a.user.email, password: PASSWORD, code: old[0], ip: nextIp() })).ok).toBe(true);
    expect((await mfaStatus(a.user.id)).recoveryCodesLeft).toBe(9);

    // A wrong code, a replayed code and a recovery code don't do it.
    await refused(regenerateRecoveryCodes(audit, "000000"));
    await refused(regenerateRecoveryCodes(audit, old[1]!));
    const code = await nextStepCode(started.secret);
    const { recoveryCodes: fresh } = await regenerateRecoveryCodes(audit, code);
    await refused(regenerateRecoveryCodes(audit, code));
    expect(fresh).toHaveLength(10);
    expect(new Set(fresh).size).toBe(10);
    expect(fresh.some((c) => old.includes(c))).toBe(false);
    expect((await mfaStatus(a.user.id)).recoveryCodesLeft).toBe(10);
    // Only hashes are stored.
    const stored = await pool().query<{ code_hash: string }>("select code_hash from mfa_recovery_codes where user_id = $1", [a.user.id]);
    expect(stored.rows).toHaveLength(10);
    expect(stored.rows.some((r) => fresh.includes(r.code_hash) || r.code_hash.includes(fresh[0]!.replace("-", "")))).toBe(false);

    // Old codes are refused at sign-in; a new one is accepted, once.
    const ip = nextIp();
    expect(await attemptSignIn({ email: a.user.email, password: PASSWORD, code: old[2], ip })).toEqual({ ok: false, code: "mfa_invalid" });
    expect((await attemptSignIn({ email: a.user.email, password: PASSWORD, code: fresh[0], ip })).ok).toBe(true);
    expect(await attemptSignIn({ email: a.user.email, password: PASSWORD, code: fresh[0], ip })).toEqual({ ok: false, code: "mfa_invalid" });

    // Recorded once per change in every org of the person, never with a code in it.
    for (const orgId of [a.orgId, b.orgId]) {
      const events = await eventsOf(orgId, "MFA_RECOVERY_CODES_REGENERATED");
      expect(events).toMatchObject([{
        category: "authentication", status: "success", source: "console", actor_email: a.user.email, ip: "192.0.2.9",
        targets: [{ type: "user", id: a.user.id }],
        metadata: { method: "totp", confirmed_with: "totp", codes_issued: 10, unused_codes_replaced: 9 },
      }]);
      const text = JSON.stringify(events);
      for (const c of [...old, ...fresh]) expect(text).not.toContain(c);
    }
  });

  it("is refused without MFA, and a refused attempt changes nothing and records nothing", async () => {
    const { orgId, user } = await orgWithUser("admin");
    const audit = { type: "user" as const, id: user.id, email: user.email, name: user.name };
    await refused(regenerateRecoveryCodes(audit, "123456"));
    const started = await startMfaEnrollment(user);
    const { recoveryCodes } = await confirmMfaEnrollment(audit, await generate({ secret: started.secret }));
    await refused(regenerateRecoveryCodes(audit, "000000"));
    expect(await eventsOf(orgId, "MFA_RECOVERY_CODES_REGENERATED")).toHaveLength(0);
    expect((await attemptSignIn({ email: user.email, password: PASSWORD, code: recoveryCodes[0], ip: nextIp() })).ok).toBe(true);
  });
});
