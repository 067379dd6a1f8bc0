import type { JobContext, JobSummary } from "@/lib/jobs/runner";
import { forEachOrg, orgsToProcess } from "@/lib/jobs/state";
import { orgsWithUnrolledEvents, refreshRollups } from "@/lib/reports/rollups";
import { makeMonthlyReports, REPORTS_PER_RUN, retryReportEmails, type MonthlyRunResult, type RenderPdf } from "@/lib/reports/scheduled";

/**
 * The reports job (every 5 minutes): fold new events into the report rollups, make the
 * monthly reports that are due, and send again the report emails that failed once their
 * backoff has passed. Each step is bounded (100,000 events per rollup transaction, 10
 * reports per run) and idempotent, so a killed run loses nothing and the next one goes on.
 */
export async function reportsJob(ctx: JobContext, renderSecurityReportPdf: RenderPdf): Promise<JobSummary> {
  // One org's failure (a broken chain, a report that won't render) is recorded and the
  // others go on (lib/jobs/state.ts forEachOrg).
  const { results: rollups, failed: rollupFailures } = await forEachOrg("reports", ctx.orgIds ?? (await orgsWithUnrolledEvents()), refreshRollups);
  const monthly: MonthlyRunResult[] = [];
  const { failed: monthlyFailures } = await forEachOrg("reports", await orgsToProcess(ctx.orgIds), async (orgId) => {
    if (monthly.length >= REPORTS_PER_RUN) return;
    monthly.push(...(await makeMonthlyReports(renderSecurityReportPdf, { orgIds: [orgId], limit: REPORTS_PER_RUN - monthly.length })));
  });
  const retried = await retryReportEmails({ orgIds: ctx.orgIds });
  return {
    failures: [...rollupFailures, ...monthlyFailures],
    orgs: rollups.length,
    events: rollups.reduce((n, r) => n + r.added, 0),
    monthly_reports: monthly.length,
    emailed: monthly.filter((m) => m.emailed).length,
    email_retries: retried.length,
    email_retries_sent: retried.filter((r) => r.emailed).length,
  };
}
