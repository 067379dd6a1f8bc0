import crypto from "node:crypto";
import { sendSmtp } from "@/lib/mail/smtp";
import { uuidv7 } from "uuidv7";
import { pool } from "@/lib/db/pool";
import { formatBytes } from "@/lib/reports/format";
import { startOfDayIn, type ReportPeriod } from "@/lib/reports/period";
import { securityReport, type SecurityReport } from "@/lib/reports/security";
import { verifyAndCheckpoint } from "@/lib/reports/download";
import { isUuid } from "@/lib/uuid";

/**
 * Scheduled reports: the "periodic audit: monthly full review". On the first run of a
 * month, each org gets the security report of the previous calendar month (in its time
 * zone) as a PDF, kept in report_runs and downloadable later; when the org has recipients
 * (report_schedules), it is emailed to them. Idempotent per org and month (a unique
 * index), and bounded per run: what is left is made by the next run.
 */

export const MONTHLY_REPORT = "security-monthly";
/** Reports made per run at most; a PDF takes about a second. */
export const REPORTS_PER_RUN = 10;
const MAX_RECIPIENTS = 20;

export type RenderPdf = (report: SecurityReport) => Promise<Buffer>;
export type SendMail = (message: { to: string[]; subject: string; text: string; attachment: { filename: string; content: Buffer } }) => Promise<void>;

/** The previous calendar month, in the time zone: [first day, first day of this month). */
export function previousMonth(now: Date, timezone: string): ReportPeriod & { label: string } {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit" }).format(now); // "2026-11"
  const [y, m] = today.split("-").map(Number) as [number, number];
  const prev = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
  const from = startOfDayIn(`${prev}-01`, timezone);
  const to = startOfDayIn(`${today}-01`, timezone);
  const label = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "long", year: "numeric" }).format(new Date(`${prev}-15T00:00:00Z`));
  return { preset: null, from, to, label };
}

const smtpMail: SendMail = (m) => sendSmtp({ to: m.to, subject: m.subject, text: m.text, attachments: [m.attachment] });

export interface MonthlyRunResult {
  orgId: string;
  runId: string;
  emailed: boolean;
  error: string | null;
}

/**
 * Makes the missing monthly reports (at most `limit`). The PDF renderer is passed in: lib
 * holds no React (components/reports renders documents).
 */
export async function makeMonthlyReports(render: RenderPdf, opts: { now?: Date; orgIds?: string[]; limit?: number; send?: SendMail } = {}): Promise<MonthlyRunResult[]> {
  const now = opts.now ?? new Date();
  const limit = opts.limit ?? REPORTS_PER_RUN;
  const orgs = await pool().query<{ id: string; slug: string; name: string; timezone: string; recipients: string[] | null }>(
    `select o.id, o.slug, o.name, o.timezone, s.recipients from organizations o left join report_schedules s on s.org_id = o.id
     where $1::uuid[] is null or o.id = any($1::uuid[]) order by o.created_at, o.id`,
    [opts.orgIds ?? null],
  );
  const results: MonthlyRunResult[] = [];
  for (const org of orgs.rows) {
    if (results.length >= limit) break;
    const period = previousMonth(now, org.timezone);
    const exists = await pool().query("select 1 from report_runs where org_id = $1 and report = $2 and period_from = $3", [org.id, MONTHLY_REPORT, period.from]);
    if (exists.rows.length > 0) continue;
    const verification = await verifyAndCheckpoint(org.id);
    const report = await securityReport(org.id, period, { generatedBy: { type: "system", id: "scheduler", name: "Vigil scheduler (monthly review)" }, verification, now });
    const pdf = await render(report);
    const id = uuidv7();
    // Only people who may download reports now receive one: a member removed or moved to
    // another role since the schedule was set is left out.
    const recipients = (await eligibleRecipients(org.id, org.recipients ?? [])).slice(0, MAX_RECIPIENTS);
    const inserted = await pool().query(
      `insert into report_runs (id, org_id, report, period_from, period_to, format, size_bytes, sha256, content, recipients)
       values ($1, $2, $3, $4, $5, 'pdf', $6, $7, $8, $9) on conflict do nothing returning id`,
      [id, org.id, MONTHLY_REPORT, period.from, period.to, pdf.byteLength, crypto.createHash("sha256").update(pdf).digest("hex"), pdf, recipients],
    );
    // Another instance made it meanwhile: theirs is kept.
    if (inserted.rows.length === 0) continue;
    let emailed = false;
    let error: string | null = null;
    if (recipients.length > 0) {
      ({ emailed, error } = await emailReport(opts.send ?? smtpMail, { id, org, period, pdf, recipients, report }));
    }
    results.push({ orgId: org.id, runId: id, emailed, error });
  }
  return results;
}

