import { beforeAll, describe, expect, it } from "vitest";
import { sessionCookie, testApp, type TestApp } from "@/tests/helpers/http-app";
import { pool } from "@/lib/db/pool";
import { resolveMembership } from "@/lib/auth/membership";
import { getOrgSettings, updateOrgSettings } from "@/lib/console/org-settings";
import { recordEventViewed, recordEventsSearched, type Reader } from "@/lib/audit/reads";
import { recordEvent } from "@/lib/events/ingest";
import { eventWithChain } from "@/lib/events/event-detail";
import { searchEvents } from "@/lib/events/search";
import { parseSearchQuery, queryToFilter } from "@/lib/events/search-params";
import { searchFormState } from "@/lib/console/search-page";
import { eventsOf, orgWithUser, type TestUser } from "@/tests/integration/console-fixtures";

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 240_000);

/** The reader a console request builds: the membership read fresh, and the person as actor. */
async function readerOf(user: TestUser, orgId: string): Promise<Reader> {
  const m = await resolveMembership(user.id, orgId);
  if (!m) throw new Error("not a member");
  return { org: m.org, actor: { type: "user" as const, id: user.id, email: user.email, name: user.name, ip: "192.0.2.44", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36" } };
}

async function setRecordReads(orgId: string, user: TestUser, on: boolean): Promise<void> {
  const before = await getOrgSettings(orgId);
  await updateOrgSettings(orgId, { audit: { type: "user" as const, id: user.id, email: user.email, name: user.name }, mfaEnabled: false }, { ...before, recordReads: on });
}

async function aStoredEvent(orgId: string) {
  const appended = await recordEvent(orgId, {
    action: "CONTACT_UPDATED", actor: { type: "user", email: "agent@company.com" },
    targets: [{ type: "contact", id: "12345", name: "John Silva" }],
    changes: [{ field: "plan", before: "Free", after: "Premium" }],
  }, "api");
  return (await eventWithChain(orgId, appended.id))!;
}

describe("the record-reads policy", () => {
  it("is off by default: opening an event and searching leave no event", async () => {
    const { orgId, user } = await orgWithUser("manager");
    const event = await aStoredEvent(orgId);
    const reader = await readerOf(user, orgId);
    expect(reader.org.recordReads).toBe(false);
    expect(await recordEventViewed(reader, event)).toBe(false);
    const filter = queryToFilter(parseSearchQuery(new URLSearchParams("period=24h")));
    const page = await searchEvents(orgId, filter, { limit: 50 });
    expect(await recordEventsSearched(reader, { filter, params: "period=24h", results: page.data.length, more: false })).toBe(false);
    const { rows } = await pool().query("select action from audit_events where org_id = $1 order by seq", [orgId]);
    expect(rows.map((r) => r.action)).toEqual(["CONTACT_UPDATED"]);
  });

  it("when an admin turns it on (audited), views and searches are recorded with who, what and from where; off again, they stop", async () => {
    const { orgId, user: admin } = await orgWithUser("admin");
    await setRecordReads(orgId, admin, true);
    // The change itself is a SETTINGS_CHANGED with before and after.
    const [changed] = await eventsOf(orgId, "SETTINGS_CHANGED");
    expect(changed.metadata).toMatchObject({ section: "organization", action: "updated", details: "record_reads" });
    expect(changed.changes).toEqual([{ field: "record_reads", before: false, after: true }]);
    expect((await getOrgSettings(orgId)).recordReads).toBe(true);

    const event = await aStoredEvent(orgId);
    const reader = await readerOf(admin, orgId);
    expect(reader.org.recordReads).toBe(true);
    expect(await recordEventViewed(reader, event)).toBe(true);
    const [viewed] = await eventsOf(orgId, "EVENT_VIEWED");
    expect(viewed).toMatchObject({
      category: "data", status: "success", source: "console", actor_email: admin.email, ip: "192.0.2.44",
      targets: [{ type: "audit_event", id: event.id, name: "CONTACT_UPDATED" }],
      metadata: { event_action: "CONTACT_UPDATED", event_seq: event.seq },
    });

    // A search as the page runs it: the URL's filter, the first page's count.
    const state = searchFormState({ actor: "agent@company.com", period: "24h" }, "UTC");
    const page = await searchEvents(orgId, state.filter!, { limit: 50 });
    expect(page.data).toHaveLength(1);
    await recordEventsSearched(reader, { filter: state.filter!, params: state.baseParams, results: page.data.length, more: page.next_cursor !== null });
    const [searched] = await eventsOf(orgId, "EVENTS_SEARCHED");
    expect(searched).toMatchObject({
      category: "data", source: "console", actor_email: admin.email,
      targets: [{ type: "audit_log", id: orgId }],
      metadata: { params: "period=24h&actor=agent%40company.com", results: 1, more: false },
    });
    expect(searched.metadata.filter).toContain("actor:agent@company.com");
    expect(searched.metadata.filter).toMatch(/created:>=\d{4}-/);
    // Reads are events like any other: the search finds them.
    const reads = await searchEvents(orgId, queryToFilter(parseSearchQuery(new URLSearchParams("action=EVENT_VIEWED,EVENTS_SEARCHED"))), { limit: 50 });
    expect(reads.data.map((e) => e.action).sort()).toEqual(["EVENTS_SEARCHED", "EVENT_VIEWED"]);

    await setRecordReads(orgId, admin, false);
    const off = await readerOf(admin, orgId);
    expect(await recordEventViewed(off, event)).toBe(false);
    expect(await recordEventsSearched(off, { filter: state.filter!, params: state.baseParams, results: 1, more: false })).toBe(false);
    expect(await eventsOf(orgId, "EVENT_VIEWED")).toHaveLength(1);
    expect(await eventsOf(orgId, "EVENTS_SEARCHED")).toHaveLength(1);
    expect(await eventsOf(orgId, "SETTINGS_CHANGED")).toHaveLength(2);
  });

  it("is one org's policy: reading in another org of the same person follows that org's", async () => {
    const a = await orgWithUser("admin");
    const b = await orgWithUser("admin");
    await setRecordReads(a.orgId, a.user, true);
    const eventB = await aStoredEvent(b.orgId);
    expect(await recordEventViewed(await readerOf(b.user, b.orgId), eventB)).toBe(false);
    expect(await eventsOf(b.orgId, "EVENT_VIEWED")).toHaveLength(0);
    expect(await eventsOf(a.orgId, "EVENT_VIEWED")).toHaveLength(0);
  });

  it("keeps a very long hand-written search within the ingest limits", async () => {
    const { orgId, user } = await orgWithUser("admin");
    await setRecordReads(orgId, user, true);
    const long = "x".repeat(20_000);
    const filter = queryToFilter(parseSearchQuery(new URLSearchParams({ text: long.slice(0, 200) })));
    await recordEventsSearched(await readerOf(user, orgId), { filter, params: `text=${long}`, results: 0, more: false });
    const [searched] = await eventsOf(orgId, "EVENTS_SEARCHED");
    expect(searched.metadata.params.length).toBeLessThanOrEqual(2000);
  });

  it("records a read whatever the headers: a Next-Action or prefetch header still records EVENT_VIEWED and EVENTS_SEARCHED", async () => {
    const { orgId, user } = await orgWithUser("admin");
    await setRecordReads(orgId, user, true);
    const event = await aStoredEvent(orgId);
    const cookie = `${await sessionCookie(user)}; vigil-org=${orgId}`;
    const bypasses: Record<string, string>[] = [{ "next-action": "x" }, { "next-router-prefetch": "1" }];
    for (const bypass of bypasses) {
      const headers = { cookie, ...bypass };
      const viewed = await app.fetch(`/events/${event.id}`, { headers });
      expect(viewed.status).toBe(200);
      expect(viewed.text).toContain(event.id);
      const searched = await app.fetch("/events?period=24h", { headers });
      expect(searched.status).toBe(200);
    }
    expect(await eventsOf(orgId, "EVENT_VIEWED")).toHaveLength(2);
    expect(await eventsOf(orgId, "EVENTS_SEARCHED")).toHaveLength(2);
  });
});
