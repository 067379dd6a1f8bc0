import { describe, expect, it } from "vitest";
import { GET as getAlerts } from "@/app/api/v1/alerts/route";
import { pool } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { runScheduledJob } from "@/server/jobs";
import { listAlerts } from "@/lib/alerts/store";
import { saveRuleSetting } from "@/tests/helpers/alert-rules";
import { call, newOrg } from "@/tests/helpers/fixtures";

const MIN = 60_000;

/** An org whose business hours never end, so the off-hours rule stays out of other rules' tests. */
async function quietOrg() {
  const created = await newOrg();
  await pool().query(`update organizations set business_hours = '{"days":[1,2,3,4,5,6,7],"start":"00:00","end":"24:00"}' where id = $1`, [created.org.id]);
  return created;
}
const ago = (minutes: number) => new Date(Date.now() - minutes * MIN).toISOString();

async function ingest(orgId: string, items: Record<string, unknown>[]): Promise<string[]> {
  const results = await ingestEvents(orgId, items);
  for (const r of results) expect(r.status, JSON.stringify(r.errors)).toBe("created");
  return results.map((r) => r.id!);
}

async function detect(orgId: string) {
  const outcome = await runScheduledJob("alerts", { orgIds: [orgId] });
  expect(outcome.status).toBe("succeeded");
  return listAlerts(orgId);
}

const failedLogin = (ip: string, email: string, minutesAgo: number) => ({
  action: "LOGIN_FAILED", status: "failed", actor: { type: "user", email }, context: { ip }, reason: "Invalid password", occurred_at: ago(minutesAgo),
});

describe("brute force", () => {
  it("raises one alert per IP for 5 failures in 10 minutes, grows it, and ignores a slower near miss", async () => {
    const { org, apiKey } = await quietOrg();
    const burst = await ingest(org.id, [0, 1, 2, 3, 4].map((i) => failedLogin("203.0.113.9", `user${i}@company.com`, 30 - i)));
    // Near miss: 5 failures from another address, but spread over 40 minutes.
    await ingest(org.id, [0, 1, 2, 3, 4].map((i) => failedLogin("198.51.100.4", `other${i}@company.com`, 60 - i * 10)));
    let alerts = await detect(org.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: "brute_force", severity: "warning", status: "open", subject: { ip: "203.0.113.9" }, count: 5 });
    expect([...alerts[0]!.event_ids].sort()).toEqual([...burst].sort());

    // The same pattern continuing grows the alert instead of adding another.
    const more = await ingest(org.id, [failedLogin("203.0.113.9", "user9@company.com", 25), failedLogin("203.0.113.9", "user8@company.com", 24)]);
    alerts = await detect(org.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ count: 7 });
    expect(alerts[0]!.event_ids).toEqual(expect.arrayContaining(more));
    // Nothing new: nothing changes.
    expect(await detect(org.id)).toEqual(alerts);

    const res = await call(getAlerts, { key: apiKey.key, path: "/api/v1/alerts?status=open" });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json.data[0]).sort()).toEqual(["count", "event_ids", "first_seen", "id", "last_seen", "rule", "severity", "status", "subject"]);
    expect(res.json.data[0]).toMatchObject({ rule: "brute_force", subject: { ip: "203.0.113.9" }, count: 7 });
    expect((await call(getAlerts, { key: apiKey.key, path: "/api/v1/alerts?status=resolved" })).json.data).toEqual([]);
    expect((await call(getAlerts, { key: apiKey.key, path: "/api/v1/alerts?status=bogus" })).status).toBe(400);
  });

  it("raises an alert per account, and counts late-arriving back-dated events", async () => {
    const { org } = await quietOrg();
    await ingest(org.id, [failedLogin("192.0.2.1", "ceo@company.com", 0.5)]);
    expect(await detect(org.id)).toEqual([]);
    // Four more failures against the same account, dated two days back, arrive after the run.
    await ingest(org.id, [1, 2, 3, 4].map((i) => failedLogin(`192.0.2.${10 + i}`, "cfo@company.com", 2 * 24 * 60 - i)));
    expect(await detect(org.id)).toEqual([]);
    await ingest(org.id, [failedLogin("192.0.2.99", "cfo@company.com", 2 * 24 * 60 - 5)]);
    const alerts = await detect(org.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: "brute_force", subject: { actor: "cfo@company.com" }, count: 5 });
  });

  it("counts a CIDR together when configured, and a disabled rule raises nothing", async () => {
    const { org } = await quietOrg();
    await saveRuleSetting(org.id, "brute_force", true, { ipv4_prefix: 24, threshold: 3 });
    await ingest(org.id, [1, 2, 3].map((i) => failedLogin(`198.18.7.${i}`, `x${i}@company.com`, 5 - i)));
    expect((await detect(org.id)).map((a) => a.subject)).toEqual([{ ip: "198.18.7.0/24" }]);
    const other = await quietOrg();
    await saveRuleSetting(other.org.id, "brute_force", false, {});
    await ingest(other.org.id, [1, 2, 3, 4, 5].map((i) => failedLogin("198.18.8.1", `y${i}@company.com`, 5 - i)));
    expect(await detect(other.org.id)).toEqual([]);
  });
});