/** Members of the org whose role may download reports, among `emails` (all of them when omitted). */
export async function eligibleRecipients(orgId: string, emails?: readonly string[]): Promise<string[]> {
  const { rows } = await pool().query<{ email: string }>(
    `select u.email from memberships m join users u on u.id = m.user_id
       join roles r on r.id = m.role_id and (r.org_id is null or r.org_id = m.org_id)
     where m.org_id = $1 and 'reports:download' = any(r.permissions) and ($2::text[] is null or u.email = any($2::text[]))
     order by u.email`,
    [orgId, emails ? emails.map((e) => e.toLowerCase()) : null],
  );
  return rows.map((r) => r.email);
}

/** Sends one kept report and records the attempt: when, how many so far, and the outcome. */
async function emailReport(
  send: SendMail,
  run: { id: string; org: { name: string; slug: string }; period: { from: Date; label: string }; pdf: Buffer; recipients: string[]; report?: SecurityReport },
): Promise<{ emailed: boolean; error: string | null }> {
  const sha256 = crypto.createHash("sha256").update(run.pdf).digest("hex");
  const figures = run.report
    ? [
        `Failed logins: ${run.report.failed_logins.total}`,
        `Data exports: ${run.report.exports.count}`,
        `Settings changes: ${run.report.settings_changes.count} (${run.report.settings_changes.review.label})`,
        "",
      ]
    : [];
  let emailed = false;
  let error: string | null = null;
  try {
    await send({
      to: run.recipients,
      subject: `[Vigil] Security report, ${run.period.label}: ${run.org.name}`,
      text: [
        `The security report of ${run.org.name} for ${run.period.label} is attached (${formatBytes(run.pdf.byteLength)}).`,
        "",
        ...figures,
        `It is also kept in Vigil under Reports, with its SHA-256: ${sha256}.`,
      ].join("\n"),
      attachment: { filename: `vigil-security-report-${run.org.slug}-${run.period.from.toISOString().slice(0, 7)}.pdf`, content: run.pdf },
    });
    emailed = true;
  } catch (err) {
    error = err instanceof Error ? err.message.slice(0, 500) : String(err);
  }
  await pool().query(
    `update report_runs set emailed_at = case when $2 then now() end, email_error = $3, recipients = $4,
       email_attempts = email_attempts + 1, email_attempted_at = now() where id = $1`,
    [run.id, emailed, error, run.recipients],
  );
  return { emailed, error };
}

/** Tries to send a failed report email this many times in all, then leaves it marked failed. */
export const EMAIL_ATTEMPTS = 5;
/** Wait before retry n (n = attempts so far): 10 minutes, doubling. */
export const retryDelayMs = (attempts: number) => 10 * 60_000 * 2 ** Math.max(0, attempts - 1);

/**
 * Sends again the kept reports whose email failed, once their backoff has passed, to the
 * recipients who may still receive them. At most `limit` per run.
 */
