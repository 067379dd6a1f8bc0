import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { GET as listRuns } from "@/app/api/v1/reports/runs/route";
import { GET as getRun } from "@/app/api/v1/reports/runs/[id]/route";
import { renderSecurityReportPdf } from "@/components/reports/security-report-pdf";
import { pool } from "@/lib/db/pool";
import { dayIn } from "@/lib/reports/format";
import { getReportSchedule, setReportRecipients } from "@/lib/reports/schedule";
import { EMAIL_ATTEMPTS, makeMonthlyReports, previousMonth, retryDelayMs, retryReportEmails, type SendMail } from "@/lib/reports/scheduled";
import { call, newOrg } from "@/tests/helpers/fixtures";
import { addUser } from "@/tests/integration/console-fixtures";
import { smtpServer } from "@/tests/integration/alerts-receivers";
import { resetEnvCache } from "@/lib/env";
import { runScheduledJob } from "@/server/jobs";
import { DAY, knownOrg } from "@/tests/integration/reports-fixtures";

describe("previousMonth", () => {
  it("is the last calendar month in the org's time zone", () => {
    const now = new Date("2026-03-01T02:00:00Z"); // still February in São Paulo (UTC-3)
    expect(previousMonth(now, "UTC")).toMatchObject({ from: new Date("2026-02-01T00:00:00Z"), to: new Date("2026-03-01T00:00:00Z"), label: "February 2026" });
    expect(previousMonth(now, "America/Sao_Paulo")).toMatchObject({ from: new Date("2026-01-01T03:00:00Z"), to: new Date("2026-02-01T03:00:00Z"), label: "January 2026" });
    expect(previousMonth(new Date("2026-01-10T00:00:00Z"), "UTC").label).toBe("December 2025");
  });
});

