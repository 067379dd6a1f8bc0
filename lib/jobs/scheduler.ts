import { Cron } from "croner";
import { runJob, type ScheduledJob } from "@/lib/jobs/runner";

/**
 * The in-process scheduler of a long-lived server: each job on its cron schedule (UTC).
 * Every app instance runs one; the advisory lock in runJob makes each job run once at a
 * time across all of them, and croner's `protect` keeps a slow run from overlapping the
 * next tick in this process.
 */

const globalForScheduler = globalThis as unknown as { vigilScheduler?: Cron[] };

export function startScheduler(jobs: ScheduledJob[], log: (line: string) => void = (l) => console.log(l)): Cron[] {
  if (globalForScheduler.vigilScheduler) return globalForScheduler.vigilScheduler;
  const crons = jobs.map((job) => {
    const { name } = job;
    return new Cron(job.schedule, { name: `vigil:${name}`, timezone: "UTC", protect: true, unref: true }, async () => {
      try {
        const outcome = await runJob(name, job.work);
        if (outcome.status === "failed") log(`[vigil] scheduled ${name} failed: ${outcome.error}`);
        if (outcome.status === "partial") log(`[vigil] scheduled ${name} finished, except for: ${outcome.error}`);
      } catch (err) {
        // The database may be restarting: the next tick tries again.
        log(`[vigil] scheduled ${name} could not run: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  });
  globalForScheduler.vigilScheduler = crons;
  log(`[vigil] scheduler started: ${jobs.map((j) => `${j.name} (${j.schedule})`).join(", ")}`);
  return crons;
}

export function stopScheduler(): void {
  for (const c of globalForScheduler.vigilScheduler ?? []) c.stop();
  globalForScheduler.vigilScheduler = undefined;
}
