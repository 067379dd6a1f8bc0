/**
 * Runs once when a Next.js server starts. Validates the environment (a bad value stops
 * the app with its name) and, in the Node.js runtime of a running server — never during
 * `next build`, never in the edge runtime — starts the in-process job scheduler.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { env } = await import("@/lib/env");
  const e = env();
  if (e.VIGIL_SCHEDULER === "off" || !e.DATABASE_URL) return;
  const { startScheduler } = await import("@/lib/jobs/scheduler");
  const { SCHEDULED_JOBS } = await import("@/server/jobs");
  startScheduler(Object.values(SCHEDULED_JOBS));
}