describe("large export", () => {
  const exported = (records: number, email = "ana@company.com", minutesAgo = 1) => ({
    action: "DATA_EXPORTED", actor: { type: "user", email }, metadata: { type: "contacts csv", records }, occurred_at: ago(minutesAgo),
  });

  it("alerts above the threshold and far above the org's usual, not on an ordinary export", async () => {
    const { org } = await quietOrg();
    await ingest(org.id, [100, 120, 90, 110, 100, 95].map((n, i) => exported(n, "ana@company.com", 60 - i)));
    await ingest(org.id, [exported(400, "bob@company.com", 10)]);
    expect(await detect(org.id)).toEqual([]);
    await ingest(org.id, [exported(5000, "bob@company.com", 5), exported(25_000, "eve@company.com", 4)]);
    const alerts = await detect(org.id);
    expect(alerts.map((a) => [a.rule, a.subject.actor]).sort()).toEqual([["large_export", "bob@company.com"], ["large_export", "eve@company.com"]]);
  });
});

describe("outside business hours", () => {
  it("uses the org's time zone and business hours, with per-user exceptions", async () => {
    const { org } = await newOrg();
    await pool().query("update organizations set timezone = 'America/Sao_Paulo' where id = $1", [org.id]);
    await saveRuleSetting(org.id, "off_hours", true, { exceptions: ["oncall@company.com"] });
    const signIn = (email: string, at: string) => ({ action: "LOGIN_SUCCESS", actor: { type: "user", email }, occurred_at: at });
    await ingest(org.id, [
      signIn("day@company.com", "2026-11-03T13:00:00Z"), // Tuesday 10:00 in São Paulo
      signIn("late@company.com", "2026-11-03T23:30:00Z"), // Tuesday 20:30 there (still 23:30 UTC Tuesday)
      signIn("weekend@company.com", "2026-11-07T14:00:00Z"), // Saturday
      signIn("early@company.com", "2026-11-04T10:30:00Z"), // Wednesday 07:30 there, 10:30 UTC
      signIn("oncall@company.com", "2026-11-07T03:00:00Z"),
      { action: "CONTACT_VIEWED", actor: { type: "user", email: "reader@company.com" }, occurred_at: "2026-11-07T14:00:00Z" },
    ]);
    const alerts = await detect(org.id);
    expect(alerts.map((a) => a.subject.actor).sort()).toEqual(["early@company.com", "late@company.com", "weekend@company.com"]);
    expect(alerts.every((a) => a.rule === "off_hours" && a.severity === "info")).toBe(true);
  });
});

describe("privilege escalation", () => {
  it("alerts on a grant of admin or owner and on any self-grant, not on a demotion", async () => {
    const { org } = await quietOrg();
    const change = (actor: string, user: string, previous: string, next: string) => ({
      action: "PERMISSIONS_CHANGED", actor: { type: "user", email: actor }, targets: [{ type: "user", id: user, name: user }],
      changes: [{ field: "role", before: previous, after: next }], metadata: { user, new_role: next, previous_role: previous },
    });
    await ingest(org.id, [
      change("owner@company.com", "agent@company.com", "manager", "agent"),
      change("owner@company.com", "new@company.com", "viewer", "manager"),
    ]);
    expect(await detect(org.id)).toEqual([]);
    await ingest(org.id, [
      change("owner@company.com", "intern@company.com", "agent", "admin"),
      change("mallory@company.com", "mallory@company.com", "agent", "manager"),
    ]);
    const alerts = await detect(org.id);
    expect(alerts.map((a) => [a.subject.actor, a.severity]).sort()).toEqual([["mallory@company.com", "critical"], ["owner@company.com", "critical"]]);
    expect(alerts.find((a) => a.subject.actor === "mallory@company.com")!.title).toMatch(/their own permissions/);
  });
});

describe("mass deletion", () => {
  it("alerts on 20 deletions by one actor in 10 minutes, not on 19", async () => {
    const { org } = await quietOrg();
    const del = (email: string, i: number) => ({
      action: "CONTACT_DELETED", actor: { type: "user", email }, targets: [{ type: "contact", id: `c${i}` }], occurred_at: ago(20 - i * 0.2),
    });
    await ingest(org.id, Array.from({ length: 19 }, (_, i) => del("careful@company.com", i)));
    expect(await detect(org.id)).toEqual([]);
    await ingest(org.id, Array.from({ length: 20 }, (_, i) => del("wiper@company.com", i)));
    const alerts = await detect(org.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ rule: "mass_deletion", severity: "critical", subject: { actor: "wiper@company.com" }, count: 20 });
  });
});
