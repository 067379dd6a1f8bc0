import { beforeAll, describe, expect, it } from "vitest";
import { formData, sessionCookie, testApp, type TestApp } from "@/tests/helpers/http-app";
import { GET as getBlocklist } from "@/app/api/v1/blocklist/route";
import type { ActionState } from "@/lib/http/action";
import { attemptSignIn } from "@/lib/auth/sign-in";
import { SETTINGS_NAV, visible } from "@/lib/console/navigation";
import { BUILT_IN_ROLES } from "@/lib/auth/permissions";
import { unblockFromConsole } from "@/lib/console/org-settings";
import { pool } from "@/lib/db/pool";
import { ingestEvents } from "@/lib/events/ingest";
import { runScheduledJob } from "@/server/jobs";
import { MASK } from "@/lib/audit/mask";
import { blockFromAlert } from "@/lib/alerts/actions";
import { listAlertChannels, addAlertChannel, listDeliveries } from "@/lib/alerts/channels";
import { verifyWebhookSignature } from "@/lib/alerts/notify";
import { RULE_FIELDS, configKeys } from "@/lib/alerts/rule-form";
import { RULE_NAMES, ruleSettings } from "@/lib/alerts/rules";
import { saveRuleSetting } from "@/tests/helpers/alert-rules";
import { listAlerts, upsertAlert } from "@/lib/alerts/store";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { PASSWORD, addUser, eventsOf, nextIp, orgWithUser, type TestUser } from "@/tests/integration/console-fixtures";
import { smtpReceiverForFile, webhookServer } from "@/tests/integration/alerts-receivers";
import { person } from "../helpers/actors";

const MIN = 60_000;

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
}, 240_000);

const ACTIONS = "app/(console)/settings/alerts/actions.ts";
type AlertAction = "addChannelAction" | "removeChannelAction" | "rotateSecretAction" | "updateChannelAction" | "updateRuleAction";
const headersOf = async (user: TestUser) => ({ cookie: await sessionCookie(user), "x-forwarded-for": "192.0.2.9" });

