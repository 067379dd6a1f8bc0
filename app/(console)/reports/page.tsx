import type { Metadata } from "next";
import Link from "next/link";
import { requireSession, can } from "@/lib/auth/session";
import { canReview } from "@/lib/reports/reviews";
import { dayIn, formatCount, formatDateTime } from "@/lib/reports/format";
import { PRESET_LABELS, periodFromForm } from "@/lib/reports/period";
import { listReportRuns } from "@/lib/reports/scheduled";
import { securityReport, type SecurityReport } from "@/lib/reports/security";
import { PageHeader } from "@/components/console/page-header";
import { NoAccess } from "@/components/console/no-access";
import { CategoryBars, DayBars } from "@/components/reports/day-bars";
import { ReviewForm } from "@/components/reports/review-form";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { Notice } from "@/components/ui/alert";
import { getReportSchedule } from "@/lib/reports/schedule";
import { ActionForm, FormCheckboxes } from "@/components/settings/action-form";
import { reviewChange, setMonthlyRecipients } from "./actions";

export const metadata: Metadata = { title: "Reports" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The security report of a period, the same figures as its PDF and the API's JSON. */
export default async function ReportsPage({ searchParams }: { searchParams: SearchParams }) {
  const session = await requireSession();
  if (!can(session, "reports:download")) return <NoAccess what="reports" />;
  const raw = await searchParams;
  const tz = session.org.timezone;
  const { period, error } = periodFromForm(raw, tz);
  const [report, runs, schedule] = await Promise.all([
    securityReport(session.org.id, period, { generatedBy: { type: "user", id: session.user.id, name: session.user.name } }),
    listReportRuns(session.org.id, 12),
    getReportSchedule(session.org.id),
  ]);
  const query = new URLSearchParams();
  for (const k of ["period", "from", "to"]) if (typeof raw[k] === "string" && raw[k]) query.set(k, raw[k] as string);
  const mayReview = canReview({ key: session.role.key, permissions: session.permissions });
  const when = (iso: string) => formatDateTime(iso, tz);
  const f = report.failed_logins;
  const x = report.exports;
  const s = report.settings_changes;

  return (
    <>
      <PageHeader
        title="Security report"
        description={<>{period.preset ? PRESET_LABELS[period.preset] : "Custom period"}: {when(report.period.from)} to {when(report.period.to)}. Days and times in {tz}, as in the PDF.</>}
        actions={
          <div className="flex gap-2">
            <a href={`/reports/download/security?${query}`} className={buttonClass("primary")} data-testid="download-security-pdf">Download PDF</a>
            <a href={`/reports/download/compliance?${query}`} className={buttonClass("secondary")} data-testid="download-compliance-pdf">Compliance evidence (PDF)</a>
          </div>
        }
      />
      <PeriodForm raw={raw} />
      {error ? <Notice tone="error" className="mt-3">{error}</Notice> : null}

      <div className="mt-4 grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="report-figures">
        <Figure label="Failed logins" value={f.total} tone={f.total > 0 ? "red" : undefined} testId="figure-failed-logins" />
        <Figure label="Data exports" value={x.count} testId="figure-exports" />
        <Figure label="Settings changes" value={s.count} testId="figure-settings" />
        <Figure label="Alerts raised" value={report.alerts?.total ?? null} testId="figure-alerts" />
      </div>

      <Card className="mt-4">
        <CardHeader
          title="Failed logins"
          description={f.total === 0 ? "None in the period." : <>{formatCount(f.total)} from {formatCount(f.distinct_ips)} IP addresses, against {formatCount(f.distinct_accounts)} accounts.</>}
        />
        <div className="px-5 py-4">
          <DayBars data={f.by_day} label="Failed logins" testId="failed-logins-chart" />
        </div>
        <div className="grid gap-0 border-t border-slate-200 md:grid-cols-2 md:divide-x dark:border-slate-800 dark:divide-slate-800">
          <SimpleTable
            caption="Top source IPs"
            head={["IP address", "Attempts", "Accounts", "Now"]}
            rows={f.top_ips.map((r) => [r.ip, formatCount(r.count), formatCount(r.accounts), r.blocked ? <Badge key="b" tone="green">Blocked</Badge> : <Badge key="b">Not blocked</Badge>])}
            testId="top-ips"
          />
          <SimpleTable
            caption="Top targeted accounts"
            head={["Account", "Attempts", "IPs", "Now"]}
            rows={f.top_accounts.map((r) => [r.account, formatCount(r.count), formatCount(r.ips), r.blocked ? <Badge key="b" tone="green">Blocked</Badge> : <Badge key="b">Not blocked</Badge>])}
          />
        </div>
      </Card>

      <Card className="mt-4">
        <CardHeader
          title="Data exports"
          description={x.count === 0 ? "None in the period." : <>{formatCount(x.count)} exports averaging {formatCount(x.records.average)} records (largest {formatCount(x.records.max)}). {x.unauthorized > 0 ? `${formatCount(x.unauthorized)} by a role without the export permission.` : "All by roles allowed to export."}</>}
        />
        <SimpleTable
          head={["Person", "Role", "Exports", "Avg records", "Largest", "Permission"]}
          rows={x.by_exporter.map((e) => [
            e.name && e.name !== e.actor ? `${e.name} <${e.actor}>` : e.actor, e.role_name, formatCount(e.count), formatCount(e.records_average), formatCount(e.records_max),
            e.authorized ? <Badge key="a" tone="green">Authorized</Badge> : <Badge key="a" tone="red">Not authorized</Badge>,
          ])}
          testId="exporters"
        />
      </Card>

      <Card className="mt-4">
        <CardHeader
          title="Settings and permission changes"
          description={<>{formatCount(s.count)} changes by {formatCount(s.administrators)} administrators.</>}
          actions={<ReviewBadge review={s.review} />}
        />
        <SimpleTable
          head={["When", "By", "Change", "Review"]}
          rows={s.changes.map((c) => [
            when(c.occurred_at), c.actor ?? "(unknown)", `${c.action === "PERMISSIONS_CHANGED" ? "Permissions" : "Settings"}: ${c.summary}`,
            <div key="r" className="space-y-1">
              {c.review ? (
                <p className="text-xs">
                  <Badge tone={c.review.compliant ? "green" : "red"}>{c.review.compliant ? "Compliant" : "Not compliant"}</Badge>{" "}
                  <span className="text-slate-500">{c.review.reviewer}{c.review.note ? ` — ${c.review.note}` : ""}</span>
                </p>
              ) : null}
              {mayReview && c.actor !== session.user.email ? <ReviewForm eventId={c.id} action={reviewChange} /> : !c.review ? <Badge tone="amber">Not reviewed</Badge> : null}
            </div>,
          ])}
          testId="settings-changes"
        />
        {s.listed < s.count ? <p className="px-5 pb-4 text-xs text-slate-500">The newest {formatCount(s.listed)} of {formatCount(s.count)} are listed; the counts cover them all.</p> : null}
      </Card>

      <div className="mt-4 grid gap-4 md:grid-cols-2">
        <Card>
          <CardHeader title="All events" description={<>{formatCount(report.activity.total)} events in the period.</>} />
          <div className="px-5 py-4">
            <CategoryBars data={Object.entries(report.activity.by_category).map(([category, count]) => ({ category, count }))} />
          </div>
        </Card>
        <Card>
          <CardHeader title="Alerts and integrity" />
          <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-2 px-5 py-4 text-sm">
            <dt className="text-slate-500">Alerts</dt>
            <dd>{report.alerts ? Object.entries(report.alerts.by_status).map(([k, v]) => `${formatCount(v)} ${k}`).join(", ") || "none" : "alerting not set up"}</dd>
            <dt className="text-slate-500">Chain head</dt>
            <dd className="font-mono text-xs break-all">#{report.chain.head.seq} {report.chain.head.hash}</dd>
            <dt className="text-slate-500">Signed checkpoint</dt>
            <dd className="text-xs">{report.chain.checkpoint ? <>#{report.chain.checkpoint.seq}, {when(report.chain.checkpoint.signed_at)}</> : "none yet"}</dd>
          </dl>
          <p className="px-5 pb-4 text-xs text-slate-500">
            The PDF verifies what was appended since the last verification and signs the head it was made from. <Link className="underline" href="/events?q=action:REPORT_DOWNLOADED">Past downloads</Link>
          </p>
        </Card>
      </div>

      <Card className="mt-4">
        <CardHeader title="Monthly reviews" description="The security report of each past month, made on the 1st and kept as it was made." />
        <SimpleTable
          head={["Month", "Made", "Size", "Emailed", ""]}
          rows={runs.map((r) => [
            dayIn(new Date(r.period_from), tz).slice(0, 7), when(r.generated_at), `${formatCount(Math.round(r.size_bytes / 1024))} KB`,
            r.recipients.length === 0 ? "—" : r.emailed_at ? `to ${r.recipients.join(", ")}`
              : <Badge key="e" tone="red">failed after {r.email_attempts} {r.email_attempts === 1 ? "try" : "tries"}: {r.email_error}</Badge>,
            <a key="d" href={`/reports/runs/${r.id}`} className="text-indigo-600 underline dark:text-indigo-400">Download PDF</a>,
          ])}
          testId="report-runs"
        />
        {can(session, "settings:manage") ? <div className="border-t border-slate-200 px-5 py-4 dark:border-slate-800">
          <ActionForm action={setMonthlyRecipients} submitLabel="Save recipients" submitVariant="secondary" testId="report-recipients">
            <FormCheckboxes
              name="recipients"
              legend="Email each monthly report to"
              options={[...new Set([...schedule.eligible, ...schedule.recipients])].map((email) => ({
                value: email, label: email, description: schedule.eligible.includes(email) ? undefined : "no longer allowed to receive reports",
              }))}
              defaultValues={schedule.recipients}
            />
            <p className="text-xs text-slate-500">Members whose role may download reports. A failed email is retried with backoff, up to 5 tries.</p>
          </ActionForm>
        </div> : (
          <p className="border-t border-slate-200 px-5 py-3 text-xs text-slate-500 dark:border-slate-800" data-testid="report-recipients-readonly">
            Emailed each month to {schedule.recipients.length ? schedule.recipients.join(", ") : "no one"}; an administrator chooses who.
          </p>
        )}
      </Card>
    </>
  );
}

function PeriodForm({ raw }: { raw: Record<string, string | string[] | undefined> }) {
  const value = (k: string) => (typeof raw[k] === "string" ? (raw[k] as string) : "");
  const preset = value("period") || (value("from") ? "custom" : "30d");
  return (
    <form method="get" className="flex flex-wrap items-end gap-2" data-testid="period-form">
      <label className="text-xs font-medium text-slate-600 dark:text-slate-400">
        Period
        <select name="period" defaultValue={preset} className={inputClass() + " mt-1 w-40"}>
          <option value="24h">Last 24 hours</option>
          <option value="7d">Last 7 days</option>
          <option value="30d">Last 30 days</option>
          <option value="custom">Custom days</option>
        </select>
      </label>
      <label className="text-xs font-medium text-slate-600 dark:text-slate-400">
        From
        <input type="date" name="from" defaultValue={value("from")} className={inputClass() + " mt-1 w-40"} />
      </label>
      <label className="text-xs font-medium text-slate-600 dark:text-slate-400">
        To (included)
        <input type="date" name="to" defaultValue={value("to")} className={inputClass() + " mt-1 w-40"} />
      </label>
      <button type="submit" className={buttonClass("secondary")}>Show</button>
    </form>
  );
}

function Figure({ label, value, tone, testId }: { label: string; value: number | null; tone?: "red"; testId?: string }) {
  return (
    <Card className="px-4 py-3" data-testid={testId}>
      <p className={"text-2xl font-semibold tabular-nums" + (tone === "red" ? " text-red-700 dark:text-red-400" : "")}>{formatCount(value)}</p>
      <p className="text-xs text-slate-500">{label}</p>
    </Card>
  );
}

function ReviewBadge({ review }: { review: SecurityReport["settings_changes"]["review"] }) {
  const tone = review.state === "all_compliant" ? "green" : review.state === "non_compliant" ? "red" : review.state === "pending" ? "amber" : "neutral";
  return <span data-testid="review-status"><Badge tone={tone}>{review.label}</Badge></span>;
}

function SimpleTable({ caption, head, rows, testId }: { caption?: string; head: string[]; rows: React.ReactNode[][]; testId?: string }) {
  return (
    <div className="overflow-x-auto px-5 py-4" data-testid={testId}>
      {caption ? <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">{caption}</h3> : null}
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing in the period.</p>
      ) : (
        <table className="w-full text-sm">
          <thead>
            <tr className="border-b border-slate-200 text-left text-xs text-slate-500 dark:border-slate-800">
              {head.map((h) => <th key={h} scope="col" className="py-1.5 pr-3 font-medium">{h}</th>)}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} className="border-b border-slate-100 align-top last:border-0 dark:border-slate-800/60">
                {r.map((cell, j) => <td key={j} className="py-1.5 pr-3 break-words">{cell}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
