import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { extractText, getDocumentProxy } from "unpdf";
import { GET as report } from "@/app/api/v1/reports/security/route";
import { GET as cronReports } from "@/app/api/cron/reports/route";
import { resetEnvCache } from "@/lib/env";
import { addBlocklistEntry, blockedAmong } from "@/lib/auth/blocklist";
import { pool, withTransaction } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { dayIn } from "@/lib/reports/format";
import { readBuckets, refreshRollups, scanBuckets } from "@/lib/reports/rollups";
import { reviewEvent } from "@/lib/reports/reviews";
import { seedDemo } from "@/lib/seed/demo";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { DAY, at, knownOrg, otherOrgNoise } from "@/tests/integration/reports-fixtures";

describe("GET /api/v1/reports/security", () => {
  it("computes every figure of a known trail, and only the org's own", async () => {
    const a = await knownOrg();
    const other = await otherOrgNoise(a.now);
    // The attacker is blocked in this org; another org's block of the second IP is not ours.
    await withTransaction((c) => addBlocklistEntry(c, a.org.id, { value: "192.0.2.100", reason: "brute force" }));
    await withTransaction((c) => addBlocklistEntry(c, other.org.id, { value: "198.51.100.0/24" }));
    await withTransaction((c) => addBlocklistEntry(c, a.org.id, { value: `root@${a.domain}`, kind: "actor" }));
    const res = await call(report, { key: a.apiKey.key, path: "/api/v1/reports/security?period=30d" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    const r = res.json;
    expect(r.report).toBe("security");
    expect(r.org).toMatchObject({ id: a.org.id, slug: a.org.slug, timezone: "UTC" });
    expect(r.period.preset).toBe("30d");
    expect(r.period.days).toHaveLength(31);
    expect(r.generated_by).toEqual({ type: "api_key", id: a.apiKey.id, name: "Default key" });

    // Failed logins: 11 in the period (2 more are 40 days old).
    const f = r.failed_logins;
    expect(f.total).toBe(11);
    expect(f.distinct_ips).toBe(2);
    expect(f.distinct_accounts).toBe(4);
    expect(f.without_ip).toBe(1);
    expect(f.top_ips.map((x: any) => [x.ip, x.count, x.accounts])).toEqual([["192.0.2.100", 7, 2], ["198.51.100.7", 3, 1]]);
    expect(f.top_ips.map((x: any) => x.blocked)).toEqual([true, false]);
    expect(f.top_accounts.map((x: any) => [x.account, x.count, x.blocked])).toEqual([
      [`admin@${a.domain}`, 5, false], [`manager1@${a.domain}`, 3, false], [`root@${a.domain}`, 2, true], [`agent1@${a.domain}`, 1, false],
    ]);
    const byDay = Object.fromEntries(f.by_day.filter((d: any) => d.count > 0).map((d: any) => [d.day, d.count]));
    const expectedByDay: Record<string, number> = {};
    for (const e of a.events) {
      if (e.action === "LOGIN_FAILED" && Date.parse(e.occurred_at) > a.now - 30 * DAY) {
        const day = dayIn(new Date(e.occurred_at), "UTC");
        expectedByDay[day] = (expectedByDay[day] ?? 0) + 1;
      }
    }
    expect(byDay).toEqual(expectedByDay);
    expect(f.by_day.reduce((n: number, d: any) => n + d.count, 0)).toBe(11);

    // Exports: 6 (REPORT_DOWNLOADED is not an export; the 40-day-old one is outside).
    const x = r.exports;
    expect(x.count).toBe(6);
    expect(x.records).toEqual({ total: 7200, average: 1440, max: 3000, counted: 5 });
    const exporters = Object.fromEntries(x.by_exporter.map((e: any) => [e.actor.split("@")[0], [e.role, e.count, e.records_average, e.records_max, e.authorized]]));
    expect(exporters).toEqual({
      manager1: ["manager", 2, 2000, 3000, true],
      manager2: ["manager", 2, 1350, 2000, true],
      agent1: ["agent", 1, 500, 500, false],
      admin1: ["admin", 1, null, null, true],
    });
    expect(x.by_role).toEqual([
      { role: "Manager", exporters: 2, count: 4, records_total: 6700, records_average: 1675 },
      { role: "Administrator", exporters: 1, count: 1, records_total: 0, records_average: null },
      { role: "Agent", exporters: 1, count: 1, records_total: 500, records_average: 500 },
    ]);
    expect(x.unauthorized).toBe(1);

    // Settings: 3 changes by 2 administrators, none reviewed yet.
    const s = r.settings_changes;
    expect(s.count).toBe(3);
    expect(s.administrators).toBe(2);
    expect(s.by_administrator.map((b: any) => [b.actor, b.count])).toEqual([[`admin1@${a.domain}`, 2], [`admin2@${a.domain}`, 1]]);
    expect(s.review).toMatchObject({ state: "pending", label: "3 of 3 not reviewed", unreviewed: 3 });
    expect(s.changes.map((c: any) => c.summary)).toEqual(["Security: MFA required", "Retention: Hot retention 120 days", `agent1@${a.domain}: agent → manager`]);

    // Activity: 28 events in the period, by category.
    expect(r.activity.total).toBe(28);
    expect(r.activity.by_category).toEqual({ authentication: 15, data: 3, settings: 3, integration: 0, export: 7 });
    expect(r.chain.head.seq).toBe(a.events.length);

    // The download itself is on the record.
    const { rows } = await pool().query("select action, actor_id, metadata from audit_events where org_id = $1 and action = 'REPORT_DOWNLOADED' and actor_type = 'api'", [a.org.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].actor_id).toBe(a.apiKey.id);
    expect(rows[0].metadata).toMatchObject({ report: "security", period: "30d", format: "JSON", size_bytes: Buffer.byteLength(res.text) });
  });

  it("renders the same figures in a PDF and records the download", async () => {
    const a = await knownOrg();
    await withTransaction((c) => addBlocklistEntry(c, a.org.id, { value: "192.0.2.0/24" }));
    const json = (await call(report, { key: a.apiKey.key, path: "/api/v1/reports/security" })).json;
    const res = await fetchPdf(a.apiKey.key, "/api/v1/reports/security?period=30d&format=pdf");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`attachment; filename="vigil-security-report-${a.org.slug}-\\d{4}-\\d{2}-\\d{2}\\.pdf"`));
    expect(res.bytes.subarray(0, 5).toString()).toBe("%PDF-");
    const pdf = await getDocumentProxy(new Uint8Array(res.bytes));
    expect(pdf.numPages).toBeGreaterThanOrEqual(3);
    const { text } = await extractText(pdf, { mergePages: true });
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toContain("Security report");
    expect(flat).toContain(a.org.name);
    expect(flat).toContain("11 failed logins from 2 IP addresses");
    expect(flat).toContain("Same IP (192.0.2.100): 7 attempts - IP blocked.");
    expect(flat).toContain("6 data exports averaging 1,440 records (largest 3,000)");
    expect(flat).toContain("3 settings changes by 2 administrators. 3 of 3 not reviewed.");
    expect(flat).toContain("NOT authorized");
    expect(flat).toContain(`agent1@${a.domain}: agent -> manager`);
    expect(flat).toMatch(/Page 1 of \d/);
    expect(flat).toMatch(/Verification OK: 3\d events re-verified since the last verification/);
    // The PDF signs the head it was computed against; the checkpoint and the head are printed.
    // The head at the PDF: the known events and the JSON download before it.
    const checkpoint = await pool().query("select hash from checkpoints where org_id = $1 and seq = $2", [a.org.id, json.chain.head.seq + 1]);
    expect(checkpoint.rows).toHaveLength(1);
    expect(flat).toContain(checkpoint.rows[0].hash);
    const { rows } = await pool().query("select metadata from audit_events where org_id = $1 and action = 'REPORT_DOWNLOADED' and actor_type = 'api' order by seq", [a.org.id]);
    expect(rows.map((r) => r.metadata.format)).toEqual(["JSON", "PDF"]);
    expect(rows[1].metadata).toMatchObject({ report: "security", period: "30d", size_bytes: res.bytes.byteLength });
  });

  it("requires the reports:read scope and validates the period", async () => {
    const readOnly = await newOrg(["events:read"]);
    const forbidden = await call(report, { key: readOnly.apiKey.key, path: "/api/v1/reports/security" });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.message).toMatch(/reports:read/);
    expect((await call(report, { path: "/api/v1/reports/security" })).status).toBe(401);
    const reports = await newOrg(["reports:read"]);
    const ok = await call(report, { key: reports.apiKey.key, path: "/api/v1/reports/security?period=7d" });
    expect(ok.status).toBe(200);
    expect(ok.json.failed_logins.total).toBe(0);
    expect(ok.json.settings_changes.review.label).toBe("No settings changes");
    const bad = [
      "period=90d", "format=docx", "period=7d&from=2026-01-01T00:00:00Z", "to=2026-01-01T00:00:00Z",
      "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "colour=red",
    ];
    for (const q of bad) {
      const res = await call(report, { key: reports.apiKey.key, path: `/api/v1/reports/security?${q}` });
      expect(res.status, q).toBe(400);
    }
  });

  it("covers an explicit from/to and reads partial hours at both ends", async () => {
    const a = await knownOrg();
    const from = new Date(a.now - 6 * DAY - 45 * 60_000).toISOString();
    const to = new Date(a.now - 1 * DAY - 45 * 60_000).toISOString();
    const res = await call(report, { key: a.apiKey.key, path: `/api/v1/reports/security?from=${from}&to=${to}` });
    expect(res.status).toBe(200);
    // In range: failed logins 2, 3 and 5 days ago (10); the one a day ago is after `to`.
    expect(res.json.failed_logins.total).toBe(10);
    // Exports 4 and 6 days ago.
    expect(res.json.exports.count).toBe(2);
    expect(res.json.period).toMatchObject({ preset: null, from, to });
  });
});

