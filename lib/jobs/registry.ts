import { runJob, type JobContext, type JobName, type JobOutcome, type JobSummary, type RunJobOptions } from "@/lib/jobs/runner";
import { verifyJob } from "@/lib/jobs/verify-chains";
import { alertsJob } from "@/lib/alerts/run";
import { backupJob, retentionJob } from "@/lib/retention/retention";
import { reportsJob } from "@/lib/reports/job";

/**
 * Every scheduled job, its schedule (UTC cron) and its work. Cron routes and the in-process
 * scheduler both run jobs through runScheduledJob, so both take the same advisory lock.
 */

export interface ScheduledJob {
  name: JobName;
  schedule: string;
  describe: string;
  work: (ctx: JobContext) => Promise<JobSummary>;
}

export const SCHEDULED_JOBS: Record<JobName, ScheduledJob> = {
  alerts: { name: "alerts", schedule: "* * * * *", describe: "suspicious-activity detectors over new events", work: alertsJob },
  verify: { name: "verify", schedule: "7 * * * *", describe: "re-verify each chain since its checkpoint (the whole chain daily) and sign the head", work: verifyJob },
  backup: { name: "backup", schedule: "15 2 * * *", describe: "write new events since the last segment to the archive store", work: backupJob },
  retention: { name: "retention", schedule: "45 3 * * *", describe: "archive, verify and remove events past retention", work: retentionJob },
  reports: { name: "reports", schedule: "*/5 * * * *", describe: "fold new events into report rollups, make due monthly reports, retry failed report emails", work: reportsJob },
};

export function runScheduledJob(name: JobName, opts: RunJobOptions = {}): Promise<JobOutcome> {
  return runJob(name, SCHEDULED_JOBS[name].work, opts);
}
