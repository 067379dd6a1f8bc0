import { beforeAll, describe, expect, it } from "vitest";
import { formData, sessionCookie, testApp, type TestApp } from "@/tests/helpers/http-app";
import { orgWithUser } from "@/tests/integration/console-fixtures";

/**
 * consoleFormAction (the alert page's plain form posts): a crafted post with a bad field, or
 * from a role without the permission, comes back to the page with ?error= naming what is
 * wrong; it never throws to the client.
 */

const FILE = "app/(console)/alerts/actions.ts";
let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 240_000);

async function post(action: string, cookie: string, fields: Record<string, string>): Promise<string | undefined> {
  const answer = await app.action(FILE, action, [formData(fields)], { cookie });
  return answer.location;
}

describe("the alert page's form posts", () => {
  it("a bad alert id or status goes back with the field's message", async () => {
    const { user } = await orgWithUser("manager");
    const cookie = await sessionCookie(user);
    expect(await post("changeAlertStatus", cookie, { alertId: "not-a-uuid", status: "acknowledged" })).toBe(`/alerts?error=${encodeURIComponent("That alert doesn't exist.")}`);
    const id = crypto.randomUUID();
    expect(await post("changeAlertStatus", cookie, { alertId: id, status: "bogus" })).toBe(`/alerts?error=${encodeURIComponent("Choose a status.")}`);
    // Well formed, but no such alert in this org: the domain's refusal, on the alert's page.
    expect(await post("blockAlertSubject", cookie, { alertId: id, what: "ip" })).toBe(`/alerts/${id}?error=${encodeURIComponent("alert not found")}`);
  });

  it("a role without alerts:manage is told so, and a signed-out post goes to sign-in", async () => {
    const { user } = await orgWithUser("director");
    const refused = await post("changeAlertStatus", await sessionCookie(user), { alertId: crypto.randomUUID(), status: "acknowledged" });
    expect(refused).toBe(`/alerts?error=${encodeURIComponent("Your role doesn't allow you to act on alerts.")}`);
    expect(await post("changeAlertStatus", "", { alertId: crypto.randomUUID(), status: "acknowledged" })).toMatch(/^\/sign-in/);
    expect(app.unexpectedErrors()).toEqual([]);
  });
});
