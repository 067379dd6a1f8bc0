import { describe, expect, it } from "vitest";
import { generate } from "otplib";
import { pool } from "@/lib/db/pool";
import { attemptSignIn } from "@/lib/auth/sign-in";
import { confirmMfaEnrollment, disableMfa, mfaStatus, startMfaEnrollment } from "@/lib/console/account-mfa";
import { VigilError } from "@/lib/errors";
import { PASSWORD, addUser, eventsOf, nextIp, orgWithUser } from "@/tests/integration/console-fixtures";

describe("TOTP enrollment", () => {
  it("enrolls with a QR code and a code, issues recovery codes, and records MFA_ENABLED in every org", async () => {
    const a = await orgWithUser("manager");
    const b = await orgWithUser("admin");
    await addUser(b.orgId, "director", a.user.email);
    const audit = { type: "user" as const, id: a.user.id, email: a.user.email, name: a.user.name, ip: "192.0.2.5" };
    const started = await startMfaEnrollment({ id: a.user.id, email: a.user.email });
    expect(started.qrSvg).toContain("<svg");
    // The seed is stored sealed, never in clear.
    const stored = await pool().query("select mfa_secret from users where id = $1", [a.user.id]);
    expect(stored.rows[0].mfa_secret).not.toContain(started.secret);
    await expect(confirmMfaEnrollment(audit, "000000")).rejects.toBeInstanceOf(VigilError);
    const { recoveryCodes } = await confirmMfaEnrollment(audit, await generate({ secret: started.secret }));
    expect(recoveryCodes).toHaveLength(10);
    expect((await mfaStatus(a.user.id)).enabled).toBe(true);
    for (const orgId of [a.orgId, b.orgId]) {
      expect(await eventsOf(orgId, "MFA_ENABLED")).toMatchObject([{ category: "authentication", actor_email: a.user.email, ip: "192.0.2.5" }]);
    }
    // Sign-in now needs the second factor; a recovery code works once.
    const ip = nextIp();
    expect(await attemptSignIn({ email: a.user.email, password: PASSWORD, ip })).toEqual({ ok: false, code: "mfa_required" });
    expect((await attemptSignIn({ email: a.user.email, password: PASSWORD, code: recoveryCodes[0], ip })).ok).toBe(true);
    expect(await attemptSignIn({ email: a.user.email, password: PASSWORD, code: recoveryCodes[0], ip })).toEqual({ ok: false, code: "mfa_invalid" });
    // Turning it off takes a working code and is recorded.
    await expect(disableMfa(audit, "000000")).rejects.toBeInstanceOf(VigilError);
    await disableMfa(audit, recoveryCodes[1]!);
    expect((await mfaStatus(a.user.id)).enabled).toBe(false);
    expect(await eventsOf(b.orgId, "MFA_DISABLED")).toHaveLength(1);
    expect((await attemptSignIn({ email: a.user.email, password: PASSWORD, ip: nextIp() })).ok).toBe(true);
  });

  it("refuses turning MFA off while an org requires it", async () => {
    const { orgId, user } = await orgWithUser("admin");
    const audit = { type: "user" as const, id: user.id, email: user.email, name: user.name };
    const started = await startMfaEnrollment(user);
    await confirmMfaEnrollment(audit, await generate({ secret: started.secret }));
    await pool().query("update organizations set require_mfa = true where id = $1", [orgId]);
    await expect(disableMfa(audit, await generate({ secret: started.secret }))).rejects.toThrow(/required by/);
  });
});
