import { describe, expect, it } from "vitest";
import { GET as getBlocklist } from "@/app/api/v1/blocklist/route";
import { pool } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { findBlock } from "@/lib/auth/blocklist";
import { runScheduledJob } from "@/server/jobs";
import { listAlerts } from "@/lib/alerts/store";
import { saveRuleSetting } from "@/tests/helpers/alert-rules";
import { blockFromAlert, openIncident, setAlertStatus, updateIncident } from "@/lib/alerts/actions";
import { addAlertChannel, listDeliveries } from "@/lib/alerts/channels";
import { verifyWebhookSignature } from "@/lib/alerts/notify";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { smtpReceiverForFile, webhookServer } from "@/tests/integration/alerts-receivers";
import { person } from "../helpers/actors";

const MIN = 60_000;
const failedLogin = (i: number, ip = "203.0.113.77") => ({
  action: "LOGIN_FAILED", status: "failed", actor: { type: "user", email: `victim${i}@company.com` }, context: { ip },
  occurred_at: new Date(Date.now() - (10 - i) * MIN).toISOString(),
});

async function quietOrg() {
  const created = await newOrg();
  await pool().query(`update organizations set business_hours = '{"days":[1,2,3,4,5,6,7],"start":"00:00","end":"24:00"}' where id = $1`, [created.org.id]);
  return created;
}

async function actionsOf(orgId: string): Promise<Array<{ action: string; source: string; status: string }>> {
  const { rows } = await pool().query("select action, source, status from audit_events where org_id = $1 and source <> 'api' order by seq", [orgId]);
  return rows;
}

const receiver = smtpReceiverForFile();

describe("notifications", () => {
  it("e-mails the team and posts a signed webhook, retrying with backoff, each delivery recorded and audited", async () => {
    const { org } = await quietOrg();
    const hook = await webhookServer(2);
    try {
      await addAlertChannel(org.id, person("admin@company.com"), { kind: "email", target: "secops@company.com" });
      const webhook = await addAlertChannel(org.id, person("admin@company.com"), { kind: "webhook", target: hook.url });
      // Above the threshold only: an info channel would also get off-hours alerts.
      await ingestEvents(org.id, [1, 2, 3, 4, 5].map((i) => failedLogin(i)));
      await runScheduledJob("alerts", { orgIds: [org.id] });
      const [alert] = await listAlerts(org.id);
      expect(alert).toMatchObject({ rule: "brute_force" });

      const mail = receiver().messages.find((m) => m.includes("secops@company.com"));
      expect(mail).toBeDefined();
      expect(mail).toMatch(/Subject: \[Vigil warning\] 5 failed sign-ins from 203\.0\.113\.77/);

      expect(hook.hits()).toBe(3);
      expect(hook.received).toHaveLength(1);
      const { body, signature } = hook.received[0]!;
      expect(verifyWebhookSignature(webhook.secret!, body, signature)).toBe(true);
      expect(verifyWebhookSignature("whsec_wrong", body, signature)).toBe(false);
      expect(JSON.parse(body)).toMatchObject({ type: "alert", alert: { id: alert!.id, rule: "brute_force", subject: { ip: "203.0.113.77" } } });

      const deliveries = await listDeliveries(org.id, { alertId: alert!.id });
      expect(deliveries.map((d) => [d.kind, d.status, d.attempts]).sort()).toEqual([["email", "delivered", 1], ["webhook", "delivered", 3]]);
      const audited = (await actionsOf(org.id)).filter((e) => e.action === "ALERT_NOTIFICATION_SENT");
      expect(audited).toEqual([{ action: "ALERT_NOTIFICATION_SENT", source: "system", status: "success" }, { action: "ALERT_NOTIFICATION_SENT", source: "system", status: "success" }]);
    } finally {
      await hook.close();
    }
  });

  it("records a webhook that keeps failing as failed after its attempts", async () => {
    const { org } = await quietOrg();
    const hook = await webhookServer(100);
    try {
      await addAlertChannel(org.id, person("admin@company.com"), { kind: "webhook", target: hook.url });
      await ingestEvents(org.id, [1, 2, 3, 4, 5].map((i) => failedLogin(i)));
      await runScheduledJob("alerts", { orgIds: [org.id] });
      const deliveries = await listDeliveries(org.id);
      expect(deliveries).toMatchObject([{ kind: "webhook", status: "failed", attempts: 4, response_code: 503, last_error: "HTTP 5xx" }]);
      expect((await actionsOf(org.id)).some((e) => e.action === "ALERT_NOTIFICATION_SENT" && e.status === "failed")).toBe(true);
    } finally {
      await hook.close();
    }
  });
});