/** Submits the page's form as the person's browser does: the real session decides who is asking. */
async function submit(user: TestUser, action: AlertAction, fields: Record<string, string | string[]>): Promise<ActionState> {
  const answer = await app.action(ACTIONS, action, [null, formData(fields)], await headersOf(user));
  if (answer.status !== 200) throw new Error(`${action} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
  return answer.result as ActionState;
}

/** Whether Settings → Alert rules shows this person the page or "You don't have access". */
async function rulesPage(user: TestUser): Promise<"shown" | "no access"> {
  const page = await app.fetch("/settings/alerts", { headers: await headersOf(user) });
  if (page.status !== 200) throw new Error(`/settings/alerts answered ${page.status}`);
  return page.text.includes('data-testid="no-access"') ? "no access" : "shown";
}

/** The brute-force form as the page sends it: every field, flags only when ticked. */
const bruteForceForm = (over: Record<string, string> = {}) => ({
  rule: "brute_force", enabled: "on", threshold: "5", window_minutes: "10", ipv4_prefix: "32", critical_count: "50", ...over,
});

async function quiet(orgId: string): Promise<void> {
  await pool().query(`update organizations set business_hours = '{"days":[1,2,3,4,5,6,7],"start":"00:00","end":"24:00"}' where id = $1`, [orgId]);
}

const failedLogin = (ip: string, email: string, minutesAgo: number) => ({
  action: "LOGIN_FAILED", status: "failed", actor: { type: "user", email }, context: { ip }, occurred_at: new Date(Date.now() - minutesAgo * MIN).toISOString(),
});

async function detect(orgId: string) {
  expect((await runScheduledJob("alerts", { orgIds: [orgId] })).status).toBe("succeeded");
  return listAlerts(orgId);
}

const receiver = smtpReceiverForFile();

describe("Settings → Alert rules", () => {
  it("shows every config key of every rule on the form", () => {
    for (const rule of RULE_NAMES) expect(RULE_FIELDS[rule].map((f) => f.key).sort()).toEqual(configKeys(rule).sort());
  });

  it("refuses bad values with an error naming the field, and saves nothing", async () => {
    const { orgId, user } = await orgWithUser("admin");
    expect(await submit(user, "updateRuleAction", bruteForceForm({ threshold: "1" }))).toMatchObject({ ok: false, fieldErrors: { threshold: "must be at least 2" } });
    expect(await submit(user, "updateRuleAction", bruteForceForm({ window_minutes: "ten" }))).toMatchObject({ ok: false, fieldErrors: { window_minutes: "enter a whole number" } });
    expect(await submit(user, "updateRuleAction", bruteForceForm({ window_minutes: "" }))).toMatchObject({ ok: false, fieldErrors: { window_minutes: "enter a whole number" } });
    expect(await submit(user, "updateRuleAction", bruteForceForm({ ipv4_prefix: "33" }))).toMatchObject({ ok: false, fieldErrors: { ipv4_prefix: "must be at most 32" } });
    expect(await submit(user, "updateRuleAction", bruteForceForm({ threshold: "8", critical_count: "6" }))).toMatchObject({ ok: false, fieldErrors: { critical_count: "must be at least the threshold" } });
    expect(await submit(user, "updateRuleAction", { rule: "off_hours", enabled: "on", actions: "LOGIN_SUCCESS, drop table;", exceptions: "" }))
      .toMatchObject({ ok: false, fieldErrors: { actions: expect.stringContaining("must be an action name") } });
    expect(await submit(user, "updateRuleAction", { rule: "not_a_rule", enabled: "on" })).toMatchObject({ ok: false, fieldErrors: { rule: "is not a rule" } });
    const { rows } = await pool().query("select count(*)::int as n from alert_rules where org_id = $1 and config <> '{}'", [orgId]);
    expect(rows[0].n).toBe(0);
    expect(await eventsOf(orgId, "SETTINGS_CHANGED")).toEqual([]);
    expect((await ruleSettings(orgId)).brute_force.config.threshold).toBe(5);
  });

  it("records each change with its before and after in the trail, and the new thresholds change what the detector raises", async () => {
    const { orgId, user } = await orgWithUser("manager");
    await quiet(orgId);
    // Three failures from one address: below the default threshold of 5.
    await ingestEvents(orgId, [3, 2, 1].map((m, i) => failedLogin("198.51.100.61", `a${i}@client.example`, m)));
    expect(await detect(orgId)).toEqual([]);

    const saved = await submit(user, "updateRuleAction", bruteForceForm({ threshold: "3", window_minutes: "5", open_incident: "on" }));
    expect(saved).toEqual({ ok: true, message: "Rule saved." });
    const [event] = await eventsOf(orgId, "SETTINGS_CHANGED");
    expect(event).toMatchObject({ actor_email: user.email, source: "console", category: "settings", ip: "192.0.2.9" });
    expect(event.metadata).toMatchObject({ section: "alert_rules", action: "updated", rule: "brute_force" });
    expect(event.changes).toEqual([
      { field: "brute_force.threshold", before: 5, after: 3 },
      { field: "brute_force.window_minutes", before: 10, after: 5 },
      { field: "brute_force.open_incident", before: false, after: true },
    ]);
    // The same values again change nothing and record nothing.
    expect(await submit(user, "updateRuleAction", bruteForceForm({ threshold: "3", window_minutes: "5", open_incident: "on" }))).toMatchObject({ ok: true, message: "Nothing changed." });
    expect(await eventsOf(orgId, "SETTINGS_CHANGED")).toHaveLength(1);

    // Three failures within 5 minutes now raise an alert, and the rule opens its incident.
    await ingestEvents(orgId, [3, 2, 1].map((m, i) => failedLogin("198.51.100.62", `b${i}@client.example`, m)));
    // Three within 10 minutes but not within 5: a near miss under the new window.
    await ingestEvents(orgId, [9, 5, 0.5].map((m, i) => failedLogin("198.51.100.63", `c${i}@client.example`, m)));
    const alerts = await detect(orgId);
    expect(alerts.map((a) => [a.rule, a.subject.ip, a.count])).toEqual([["brute_force", "198.51.100.62", 3]]);
    const { rows: incidents } = await pool().query("select created_by from incidents where org_id = $1 and alert_id = $2", [orgId, alerts[0]!.id]);
    expect(incidents).toEqual([{ created_by: "Vigil" }]);

    // Disabled: nothing more is raised.
    expect(await submit(user, "updateRuleAction", { ...bruteForceForm({ threshold: "3", window_minutes: "5" }), enabled: "" })).toMatchObject({ ok: true });
    expect((await eventsOf(orgId, "SETTINGS_CHANGED")).at(-1)!.changes).toEqual(expect.arrayContaining([{ field: "brute_force.enabled", before: true, after: false }]));
    await ingestEvents(orgId, [3, 2, 1].map((m, i) => failedLogin("198.51.100.64", `d${i}@client.example`, m)));
    expect(await detect(orgId)).toHaveLength(1);
  });

  it("refuses roles without alerts:manage, in the action, the page and the navigation", async () => {
    const { orgId } = await orgWithUser("admin");
    const director = await addUser(orgId, "director");
    const agent = await addUser(orgId, "agent");
    const manager = await addUser(orgId, "manager");
    for (const who of [director, agent]) {
      expect(await submit(who, "updateRuleAction", bruteForceForm({ threshold: "3" }))).toMatchObject({ ok: false, message: "Your role doesn't allow this action." });
      expect(await submit(who, "addChannelAction", { kind: "email", target: "x@company.com", minSeverity: "info" })).toMatchObject({ ok: false, message: "Your role doesn't allow this action." });
      expect(await rulesPage(who)).toBe("no access");
    }
    expect(await ruleSettings(orgId)).toMatchObject({ brute_force: { config: { threshold: 5 } } });
    expect(await listAlertChannels(orgId)).toEqual([]);
    expect(await eventsOf(orgId, "SETTINGS_CHANGED")).toEqual([]);
    // The page itself renders for a manager.
    expect(await rulesPage(manager)).toBe("shown");
    const labels = (role: string) => visible(SETTINGS_NAV, BUILT_IN_ROLES[role]!.permissions).map((e) => e.label);
    expect(labels("manager")).toContain("Alert rules");
    expect(labels("director")).not.toContain("Alert rules");
    expect(labels("agent")).not.toContain("Alert rules");
  });

  it("adds, edits, rotates and removes channels; the webhook secret is shown once and never recorded", async () => {
    const { orgId, user } = await orgWithUser("admin");
    expect(await submit(user, "addChannelAction", { kind: "email", target: "secops@company.com, not-an-address", minSeverity: "warning" }))
      .toMatchObject({ ok: false, fieldErrors: { target: "'not-an-address' is not an e-mail address" } });
    expect(await submit(user, "addChannelAction", { kind: "webhook", target: "ftp://hooks.example/x", minSeverity: "warning" }))
      .toMatchObject({ ok: false, fieldErrors: { target: "enter an http(s) URL" } });
    expect(await submit(user, "addChannelAction", { kind: "webhook", target: "https://user:pw@hooks.example/x", minSeverity: "warning" }))
      .toMatchObject({ ok: false, fieldErrors: { target: expect.stringContaining("credentials") } });
    expect(await submit(user, "addChannelAction", { kind: "pager", target: "x", minSeverity: "warning" })).toMatchObject({ ok: false, fieldErrors: { kind: "choose e-mail or webhook" } });
    expect(await listAlertChannels(orgId)).toEqual([]);

    expect(await submit(user, "addChannelAction", { kind: "email", target: "SecOps@company.com; oncall@company.com", minSeverity: "warning" })).toMatchObject({ ok: true });
    const added = await submit(user, "addChannelAction", { kind: "webhook", target: "https://hooks.example/vigil", minSeverity: "critical" });
    expect(added).toMatchObject({ ok: true, secret: { values: [expect.stringMatching(/^whsec_/)] } });
    const secret = added!.secret!.values[0]!;
    const channels = await listAlertChannels(orgId);
    expect(channels).toEqual([
      expect.objectContaining({ kind: "email", target: "secops@company.com, oncall@company.com", min_severity: "warning", enabled: true }),
      expect.objectContaining({ kind: "webhook", target: "https://hooks.example/vigil", min_severity: "critical", secret_set: true }),
    ]);
    expect(JSON.stringify(channels)).not.toContain(secret);
    const hook = channels[1]!;

    expect(await submit(user, "updateChannelAction", { id: hook.id, target: "not a url", minSeverity: "critical", enabled: "on" })).toMatchObject({ ok: false, fieldErrors: { target: "enter an http(s) URL" } });
    expect(await submit(user, "updateChannelAction", { id: hook.id, target: "https://hooks.example/v2", minSeverity: "warning" })).toMatchObject({ ok: true, message: "Channel saved." });
    const rotated = await submit(user, "rotateSecretAction", { id: hook.id });
    const secret2 = rotated!.secret!.values[0]!;
    expect(secret2).toMatch(/^whsec_/);
    expect(secret2).not.toBe(secret);
    expect(await submit(user, "removeChannelAction", { id: channels[0]!.id })).toMatchObject({ ok: true });
    expect(await submit(user, "removeChannelAction", { id: channels[0]!.id })).toMatchObject({ ok: false, message: "That channel doesn't exist." });
    expect((await listAlertChannels(orgId)).map((c) => [c.kind, c.target, c.min_severity, c.enabled])).toEqual([["webhook", "https://hooks.example/v2", "warning", false]]);

    const trail = await eventsOf(orgId, "SETTINGS_CHANGED");
    expect(trail.map((e) => e.metadata.action)).toEqual(["created", "created", "updated", "secret_rotated", "deleted"]);
    expect(trail.every((e) => e.metadata.section === "alert_channels" && e.actor_email === user.email)).toBe(true);
    expect(trail[1].changes).toEqual(expect.arrayContaining([{ field: "target", before: null, after: "https://hooks.example/vigil" }, { field: "secret", before: null, after: MASK }]));
    expect(trail[2].changes).toEqual([
      { field: "target", before: "https://hooks.example/vigil", after: "https://hooks.example/v2" },
      { field: "min_severity", before: "critical", after: "warning" },
      { field: "enabled", before: true, after: false },
    ]);
    expect(trail[3].changes).toEqual([{ field: "secret", before: MASK, after: MASK }]);
    const { rows } = await pool().query("select count(*)::int as n from audit_events where org_id = $1 and (row_to_json(audit_events)::text like $2 or row_to_json(audit_events)::text like $3)", [orgId, `%${secret}%`, `%${secret2}%`]);
    expect(rows[0].n).toBe(0);

    // Another org's channel id is not found.
    const other = await orgWithUser("admin");
    expect(await submit(other.user, "rotateSecretAction", { id: hook.id })).toMatchObject({ ok: false, message: "That channel doesn't exist." });
  });
});

describe("blocking an account", () => {
  it("keeps a Vigil user of the org out of this org until unblocked, without touching their account", async () => {
    const { orgId, user: admin } = await orgWithUser("admin");
    await quiet(orgId);
    const member = await addUser(orgId, "manager");
    // Someone tries the member's password from five addresses.
    await ingestEvents(orgId, [5, 4, 3, 2, 1].map((m) => failedLogin(nextIp(), member.email, m)));
    const [alert] = await detect(orgId);
    expect(alert).toMatchObject({ rule: "brute_force", subject: { actor: member.email } });

    // Nobody blocks their own account.
    await expect(blockFromAlert(orgId, alert!.id, "actor", person(member.email, member.id))).rejects.toThrow(/your own account/);
    const entry = await blockFromAlert(orgId, alert!.id, "actor", person(admin.email, admin.id));
    expect(entry).toMatchObject({ kind: "actor", value: member.email });
    // The block acts in this org; the account itself (and the person's other orgs) is untouched.
    const { rows: [account] } = await pool().query("select locked_until from users where id = $1", [member.id]);
    expect(account.locked_until).toBeNull();
    const [created] = await eventsOf(orgId, "BLOCKLIST_ENTRY_CREATED");
    expect(created.metadata).toMatchObject({ kind: "actor", value: member.email, locked_users: [member.email] });

    expect(await attemptSignIn({ email: member.email, password: PASSWORD, ip: nextIp() })).toEqual({ ok: false, code: "invalid" });
    const refused = (await eventsOf(orgId, "LOGIN_FAILED")).filter((e) => e.source === "console").at(-1);
    expect(refused).toMatchObject({ actor_email: member.email, reason: "blocked actor" });
    // The admin, not blocked, still signs in.
    expect((await attemptSignIn({ email: admin.email, password: PASSWORD, ip: nextIp() })).ok).toBe(true);

    await unblockFromConsole(orgId, { type: "user" as const, id: admin.id, email: admin.email, name: admin.name }, { id: entry.id });
    const { rows: [unlocked] } = await pool().query("select locked_until from users where id = $1", [member.id]);
    expect(unlocked.locked_until).toBeNull();
    expect((await eventsOf(orgId, "BLOCKLIST_ENTRY_DELETED"))[0].metadata).toMatchObject({ unlocked_users: [member.email] });
    expect(await attemptSignIn({ email: member.email, password: PASSWORD, ip: nextIp() })).toMatchObject({ ok: true });
  });

  it("only puts an integrator's actor, or another org's user, on the blocklist; a rule can block by itself", async () => {
    const { org, apiKey } = await newOrg();
    const orgId = org.id;
    const admin = await addUser(orgId, "admin");
    await quiet(orgId);
    // A person who is a Vigil user, but of another org only.
    const elsewhere = await orgWithUser("admin");
    const outsider = elsewhere.user;
    await ingestEvents(orgId, [5, 4, 3, 2, 1].flatMap((m) => [failedLogin(nextIp(), "customer@client.example", m), failedLogin(nextIp(), outsider.email, m)]));
    const alerts = await detect(orgId);
    expect(alerts.map((a) => a.subject.actor).sort()).toEqual(["customer@client.example", outsider.email].sort());
    for (const a of alerts) await blockFromAlert(orgId, a.id, "actor", person(admin.email, admin.id));
    // Published for the integrator to enforce in their product.
    const published = await call(getBlocklist, { key: apiKey.key, path: "/api/v1/blocklist" });
    expect(published.json.data.map((e: { value: string }) => e.value).sort()).toEqual(["customer@client.example", outsider.email].sort());
    expect((await pool().query("select locked_until from users where id = $1", [outsider.id])).rows[0].locked_until).toBeNull();
    expect((await eventsOf(orgId, "BLOCKLIST_ENTRY_CREATED")).every((e) => e.metadata.locked_users === undefined)).toBe(true);
    // This org's block is not the other org's business: the outsider signs in there.
    expect((await attemptSignIn({ email: outsider.email, password: PASSWORD, ip: nextIp() })).ok).toBe(true);

    // Mass deletion with "block the account" on: the member who deleted is locked by Vigil itself.
    const deleter = await addUser(orgId, "manager");
    await saveRuleSetting(orgId, "mass_deletion", true, { threshold: 3, block_actor: true });
    await ingestEvents(orgId, [3, 2, 1].map((m, i) => ({
      action: "DOCUMENT_DELETED", actor: { type: "user", email: deleter.email }, targets: [{ type: "document", id: `doc-${i}` }],
      occurred_at: new Date(Date.now() - m * MIN).toISOString(),
    })));
    const massive = (await detect(orgId)).find((a) => a.rule === "mass_deletion");
    expect(massive).toMatchObject({ subject: { actor: deleter.email } });
    expect((await pool().query("select 1 from blocklist_entries where org_id = $1 and value = $2", [orgId, deleter.email])).rows).toHaveLength(1);
    const auto = (await eventsOf(orgId, "BLOCKLIST_ENTRY_CREATED")).at(-1);
    expect(auto).toMatchObject({ source: "system", metadata: { automatic: true, locked_users: [deleter.email] } });
    expect(await attemptSignIn({ email: deleter.email, password: PASSWORD, ip: nextIp() })).toEqual({ ok: false, code: "invalid" });

    // Events in an administrator's name (an integrator can send any name) raise the alert,
    // but the rule by itself never blocks someone who could undo it: that is left to a person.
    await ingestEvents(orgId, [3, 2, 1].map((m, i) => ({
      action: "DOCUMENT_DELETED", actor: { type: "user", email: admin.email }, targets: [{ type: "document", id: `adm-${i}` }],
      occurred_at: new Date(Date.now() - m * MIN).toISOString(),
    })));
    expect((await detect(orgId)).find((a) => a.rule === "mass_deletion" && a.subject.actor === admin.email)).toBeDefined();
    expect((await pool().query("select locked_until from users where id = $1", [admin.id])).rows[0].locked_until).toBeNull();
    expect((await eventsOf(orgId, "BLOCKLIST_ENTRY_CREATED")).map((e) => e.metadata.value)).not.toContain(admin.email);
    expect((await attemptSignIn({ email: admin.email, password: PASSWORD, ip: nextIp() })).ok).toBe(true);
  });
});

describe("notifying again when severity rises", () => {
  it("sends one more e-mail and webhook when a growing alert turns critical, not on every growth", async () => {
    const { orgId, user } = await orgWithUser("admin");
    await quiet(orgId);
    const hook = await webhookServer(0);
    try {
      const by = person(user.email, user.id);
      await addAlertChannel(orgId, by, { kind: "email", target: `team-${orgId}@company.com`, minSeverity: "warning" });
      await addAlertChannel(orgId, by, { kind: "email", target: `cso-${orgId}@company.com`, minSeverity: "critical" });
      const webhook = await addAlertChannel(orgId, by, { kind: "webhook", target: hook.url, minSeverity: "warning" });
      await saveRuleSetting(orgId, "brute_force", true, { threshold: 5, critical_count: 8 });
      const mailsTo = (who: string) => receiver().messages.filter((m) => m.includes(`${who}-${orgId}@company.com`));
      const burst = (from: number, n: number) => ingestEvents(orgId, Array.from({ length: n }, (_, i) => failedLogin("203.0.113.150", `v${from + i}@client.example`, 8 - (from + i) * 0.5)));

      await burst(0, 5);
      let [alert] = await detect(orgId);
      expect(alert).toMatchObject({ severity: "warning", count: 5 });
      expect(mailsTo("team")).toHaveLength(1);
      expect(mailsTo("cso")).toHaveLength(0);
      expect(hook.received).toHaveLength(1);

      // It grows, still a warning: nobody is told again.
      await burst(5, 1);
      [alert] = await detect(orgId);
      expect(alert).toMatchObject({ severity: "warning", count: 6 });
      expect(mailsTo("team")).toHaveLength(1);
      expect(hook.received).toHaveLength(1);

      // It reaches the critical count: one more e-mail and webhook, and the critical-only channel hears of it.
      await burst(6, 2);
      [alert] = await detect(orgId);
      expect(alert).toMatchObject({ severity: "critical", count: 8 });
      expect(mailsTo("team")).toHaveLength(2);
      expect(mailsTo("team")[1]).toMatch(/Subject: \[Vigil critical\] Now critical: /);
      expect(mailsTo("team")[1]).toContain("Severity rose from warning to critical.");
      expect(mailsTo("cso")).toHaveLength(1);
      expect(hook.received).toHaveLength(2);
      const { body, signature } = hook.received[1]!;
      expect(verifyWebhookSignature(webhook.secret!, body, signature)).toBe(true);
      expect(JSON.parse(body)).toMatchObject({ type: "alert", reason: "severity_raised", previous_severity: "warning", alert: { id: alert!.id, severity: "critical", count: 8 } });
      expect(JSON.parse(hook.received[0]!.body)).toMatchObject({ reason: "new", alert: { severity: "warning" } });

      // Growing further, and runs with nothing new, notify nobody.
      await burst(8, 1);
      [alert] = await detect(orgId);
      expect(alert).toMatchObject({ severity: "critical", count: 9 });
      await detect(orgId);
      expect(mailsTo("team")).toHaveLength(2);
      expect(mailsTo("cso")).toHaveLength(1);
      expect(hook.received).toHaveLength(2);
      const deliveries = await listDeliveries(orgId, { alertId: alert!.id });
      expect(deliveries).toHaveLength(5);
      expect(deliveries.every((d) => d.status === "delivered")).toBe(true);
    } finally {
      await hook.close();
    }
  });

  it("notifies an alert a crashed run recorded but never sent", async () => {
    const { orgId, user } = await orgWithUser("admin");
    await quiet(orgId);
    await addAlertChannel(orgId, person(user.email, user.id), { kind: "email", target: `late-${orgId}@company.com`, minSeverity: "info" });
    // The job's transaction committed the alert, then the process died before notifying.
    const { alert } = await upsertAlert(pool(), orgId, {
      rule: "mass_deletion", severity: "critical", subject: { actor: "someone@client.example" }, title: "someone deleted 30 records within 10 minutes",
      eventIds: [], firstSeen: new Date(), lastSeen: new Date(),
    });
    await detect(orgId);
    expect(receiver().messages.filter((m) => m.includes(`late-${orgId}@company.com`))).toHaveLength(1);
    expect(await listDeliveries(orgId, { alertId: alert.id })).toMatchObject([{ status: "delivered" }]);
    await detect(orgId);
    expect(receiver().messages.filter((m) => m.includes(`late-${orgId}@company.com`))).toHaveLength(1);
  });
});
