import type { JobContext, JobSummary } from "@/lib/jobs/runner";
import { refreshAllRollups, refreshRollups } from "@/lib/reports/rollups";
import { makeMonthlyReports, retryReportEmails } from "@/lib/reports/scheduled";

/**
 * The reports job (every 5 minutes): fold new events into the report rollups, make the
 * monthly reports that are due, and send again the report emails that failed once their
 * backoff has passed. Each step is bounded (100,000 events per rollup transaction, 10
 * reports per run) and idempotent, so a killed run loses nothing and the next one goes on.
 */
export async function reportsJob(ctx: JobContext): Promise<JobSummary> {
  const rollups = ctx.orgIds
    ? await Promise.all(ctx.orgIds.map(async (orgId) => ({ orgId, ...(await refreshRollups(orgId)) })))
    : await refreshAllRollups();
  // The PDF renderer is React (components/reports); lib loads it only when a job needs it.
  const { renderSecurityReportPdf } = await import("@/components/reports/security-report-pdf");
  const monthly = await makeMonthlyReports(renderSecurityReportPdf, { orgIds: ctx.orgIds });
  const retried = await retryReportEmails({ orgIds: ctx.orgIds });
  return {
    orgs: rollups.length,
    events: rollups.reduce((n, r) => n + r.added, 0),
    monthly_reports: monthly.length,
    emailed: monthly.filter((m) => m.emailed).length,
    email_retries: retried.length,
    email_retries_sent: retried.filter((r) => r.emailed).length,
  };
}