describe("blocking", () => {
  it("blocks an alert's IP by hand and publishes it; automatic blocking when the rule says so", async () => {
    const { org, apiKey } = await quietOrg();
    await ingestEvents(org.id, [1, 2, 3, 4, 5].map((i) => failedLogin(i, "198.51.100.23")));
    await runScheduledJob("alerts", { orgIds: [org.id] });
    const [alert] = await listAlerts(org.id);
    const entry = await blockFromAlert(org.id, alert!.id, "ip", person("secops@company.com"));
    expect(entry).toMatchObject({ kind: "ip", value: "198.51.100.23" });
    const res = await call(getBlocklist, { key: apiKey.key, path: "/api/v1/blocklist" });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([expect.objectContaining({ kind: "ip", value: "198.51.100.23", expires_at: null })]);
    expect(await findBlock([org.id], { ip: "198.51.100.23", actors: [] })).toBeDefined();
    expect((await actionsOf(org.id)).map((e) => e.action)).toContain("BLOCKLIST_ENTRY_CREATED");
    await expect(blockFromAlert(org.id, alert!.id, "actor", person("secops@company.com"))).rejects.toThrow(/no actor/);
    // Another org's alert id is not found.
    const other = await newOrg();
    await expect(blockFromAlert(other.org.id, alert!.id, "ip", person("x@y.z"))).rejects.toThrow(/not found/);

    const auto = await quietOrg();
    await saveRuleSetting(auto.org.id, "brute_force", true, { block_ip: true });
    await ingestEvents(auto.org.id, [1, 2, 3, 4, 5].map((i) => failedLogin(i, "192.0.2.200")));
    await runScheduledJob("alerts", { orgIds: [auto.org.id] });
    const published = await call(getBlocklist, { key: auto.apiKey.key, path: "/api/v1/blocklist" });
    expect(published.json.data.map((e: { value: string }) => e.value)).toEqual(["192.0.2.200"]);
    expect((await actionsOf(auto.org.id)).find((e) => e.action === "BLOCKLIST_ENTRY_CREATED")).toMatchObject({ source: "system" });
  });
});

describe("incidents", () => {
  it("opens an incident from an alert, assigns, documents and closes it, each step on its timeline and in the trail", async () => {
    const { org } = await quietOrg();
    await ingestEvents(org.id, [1, 2, 3, 4, 5].map((i) => failedLogin(i, "198.51.100.99")));
    await runScheduledJob("alerts", { orgIds: [org.id] });
    const [alert] = await listAlerts(org.id);
    const lead = person("lead@company.com");
    const incident = await openIncident(org.id, lead, { alertId: alert!.id, assignee: "analyst@company.com" });
    expect(incident).toMatchObject({ status: "open", assignee: "analyst@company.com", title: alert!.title, alert_id: alert!.id });
    expect((await listAlerts(org.id))[0]!.status).toBe("acknowledged");
    // Opening it again returns the same incident.
    expect((await openIncident(org.id, lead, { alertId: alert!.id })).id).toBe(incident.id);

    await updateIncident(org.id, incident.id, person("analyst@company.com"), { status: "investigating", note: "Addresses belong to a VPS provider." });
    await blockFromAlert(org.id, alert!.id, "ip", person("analyst@company.com"));
    const closed = await updateIncident(org.id, incident.id, lead, { status: "resolved", note: "Blocked; no account was accessed." });
    expect(closed.status).toBe("resolved");
    expect(closed.closed_at).not.toBeNull();
    expect(closed.notes.map((n) => [n.kind, n.author])).toEqual([
      ["status", "lead@company.com"],
      ["status", "analyst@company.com"],
      ["note", "analyst@company.com"],
      ["action", "analyst@company.com"],
      ["status", "lead@company.com"],
      ["note", "lead@company.com"],
    ]);
    expect((await listAlerts(org.id))[0]!.status).toBe("resolved");
    const trail = (await actionsOf(org.id)).map((e) => e.action);
    expect(trail).toEqual(expect.arrayContaining(["INCIDENT_CREATED", "INCIDENT_UPDATED", "BLOCKLIST_ENTRY_CREATED"]));
    expect(trail.filter((a) => a === "INCIDENT_UPDATED")).toHaveLength(2);

    // A resolved alert's pattern coming back opens a new alert rather than reviving the closed one.
    await ingestEvents(org.id, [6, 7, 8, 9, 10].map((i) => ({ ...failedLogin(i, "198.51.100.99"), occurred_at: new Date().toISOString() })));
    await runScheduledJob("alerts", { orgIds: [org.id] });
    expect((await listAlerts(org.id)).map((a) => a.status)).toEqual(["open", "resolved"]);
    const marked = await setAlertStatus(org.id, (await listAlerts(org.id, { status: "open" }))[0]!.id, "false_positive", lead, "pen test");
    expect(marked.status).toBe("false_positive");
  });
});
