import { runJob, type JobName, type JobOutcome, type RunJobOptions, type ScheduledJob } from "@/lib/jobs/runner";
import { verifyJob } from "@/lib/integrity/verify-job";
import { alertsJob } from "@/lib/alerts/run";
import { backupJob, retentionJob } from "@/lib/retention/retention";
import { reportsJob } from "@/lib/reports/job";
import type { SecurityReport } from "@/lib/reports/security";

/**
 * The composition root of the scheduled jobs: each job lives with its capability (lib/…),
 * lib/jobs is the framework that runs them, and this file wires the two together, with what
 * lib may not import itself (the React PDF renderer of components/). Cron routes and the
 * in-process scheduler both run jobs from here, so both take the same advisory lock.
 */

/** The PDF renderer is React; it is loaded only when a run makes a report. */
async function renderSecurityReportPdf(report: SecurityReport): Promise<Buffer> {
  const { renderSecurityReportPdf: render } = await import("@/components/reports/security-report-pdf");
  return render(report);
}

export const SCHEDULED_JOBS: Record<JobName, ScheduledJob> = {
  alerts: { name: "alerts", schedule: "* * * * *", describe: "suspicious-activity detectors over new events", work: alertsJob },
  verify: { name: "verify", schedule: "7 * * * *", describe: "re-verify each chain since its checkpoint (the whole chain daily) and sign the head", work: verifyJob },
  backup: { name: "backup", schedule: "15 2 * * *", describe: "write new events since the last segment to the archive store", work: backupJob },
  retention: { name: "retention", schedule: "45 3 * * *", describe: "archive, verify and remove events past retention", work: retentionJob },
  reports: {
    name: "reports",
    schedule: "*/5 * * * *",
    describe: "fold new events into report rollups, make due monthly reports, retry failed report emails",
    work: (ctx) => reportsJob(ctx, renderSecurityReportPdf),
  },
};

export function runScheduledJob(name: JobName, opts: RunJobOptions = {}): Promise<JobOutcome> {
  return runJob(name, SCHEDULED_JOBS[name].work, opts);
}
