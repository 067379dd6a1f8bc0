import crypto from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { sessionCookie, testApp, type TestApp } from "@/tests/helpers/http-app";
import { eventsOf, orgWithUser } from "@/tests/integration/console-fixtures";

/**
 * docs/security.md, finding 10: a link or image on another site sends the victim's cookie; the
 * console routes that record something in the person's name must not answer it.
 */

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 240_000);

async function get(url: string, headers: Record<string, string>) {
  const answer = await app.fetch(url, { headers });
  return { status: answer.status, text: answer.headers.get("content-type")?.includes("pdf") ? "(pdf)" : answer.text };
}

describe("console downloads refuse requests another site started", () => {
  it.each(["cross-site", "same-site"])("Sec-Fetch-Site: %s gets 403 from report downloads, kept reports and exports, and records nothing", async (site) => {
    const { orgId, user } = await orgWithUser("admin");
    const headers = { cookie: await sessionCookie(user), "sec-fetch-site": site };
    const runId = crypto.randomUUID();
    const answers = [
      await get("/reports/download/security?period=30d", headers),
      await get("/reports/download/compliance?period=30d", headers),
      await get(`/reports/runs/${runId}`, headers),
      await get("/events/export?format=csv&reason=audit", headers),
    ];
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403]);
    expect(await eventsOf(orgId, "REPORT_DOWNLOADED")).toEqual([]);
    expect(await eventsOf(orgId, "DATA_EXPORTED")).toEqual([]);
  });

  it("a download the person starts on the site (same-origin) or by hand (none) is answered and recorded", async () => {
    const { orgId, user } = await orgWithUser("admin");
    const cookie = await sessionCookie(user);
    const same = await get("/reports/download/security?period=30d", { cookie, "sec-fetch-site": "same-origin" });
    expect(same).toEqual({ status: 200, text: "(pdf)" });
    const typed = await get("/reports/download/compliance?period=30d", { cookie, "sec-fetch-site": "none" });
    expect(typed.status).toBe(200);
    expect(await eventsOf(orgId, "REPORT_DOWNLOADED")).toHaveLength(2);
  }, 60_000);
});
