import { beforeAll, describe, expect, it } from "vitest";
import { sessionCookie, testApp, type TestApp } from "@/tests/helpers/http-app";
import { pool } from "@/lib/db/pool";
import { createApiKey } from "@/lib/auth/api-keys";
import { eventsOf, orgWithUser } from "@/tests/integration/console-fixtures";

/**
 * /api/v1 takes a console session as well as an API key (DESIGN.md): the person's role
 * decides, reads are recorded by the org's policy as in the console, and a request another
 * site started is refused (the cookie would go along with a link).
 */

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 240_000);

async function call(url: string, headers: Record<string, string>) {
  const answer = await app.fetch(url, { headers });
  return { status: answer.status, body: answer.text };
}

const recordReads = (orgId: string) => pool().query("update organizations set record_reads = true where id = $1", [orgId]);

describe("GET /api/v1 with a console session", () => {
  it("answers a member whose role reads events, and records the search and the view when the org records reads", async () => {
    const { orgId, user } = await orgWithUser("director");
    await recordReads(orgId);
    const headers = { cookie: await sessionCookie(user), "sec-fetch-site": "same-origin" };
    const page = await call("/api/v1/events?action=EVENTS_SEARCHED", headers);
    expect(page.status).toBe(200);
    const searched = await eventsOf(orgId, "EVENTS_SEARCHED");
    expect(searched).toHaveLength(1);
    expect(searched[0]).toMatchObject({ actor_email: user.email, source: "console" });
    const id = (JSON.parse((await call("/api/v1/events?action=EVENTS_SEARCHED", headers)).body) as { data: { id: string }[] }).data[0]!.id;
    expect((await call(`/api/v1/events/${id}`, headers)).status).toBe(200);
    expect(await eventsOf(orgId, "EVENT_VIEWED")).toHaveLength(1);
  });

  it("an API key's reads are not a person's: nothing is recorded", async () => {
    const { orgId } = await orgWithUser("director");
    await recordReads(orgId);
    const { key } = await createApiKey(orgId, { name: "reader", scopes: ["events:read"], createdBy: { label: "test" } });
    expect((await call("/api/v1/events", { authorization: `Bearer ${key}` })).status).toBe(200);
    expect(await eventsOf(orgId, "EVENTS_SEARCHED")).toEqual([]);
  });

  it("a role without events:export can't export through the API either; one with it can, recorded in the person's name", async () => {
    const director = await orgWithUser("director");
    const refused = await call("/api/v1/exports?format=ndjson&reason=audit", { cookie: await sessionCookie(director.user) });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "forbidden", message: "your role lacks the 'events:export' permission" } });
    const auditor = await orgWithUser("auditor");
    const ok = await call("/api/v1/exports?format=ndjson&reason=audit", { cookie: await sessionCookie(auditor.user), "sec-fetch-site": "none" });
    expect(ok.status).toBe(200);
    expect(await eventsOf(auditor.orgId, "DATA_EXPORTED")).toEqual([expect.objectContaining({ actor_email: auditor.user.email, reason: "audit", source: "console" })]);
  });

  it.each(["cross-site", "same-site"])("Sec-Fetch-Site: %s is refused for a session (403) and records nothing", async (site) => {
    const { orgId, user } = await orgWithUser("admin");
    const answer = await call("/api/v1/exports?format=ndjson&reason=audit", { cookie: await sessionCookie(user), "sec-fetch-site": site });
    expect(answer.status).toBe(403);
    expect(await eventsOf(orgId, "DATA_EXPORTED")).toEqual([]);
  });

  it("a bad key is refused even with a session cookie beside it, and no credentials at all is 401", async () => {
    const { user } = await orgWithUser("admin");
    const cookie = await sessionCookie(user);
    expect((await call("/api/v1/events", { cookie, authorization: "Bearer vgl_not_a_real_key_at_all_000000" })).status).toBe(401);
    const none = await call("/api/v1/events", {});
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ error: { code: "unauthorized" } });
  });
});
