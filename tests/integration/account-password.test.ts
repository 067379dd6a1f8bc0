import { beforeAll, describe, expect, it } from "vitest";
import { sessionCookie, testApp, type TestApp } from "@/tests/helpers/http-app";
import { VigilError } from "@/lib/errors";
import { changeOwnPassword } from "@/lib/console/account-password";
import { startUserSession } from "@/lib/auth/user-sessions";
import { attemptSignIn, MAX_FAILED_ATTEMPTS } from "@/lib/auth/sign-in";
import { PASSWORD, eventsOf, nextIp, orgWithUser, type TestUser } from "@/tests/integration/console-fixtures";

/** Changing your own password (issue 10, findings 1 and 7): it ends every other session at once. */

const NEW = "a brand new passphrase 42";
const codeOf = (e: unknown) => (e instanceof VigilError ? `${e.code}:${Object.keys(e.fieldErrors ?? {}).join(",")}` : String(e));
const refusedWith = (p: Promise<unknown>, code: string) => expect(p).rejects.toSatisfy((e: unknown) => codeOf(e) === code);

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 240_000);

/** Whether this session still opens the API keys page (or is sent to sign in). */
async function opensApiKeys(user: TestUser, sid: string, orgId: string): Promise<boolean> {
  const cookie = `${await sessionCookie(user, sid)}; vigil-org=${orgId}`;
  const page = await app.fetch("/settings/api-keys", { headers: { cookie, "x-forwarded-for": "192.0.2.61" } });
  if (page.status === 307 && page.location?.includes("/sign-in")) return false;
  if (page.status !== 200 || !page.text.includes("API keys")) throw new Error(`/settings/api-keys answered ${page.status} ${page.location ?? ""}`);
  return true;
}

describe("changing your own password", () => {
  it("needs the current password and the policy, records PASSWORD_CHANGED, and ends the person's other sessions but not this one", async () => {
    const { orgId, user } = await orgWithUser("admin");
    const actor = { type: "user" as const, id: user.id, email: user.email, name: user.name, ip: "192.0.2.80" };
    const mine = await startUserSession(user.id, { ip: "192.0.2.80", userAgent: "vigil-tests" });
    const other = await startUserSession(user.id, { ip: "198.51.100.7", userAgent: "someone else" });

    await refusedWith(changeOwnPassword(actor, mine, { currentPassword: "not the password", newPassword: NEW }), "invalid_request:currentPassword");
    await refusedWith(changeOwnPassword(actor, mine, { currentPassword: PASSWORD, newPassword: "short" }), "invalid_request:newPassword");
    await refusedWith(changeOwnPassword(actor, mine, { currentPassword: PASSWORD, newPassword: PASSWORD }), "invalid_request:newPassword");
    expect(await eventsOf(orgId, "PASSWORD_CHANGED")).toHaveLength(0);
    expect(await opensApiKeys(user, other, orgId)).toBe(true);

    expect(await changeOwnPassword(actor, mine, { currentPassword: PASSWORD, newPassword: NEW })).toEqual({ otherSessionsEnded: 1 });
    const [changed] = await eventsOf(orgId, "PASSWORD_CHANGED");
    expect(changed).toMatchObject({ actor_email: user.email, source: "console" });
    expect(JSON.stringify(changed)).not.toContain(NEW);

    expect(await opensApiKeys(user, other, orgId)).toBe(false);
    expect(await opensApiKeys(user, mine, orgId)).toBe(true);
    expect((await attemptSignIn({ email: user.email, password: PASSWORD, ip: nextIp() })).ok).toBe(false);
    expect((await attemptSignIn({ email: user.email, password: NEW, ip: nextIp() })).ok).toBe(true);
  });

  it("limits guesses of the current password: locked after the limit, the right one refused while locked", async () => {
    const { user } = await orgWithUser("manager");
    const actor = { type: "user" as const, id: user.id, email: user.email, name: user.name, ip: "192.0.2.81" };
    const mine = await startUserSession(user.id, { ip: "192.0.2.81", userAgent: "vigil-tests" });
    const guesses = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => changeOwnPassword(actor, mine, { currentPassword: `guess number ${i}`, newPassword: NEW })));
    const answers = guesses.map((g) => (g.status === "rejected" ? codeOf(g.reason) : "accepted"));
    expect(answers.filter((a) => a === "invalid_request:currentPassword").length).toBeLessThanOrEqual(MAX_FAILED_ATTEMPTS);
    await refusedWith(changeOwnPassword(actor, mine, { currentPassword: PASSWORD, newPassword: NEW }), "rate_limited:currentPassword");
  });
});
