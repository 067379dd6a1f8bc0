// Sets up Next's request scope: must stay the first import (tests/helpers/next-request.ts).
import { inNextRequest, navigation, sessionCookie } from "@/tests/helpers/next-request";
import { describe, expect, it } from "vitest";
import { blockAlertSubject, changeAlertStatus } from "@/app/(console)/alerts/actions";
import { orgWithUser } from "@/tests/integration/console-fixtures";

/**
 * consoleFormAction (the alert page's plain form posts): a crafted post with a bad field, or
 * from a role without the permission, comes back to the page with ?error= naming what is
 * wrong; it never throws to the client.
 */

async function post(action: (form: FormData) => Promise<void>, cookie: string, fields: Record<string, string>): Promise<string | undefined> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const scope = await inNextRequest({ path: "/alerts", headers: { cookie } }, () => action(form));
  return navigation(scope.error)?.redirect;
}

describe("the alert page's form posts", () => {
  it("a bad alert id or status goes back with the field's message", async () => {
    const { user } = await orgWithUser("manager");
    const cookie = await sessionCookie(user);
    expect(await post(changeAlertStatus, cookie, { alertId: "not-a-uuid", status: "acknowledged" })).toBe(`/alerts?error=${encodeURIComponent("That alert doesn't exist.")}`);
    const id = crypto.randomUUID();
    expect(await post(changeAlertStatus, cookie, { alertId: id, status: "bogus" })).toBe(`/alerts?error=${encodeURIComponent("Choose a status.")}`);
    // Well formed, but no such alert in this org: the domain's refusal, on the alert's page.
    expect(await post(blockAlertSubject, cookie, { alertId: id, what: "ip" })).toBe(`/alerts/${id}?error=${encodeURIComponent("alert not found")}`);
  });

  it("a role without alerts:manage is told so, and a signed-out post goes to sign-in", async () => {
    const { user } = await orgWithUser("director");
    const refused = await post(changeAlertStatus, await sessionCookie(user), { alertId: crypto.randomUUID(), status: "acknowledged" });
    expect(refused).toBe(`/alerts?error=${encodeURIComponent("Your role doesn't allow you to act on alerts.")}`);
    expect(await post(changeAlertStatus, "", { alertId: crypto.randomUUID(), status: "acknowledged" })).toMatch(/^\/sign-in/);
  });
});