describe("monthly reports", () => {
  it("are made once per org and month, emailed to the recipients, kept and downloadable", async () => {
    const a = await knownOrg();
    // "Now" is the first of the month after the one holding the events of 5 days ago.
    const month = dayIn(new Date(a.now - 5 * DAY), "UTC").slice(0, 7);
    const [y, m] = month.split("-").map(Number) as [number, number];
    const now = new Date(Date.UTC(m === 12 ? y + 1 : y, m === 12 ? 0 : m, 1, 6));
    const { from, to } = previousMonth(now, "UTC");
    const failedInMonth = a.events.filter((e) => e.action === "LOGIN_FAILED" && e.occurred_at >= from.toISOString() && e.occurred_at < to.toISOString()).length;
    expect(failedInMonth).toBeGreaterThan(0);

    await addUser(a.org.id, "director", "ciso@example.com");
    await addUser(a.org.id, "owner", "dpo@example.com");
    // Someone who may not download reports, and a stranger, get nothing.
    await addUser(a.org.id, "agent", "agent-smith@example.com");
    await pool().query("insert into report_schedules (org_id, recipients) values ($1, $2)", [a.org.id, ["ciso@example.com", "dpo@example.com", "agent-smith@example.com", "stranger@example.com"]]);
    const sent: Parameters<SendMail>[0][] = [];
    const send: SendMail = async (message) => {
      sent.push(message);
    };
    const made = await makeMonthlyReports(renderSecurityReportPdf, { now, orgIds: [a.org.id], send });
    expect(made).toEqual([{ orgId: a.org.id, runId: expect.any(String), emailed: true, error: null }]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual(["ciso@example.com", "dpo@example.com"]);
    expect(sent[0]!.subject).toContain(previousMonth(now, "UTC").label);
    expect(sent[0]!.text).toContain(`Failed logins: ${failedInMonth}`);
    expect(sent[0]!.attachment.content.subarray(0, 5).toString()).toBe("%PDF-");
    // Idempotent: a second run makes nothing.
    expect(await makeMonthlyReports(renderSecurityReportPdf, { now, orgIds: [a.org.id], send })).toEqual([]);
    expect(sent).toHaveLength(1);

    const list = await call(listRuns, { key: a.apiKey.key, path: "/api/v1/reports/runs" });
    expect(list.status).toBe(200);
    expect(list.json.data).toHaveLength(1);
    const run = list.json.data[0];
    expect(run).toMatchObject({ id: made[0]!.runId, report: "security-monthly", period_from: from.toISOString(), period_to: to.toISOString(), format: "pdf", recipients: ["ciso@example.com", "dpo@example.com"], email_error: null });
    expect(run.emailed_at).not.toBeNull();

    const req = new Request(`http://localhost/api/v1/reports/runs/${run.id}`, { headers: { authorization: `Bearer ${a.apiKey.key}` } });
    const res = await getRun(req, { params: Promise.resolve({ id: run.id }) });
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(crypto.createHash("sha256").update(bytes).digest("hex")).toBe(run.sha256);
    expect(bytes).toEqual(sent[0]!.attachment.content);
    const { rows } = await pool().query("select metadata from audit_events where org_id = $1 and action = 'REPORT_DOWNLOADED' and actor_type = 'api'", [a.org.id]);
    expect(rows.map((r) => r.metadata)).toEqual([expect.objectContaining({ report: "security", format: "PDF", size_bytes: bytes.byteLength, from: from.toISOString() })]);

    // Another org's key sees none of it.
    const other = await newOrg();
    expect((await call(listRuns, { key: other.apiKey.key, path: "/api/v1/reports/runs" })).json.data).toEqual([]);
    expect((await call(getRun, { key: other.apiKey.key, params: { id: run.id } })).status).toBe(404);
  });

  it("keep the report when the email fails, and say why", async () => {
    const a = await knownOrg();
    await addUser(a.org.id, "director", "ciso@example.com");
    await pool().query("insert into report_schedules (org_id, recipients) values ($1, $2)", [a.org.id, ["ciso@example.com"]]);
    const made = await makeMonthlyReports(renderSecurityReportPdf, {
      orgIds: [a.org.id],
      send: async () => {
        throw new Error("connect ECONNREFUSED 127.0.0.1:25");
      },
    });
    expect(made).toEqual([{ orgId: a.org.id, runId: expect.any(String), emailed: false, error: "connect ECONNREFUSED 127.0.0.1:25" }]);
    const { rows } = await pool().query("select emailed_at, email_error, size_bytes from report_runs where id = $1", [made[0]!.runId]);
    expect(rows[0]).toMatchObject({ emailed_at: null, email_error: "connect ECONNREFUSED 127.0.0.1:25" });
    expect(rows[0].size_bytes).toBeGreaterThan(1000);
  });

  it("retry a failed email with backoff through SMTP, to recipients who may still receive it, then stop", async () => {
    const a = await knownOrg();
    const ciso = `ciso-${crypto.randomBytes(4).toString("hex")}@example.com`;
    await addUser(a.org.id, "director", ciso);
    await pool().query("insert into report_schedules (org_id, recipients) values ($1, $2)", [a.org.id, [ciso]]);
    // No SMTP server listens yet: the first send fails and the report is kept.
    const closed = await smtpServer();
    await closed.close();
    process.env.SMTP_URL = `smtp://127.0.0.1:${closed.port}`;
    resetEnvCache();
    const now = new Date();
    const made = await makeMonthlyReports(renderSecurityReportPdf, { now, orgIds: [a.org.id] });
    expect(made).toEqual([{ orgId: a.org.id, runId: expect.any(String), emailed: false, error: expect.stringMatching(/ECONNREFUSED/) }]);
    const runId = made[0]!.runId;

    const smtp = await smtpServer();
    try {
      process.env.SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
      resetEnvCache();
      // Before the backoff has passed, nothing is sent.
      expect(await retryReportEmails({ now: new Date(now.getTime() + retryDelayMs(1) - 60_000), orgIds: [a.org.id] })).toEqual([]);
      expect(smtp.messages).toHaveLength(0);
      const retried = await retryReportEmails({ now: new Date(now.getTime() + retryDelayMs(1) + 60_000), orgIds: [a.org.id] });
      expect(retried).toEqual([{ orgId: a.org.id, runId, emailed: true, error: null }]);
      expect(smtp.messages).toHaveLength(1);
      expect(smtp.messages[0]).toContain(`To: ${ciso}`);
      expect(smtp.messages[0]).toMatch(/filename=.?vigil-security-report-/);
      const { rows } = await pool().query("select emailed_at, email_error, email_attempts from report_runs where id = $1", [runId]);
      expect(rows[0]).toMatchObject({ email_error: null, email_attempts: 2 });
      expect(rows[0].emailed_at).not.toBeNull();
      // Sent: never again.
      expect(await retryReportEmails({ now: new Date(now.getTime() + 30 * DAY), orgIds: [a.org.id] })).toEqual([]);
    } finally {
      await smtp.close();
    }

    // A report whose sends keep failing stops after EMAIL_ATTEMPTS tries in all.
    await pool().query("update report_runs set emailed_at = null, email_error = 'refused', email_attempts = $2 where id = $1", [runId, EMAIL_ATTEMPTS]);
    expect(await retryReportEmails({ now: new Date(now.getTime() + 30 * DAY), orgIds: [a.org.id] })).toEqual([]);
    delete process.env.SMTP_URL;
    resetEnvCache();
  });

  it("recipients are chosen among members who may download reports, and each change is audited", async () => {
    const { org } = await newOrg();
    const tag = crypto.randomBytes(4).toString("hex");
    const director = await addUser(org.id, "director", `director-${tag}@example.com`);
    const owner = await addUser(org.id, "owner", `owner-${tag}@example.com`);
    const agent = await addUser(org.id, "agent", `agent-${tag}@example.com`);
    const actor = { type: "user" as const, id: owner.id, email: owner.email, name: owner.name };
    expect((await getReportSchedule(org.id)).eligible).toEqual([director.email, owner.email]);

    await expect(setReportRecipients(org.id, actor, [director.email, agent.email])).rejects.toMatchObject({ code: "invalid_request", fieldErrors: { recipients: `not allowed: ${agent.email}` } });
    await expect(setReportRecipients(org.id, actor, ["outsider@example.net"])).rejects.toMatchObject({ code: "invalid_request" });
    expect((await getReportSchedule(org.id)).recipients).toEqual([]);

    await setReportRecipients(org.id, actor, [` ${director.email.toUpperCase()} `, owner.email]);
    expect((await getReportSchedule(org.id)).recipients).toEqual([director.email, owner.email]);
    await setReportRecipients(org.id, actor, [owner.email, director.email]); // the same list: no event
    await setReportRecipients(org.id, actor, [owner.email]);
    const { rows } = await pool().query("select actor_email, changes from audit_events where org_id = $1 and action = 'SETTINGS_CHANGED' order by seq", [org.id]);
    expect(rows).toEqual([
      { actor_email: owner.email, changes: [{ field: "monthly_report_recipients", before: null, after: `${director.email}, ${owner.email}` }] },
      { actor_email: owner.email, changes: [{ field: "monthly_report_recipients", before: `${director.email}, ${owner.email}`, after: owner.email }] },
    ]);
  });
});

describe("the reports job", () => {
  it("makes the healthy org's monthly report when another org's fails, and the run is partial", async () => {
    const broken = await newOrg();
    const healthy = await newOrg();
    // A time zone the runtime doesn't know makes that org's month impossible to compute.
    await pool().query("update organizations set timezone = 'Mars/Olympus_Mons' where id = $1", [broken.org.id]);
    const run = await runScheduledJob("reports", { orgIds: [broken.org.id, healthy.org.id] });
    expect(run.status).toBe("partial");
    if (run.status !== "partial") return;
    expect(run.summary.failed_orgs).toEqual([broken.org.id]);
    expect(run.summary).toMatchObject({ monthly_reports: 1 });
    const { rows } = await pool().query("select org_id from report_runs where org_id = any($1)", [[broken.org.id, healthy.org.id]]);
    expect(rows.map((r) => r.org_id)).toEqual([healthy.org.id]);
  }, 60_000);
});
