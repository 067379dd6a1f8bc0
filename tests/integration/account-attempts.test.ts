import { describe, expect, it } from "vitest";
import { generate } from "otplib";
import { VigilError } from "@/lib/errors";
import { confirmMfaEnrollment, disableMfa, mfaStatus, regenerateRecoveryCodes, startMfaEnrollment } from "@/lib/console/account-mfa";
import { MAX_FAILED_ATTEMPTS } from "@/lib/auth/sign-in";
import { eventsOf, orgWithUser, type TestUser } from "@/tests/integration/console-fixtures";

/** Issue 10, finding 8: account actions that check a TOTP code are limited and locked like sign-in. */

const nextStepCode = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
const codeOf = (e: unknown) => (e instanceof VigilError ? e.code : String(e));

async function withMfa(user: TestUser) {
  const audit = { type: "user" as const, id: user.id, email: user.email, name: user.name, ip: "192.0.2.70" };
  const started = await startMfaEnrollment({ id: user.id, email: user.email });
  await confirmMfaEnrollment(audit, await generate({ secret: started.secret }));
  return { audit, secret: started.secret };
}

/** 200 wrong six-digit codes at once, as the attack sent them; answers each refusal's code. */
async function wrongCodes(send: (code: string) => Promise<unknown>): Promise<string[]> {
  const codes = Array.from({ length: 200 }, (_, i) => String(100000 + i * 7));
  const results = await Promise.allSettled(codes.map((c) => send(c)));
  return results.map((r) => (r.status === "rejected" ? codeOf(r.reason) : "accepted"));
}

describe("the attempt limit on codes in account actions", () => {
  it(`regenerating recovery codes: 200 wrong codes are refused, at most ${MAX_FAILED_ATTEMPTS} checked, then the right code is refused while locked`, async () => {
    const { orgId, user } = await orgWithUser("manager");
    const { audit, secret } = await withMfa(user);
    const answers = await wrongCodes((c) => regenerateRecoveryCodes(audit, c));
    expect(answers).not.toContain("accepted");
    expect(answers.filter((a) => a === "invalid_request").length).toBeLessThanOrEqual(MAX_FAILED_ATTEMPTS);
    expect(answers.filter((a) => a === "rate_limited").length).toBeGreaterThanOrEqual(200 - MAX_FAILED_ATTEMPTS);
    await expect(regenerateRecoveryCodes(audit, await nextStepCode(secret))).rejects.toSatisfy((e: unknown) => codeOf(e) === "rate_limited");
    expect(await eventsOf(orgId, "MFA_RECOVERY_CODES_REGENERATED")).toHaveLength(0);
  });

  it("disabling MFA shares the limit: once locked by wrong codes elsewhere, the right code doesn't turn MFA off", async () => {
    const { orgId, user } = await orgWithUser("manager");
    const { audit, secret } = await withMfa(user);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      await expect(regenerateRecoveryCodes(audit, "000000")).rejects.toSatisfy((e: unknown) => codeOf(e) === "invalid_request");
    }
    await expect(disableMfa(audit, await nextStepCode(secret))).rejects.toSatisfy((e: unknown) => codeOf(e) === "rate_limited");
    const answers = await wrongCodes((c) => disableMfa(audit, c));
    expect(answers.every((a) => a === "rate_limited")).toBe(true);
    expect((await mfaStatus(user.id)).enabled).toBe(true);
    expect(await eventsOf(orgId, "MFA_DISABLED")).toHaveLength(0);
  });

  it("a right code before the limit clears the count", async () => {
    const { user } = await orgWithUser("manager");
    const { audit, secret } = await withMfa(user);
    for (let i = 0; i < MAX_FAILED_ATTEMPTS - 1; i++) await expect(regenerateRecoveryCodes(audit, "000000")).rejects.toBeInstanceOf(VigilError);
    await regenerateRecoveryCodes(audit, await nextStepCode(secret));
    await expect(regenerateRecoveryCodes(audit, "000000")).rejects.toSatisfy((e: unknown) => codeOf(e) === "invalid_request");
  });
});