export async function retryReportEmails(opts: { now?: Date; orgIds?: string[]; limit?: number; send?: SendMail } = {}): Promise<MonthlyRunResult[]> {
  const now = opts.now ?? new Date();
  const limit = opts.limit ?? REPORTS_PER_RUN;
  // Due rows only (backoff passed), oldest attempt first; the PDF is read per row. A report
  // that never had a try recorded predates retries and is left alone.
  const { rows } = await pool().query<{ id: string; org_id: string; slug: string; name: string; timezone: string; period_from: Date; recipients: string[]; email_attempts: number }>(
    `select r.id, r.org_id, o.slug, o.name, o.timezone, r.period_from, r.recipients, r.email_attempts
       from report_runs r join organizations o on o.id = r.org_id
      where r.emailed_at is null and r.email_error is not null and cardinality(r.recipients) > 0
        and r.email_attempts between 1 and $1 - 1
        and r.email_attempted_at <= $2::timestamptz - make_interval(secs => $3 * power(2, r.email_attempts - 1))
        and ($4::uuid[] is null or r.org_id = any($4::uuid[]))
      order by r.email_attempted_at limit $5`,
    [EMAIL_ATTEMPTS, now, retryDelayMs(1) / 1000, opts.orgIds ?? null, limit],
  );
  const results: MonthlyRunResult[] = [];
  for (const r of rows) {
    const recipients = await eligibleRecipients(r.org_id, r.recipients);
    if (recipients.length === 0) {
      // Nobody on the list may receive reports any more: that is final, not a reason to retry.
      await pool().query("update report_runs set email_attempts = $2, email_error = $3, email_attempted_at = now() where id = $1",
        [r.id, EMAIL_ATTEMPTS, "no recipient may receive reports any more"]);
      continue;
    }
    const { rows: [content] } = await pool().query<{ content: Buffer }>("select content from report_runs where id = $1", [r.id]);
    const label = new Intl.DateTimeFormat("en-US", { timeZone: r.timezone, month: "long", year: "numeric" }).format(new Date(r.period_from.getTime() + 86_400_000));
    const sent = await emailReport(opts.send ?? smtpMail, { id: r.id, org: r, period: { from: r.period_from, label }, pdf: content!.content, recipients });
    results.push({ orgId: r.org_id, runId: r.id, ...sent });
  }
  return results;
}

export interface ReportRunSummary {
  id: string;
  report: string;
  period_from: string;
  period_to: string;
  generated_at: string;
  format: string;
  size_bytes: number;
  sha256: string;
  recipients: string[];
  emailed_at: string | null;
  email_error: string | null;
  email_attempts: number;
}

interface RunRow {
  id: string; report: string; period_from: Date; period_to: Date; generated_at: Date; format: string; size_bytes: number;
  sha256: string; recipients: string[]; emailed_at: Date | null; email_error: string | null; email_attempts: number;
}

const toSummary = (r: RunRow): ReportRunSummary => ({
  id: r.id, report: r.report, period_from: r.period_from.toISOString(), period_to: r.period_to.toISOString(),
  generated_at: r.generated_at.toISOString(), format: r.format, size_bytes: r.size_bytes, sha256: r.sha256,
  recipients: r.recipients, emailed_at: r.emailed_at?.toISOString() ?? null, email_error: r.email_error, email_attempts: r.email_attempts,
});

const RUN_COLUMNS = "id, report, period_from, period_to, generated_at, format, size_bytes, sha256, recipients, emailed_at, email_error, email_attempts";

export async function listReportRuns(orgId: string, limit = 24): Promise<ReportRunSummary[]> {
  const { rows } = await pool().query<RunRow>(
    `select ${RUN_COLUMNS} from report_runs where org_id = $1 order by period_from desc, generated_at desc limit $2`, [orgId, limit],
  );
  return rows.map(toSummary);
}

/** One kept report of the org with its file; undefined for another org's id, like a missing one. */
export async function getReportRun(orgId: string, id: string): Promise<(ReportRunSummary & { content: Buffer }) | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await pool().query<RunRow & { content: Buffer }>(
    `select ${RUN_COLUMNS}, content from report_runs where org_id = $1 and id = $2`, [orgId, id],
  );
  return rows[0] ? { ...toSummary(rows[0]), content: rows[0].content } : undefined;
}