async function fetchPdf(key: string, path: string) {
  const req = new Request(`http://localhost${path}`, { headers: { authorization: `Bearer ${key}` } });
  const res = await report(req, { params: Promise.resolve({}) });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe("rollups", () => {
  it("equal a scan of the raw events, before and after a refresh, with events arriving in between", async () => {
    const a = await knownOrg();
    const from = new Date(a.now - 45 * DAY);
    const to = new Date(a.now + 60_000);
    const scan = await scanBuckets(pool(), a.org.id, from, to);
    expect(scan.reduce((n, b) => n + b.events, 0)).toBe(a.events.length);
    expect(await readBuckets(pool(), a.org.id, from, to)).toEqual(scan);

    const refreshed = await refreshRollups(a.org.id, { step: 7 });
    expect(refreshed).toEqual({ rolledSeq: a.events.length, added: a.events.length });
    const { rows } = await pool().query("select count(*)::int as n from event_hourly_rollups where org_id = $1", [a.org.id]);
    expect(rows[0].n).toBeGreaterThan(0);
    expect(await readBuckets(pool(), a.org.id, from, to)).toEqual(scan);

    // New events, some in hours the rollups already hold: the tail is read raw until the next refresh.
    await ingestEvents(a.org.id, [
      { action: "LOGIN_FAILED", occurred_at: at(2, a.now), context: { ip: "192.0.2.100" } },
      { action: "DATA_EXPORTED", occurred_at: at(4, a.now), metadata: { records: 4000 } },
    ]);
    const scan2 = await scanBuckets(pool(), a.org.id, from, to);
    expect(await readBuckets(pool(), a.org.id, from, to)).toEqual(scan2);
    await refreshRollups(a.org.id);
    expect(await readBuckets(pool(), a.org.id, from, to)).toEqual(scan2);
    // Ranges that cut hours anywhere.
    for (const [f, t] of [[a.now - 6.3 * DAY, a.now - 1.7 * DAY], [a.now - 2 * DAY - 50 * 60_000, a.now - 2 * DAY - 10 * 60_000]] as const) {
      expect(await readBuckets(pool(), a.org.id, new Date(f), new Date(t))).toEqual(await scanBuckets(pool(), a.org.id, new Date(f), new Date(t)));
    }
    const res = await call(report, { key: a.apiKey.key, path: "/api/v1/reports/security" });
    expect(res.json.failed_logins.total).toBe(12);
    expect(res.json.exports.records).toEqual({ total: 11200, average: 1866.67, max: 4000, counted: 6 });
  });
});

describe("GET /api/cron/reports", () => {
  // Its work (refreshAllRollups, makeMonthlyReports) touches every org of the shared test
  // database, so the tests call those per org; here, only the door.
  it("answers 401 without the cron secret", async () => {
    process.env.CRON_SECRET = "reports-cron-secret-0123456789";
    resetEnvCache();
    expect((await call(cronReports, { path: "/api/cron/reports" })).status).toBe(401);
    expect((await call(cronReports, { path: "/api/cron/reports", headers: { authorization: "Bearer wrong-secret-0123456789" } })).status).toBe(401);
    expect((await call(cronReports, { path: "/api/cron/reports", headers: { authorization: "Bearer " } })).status).toBe(401);
  });
});

describe("reviews of settings changes", () => {
  it("say 'Reviewed: all compliant' only when every change has a compliant review", async () => {
    const a = await knownOrg();
    const { rows: changes } = await pool().query<{ id: string; actor_email: string }>(
      "select id, actor_email from audit_events where org_id = $1 and category = 'settings' order by seq", [a.org.id],
    );
    expect(changes).toHaveLength(3);
    const labelNow = async () => (await call(report, { key: a.apiKey.key, path: "/api/v1/reports/security" })).json.settings_changes.review;

    // Nobody reviews their own change; agents may not review at all.
    await expect(reviewEvent(a.org.id, { eventId: changes[0]!.id, reviewerUserId: a.ids.admin1!, compliant: true })).rejects.toMatchObject({ code: "forbidden" });
    await expect(reviewEvent(a.org.id, { eventId: changes[0]!.id, reviewerUserId: a.ids.agent1!, compliant: true })).rejects.toMatchObject({ code: "forbidden" });
    // Another org's event is not found.
    const other = await otherOrgNoise(a.now);
    const { rows: foreign } = await pool().query("select id from audit_events where org_id = $1 and category = 'settings'", [other.org.id]);
    await expect(reviewEvent(a.org.id, { eventId: foreign[0].id, reviewerUserId: a.ids.auditor1!, compliant: true })).rejects.toMatchObject({ code: "not_found" });

    await reviewEvent(a.org.id, { eventId: changes[0]!.id, reviewerUserId: a.ids.admin2!, compliant: true, note: "Approved in ticket SEC-12" });
    await reviewEvent(a.org.id, { eventId: changes[1]!.id, reviewerUserId: a.ids.auditor1!, compliant: false, note: "No approval found" });
    expect(await labelNow()).toMatchObject({ state: "non_compliant", label: "Reviewed: 1 not compliant", unreviewed: 1 });
    await reviewEvent(a.org.id, { eventId: changes[2]!.id, reviewerUserId: a.ids.auditor1!, compliant: true });
    expect((await labelNow()).state).toBe("non_compliant");
    // A later review replaces the earlier one.
    await reviewEvent(a.org.id, { eventId: changes[1]!.id, reviewerUserId: a.ids.auditor1!, compliant: true, note: "Approval found in CAB minutes" });
    const final = await call(report, { key: a.apiKey.key, path: "/api/v1/reports/security" });
    expect(final.json.settings_changes.review).toEqual({ state: "all_compliant", label: "Reviewed: all compliant", reviewed: 3, compliant: 3, non_compliant: 0, unreviewed: 0 });
    expect(final.json.settings_changes.changes[1].review).toMatchObject({ compliant: true, note: "Approval found in CAB minutes", reviewer: `auditor1@${a.domain}` });
    // Each review is on the record, and is not itself a settings change.
    const { rows } = await pool().query("select count(*)::int as n from audit_events where org_id = $1 and action = 'EVENT_REVIEWED' and category = 'data'", [a.org.id]);
    expect(rows[0].n).toBe(4);
    expect(final.json.settings_changes.count).toBe(3);
  });
});

describe("blocklist", () => {
  it("marks IPs, CIDR ranges and accounts in force as blocked, in this org only", async () => {
    const { org } = await newOrg();
    const other = await newOrg();
    await withTransaction(async (c) => {
      await addBlocklistEntry(c, org.id, { value: "192.0.2.100" });
      await addBlocklistEntry(c, org.id, { value: "198.51.100.0/24" });
      await addBlocklistEntry(c, org.id, { value: "Root@x.example", kind: "actor" });
      await addBlocklistEntry(c, org.id, { value: "203.0.113.5", expiresAt: new Date(Date.now() - 3600_000) });
      await addBlocklistEntry(c, other.org.id, { value: "203.0.113.7" });
    });
    const ips = ["192.0.2.100", "198.51.100.7", "203.0.113.5", "203.0.113.7", "2001:db8::1"];
    const b = await blockedAmong(org.id, { ips, actors: ["root@x.example", "admin@x.example"] });
    expect(ips.filter((ip) => b.ips.has(ip))).toEqual(["192.0.2.100", "198.51.100.7"]);
    expect([...b.actors]).toEqual(["root@x.example"]);
  });
});

describe("the demo organization", () => {
  it("shows the brief's figures for the last 30 days", async () => {
    const slug = `demo-r-${crypto.randomBytes(4).toString("hex")}`;
    const demo = await seedDemo({ slug, password: "demo-password-1", events: 3000 });
    // The brute-force response the brief tells of: the attacker's IP is blocked.
    await withTransaction((c) => addBlocklistEntry(c, demo.org.id, { value: "192.0.2.100", reason: "brute force" }));
    const res = await call(report, { key: demo.apiKey, path: "/api/v1/reports/security?period=30d" });
    expect(res.status).toBe(200);
    const r = res.json;
    expect(r.org.timezone).toBe("America/Sao_Paulo");
    expect(r.failed_logins.total).toBe(45);
    expect(r.failed_logins.top_ips[0]).toMatchObject({ ip: "192.0.2.100", count: 30, blocked: true });
    expect(r.exports.count).toBe(12);
    expect(r.exports.records.average).toBe(2500);
    expect(r.exports.by_role).toEqual([{ role: "Manager", exporters: 2, count: 12, records_total: 30000, records_average: 2500 }]);
    expect(r.exports.by_exporter.every((e: any) => e.role === "manager" && e.authorized)).toBe(true);
    expect(r.settings_changes.count).toBe(8);
    expect(r.settings_changes.administrators).toBe(2);
    expect(r.settings_changes.by_administrator.map((b: any) => b.actor).sort()).toEqual(["admin@company.com", "carla@company.com"]);
    expect(r.failed_logins.by_day.reduce((n: number, d: any) => n + d.count, 0)).toBe(45);

    const pdf = await fetchPdf(demo.apiKey, "/api/v1/reports/security?period=30d&format=pdf");
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf.bytes)), { mergePages: true });
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toContain("45 failed logins from");
    expect(flat).toContain("Same IP (192.0.2.100): 30 attempts - IP blocked.");
    expect(flat).toContain("12 data exports averaging 2,500 records");
    expect(flat).toContain("8 settings changes by 2 administrators.");
  }, 120_000);
});
